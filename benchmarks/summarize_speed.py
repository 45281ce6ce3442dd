"""Speed of `summarize csv` on 10,000 sacred run folders and on 2,000 MLflow runs.

Generates both inputs in a temporary directory, then times loading + CSV rendering
in-process (median of --reps repetitions) and the whole `imitation-mlflow summarize csv`
command once per source. Targets (analysis issue): folders < 5 s, MLflow < 30 s.

    python benchmarks/summarize_speed.py [--folders 10000] [--mlflow-runs 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ENVS = [
    "seals/Ant-v1",
    "seals/HalfCheetah-v1",
    "seals/Hopper-v1",
    "seals/Swimmer-v1",
    "seals/Walker2d-v1",
]
ALGOS = ["bc", "dagger", "gail", "airl"]


def make_folders(root: Path, count: int) -> None:
    from imitation_mlflow.export.sacred_writer import sacred_run_record, write_run_folder

    for n in range(count):
        algo, env = ALGOS[n % 4], ENVS[(n // 4) % 5]
        script = "train_adversarial" if algo in ("gail", "airl") else "train_imitation"
        stats = {"monitor_return_mean": 100.0 + n % 97, "monitor_return_std": 3.0, "n_traj": 50}
        run = sacred_run_record(
            command=algo,
            experiment=script,
            status="COMPLETED",
            result={
                "imit_stats": stats,
                "expert_stats": {**stats, "monitor_return_mean": 200.0},
                "random_stats": {"monitor_return_mean": 0.0},
            },
            start_time=datetime(2026, 1, 1),
            stop_time=datetime(2026, 1, 1, 1),
        )
        config = {"environment": {"gym_id": env}, "seed": n // 20, algo: {"batch_size": 32}}
        write_run_folder(root / "sacred" / script / str(n + 1), run=run, config=config)


def make_mlflow_runs(uri: str, count: int) -> None:
    from mlflow.entities import Metric, RunTag
    from mlflow.tracking import MlflowClient

    client = MlflowClient(uri)
    experiment_id = client.create_experiment("speed")
    now = int(time.time() * 1000)
    for n in range(count):
        algo, env = ALGOS[n % 4], ENVS[(n // 4) % 5]
        run_id = client.create_run(experiment_id).info.run_id
        tags = {"algo": algo, "env_id": env, "seed": str(n // 20), "env": "x"}
        metrics = {
            "imit_return_mean": 100.0 + n % 97,
            "expert_return_mean": 200.0,
            "random_return_mean": 0.0,
            "normalized_score": (100.0 + n % 97) / 200,
        }
        client.log_batch(
            run_id,
            metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        client.set_terminated(run_id)


def timed(func, reps: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folders", type=int, default=10_000)
    parser.add_argument("--mlflow-runs", type=int, default=2_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    from imitation_mlflow.analysis import load_runs, summary_csv

    cli = str(Path(sys.executable).parent / "imitation-mlflow")
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root, uri = Path(tmp) / "runs", f"sqlite:///{tmp}/mlflow.db"
        started = time.perf_counter()
        make_folders(root, args.folders)
        out["generate_folders_s"] = time.perf_counter() - started
        started = time.perf_counter()
        make_mlflow_runs(uri, args.mlflow_runs)
        out["generate_mlflow_runs_s"] = time.perf_counter() - started
        os.environ["MLFLOW_TRACKING_URI"] = uri

        def folders_csv() -> None:
            assert summary_csv(load_runs(str(root), measure_random=False)).count("\n") == (
                args.folders + 1
            )

        def mlflow_csv() -> None:
            assert summary_csv(load_runs("speed", measure_random=False)).count("\n") == (
                args.mlflow_runs + 1
            )

        out["folders_in_process_median_s"] = timed(folders_csv, args.reps)
        out["mlflow_in_process_median_s"] = timed(mlflow_csv, args.reps)
        for name, source in (("folders", str(root)), ("mlflow", "speed")):
            started = time.perf_counter()
            subprocess.run([cli, "summarize", "csv", source], check=True, capture_output=True)
            out[f"{name}_whole_command_s"] = time.perf_counter() - started
    out.update(folders=args.folders, mlflow_runs=args.mlflow_runs, reps=args.reps)
    print(json.dumps(out, indent=2))
    if args.output:
        args.output.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
