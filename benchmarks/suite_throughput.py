"""Local suite throughput, --jobs 2 vs --jobs 1, and 8 concurrent runs on one SQLite store.

    python benchmarks/suite_throughput.py [--runs 4] [--reps 2]

Each measurement is a whole `imitation-mlflow benchmark run` (BC on seals/CartPole-v0 with
the quick config) in a fresh store. The concurrency check runs 8 at once (--jobs 8) and
verifies that every run FINISHED with all of its curve points and final metrics.
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
from pathlib import Path

BC_LOSS_POINTS = 5
"""bc_seals_cartpole: 20 demos x 500 steps / batch 64 = 157 batches x 10 epochs = 1570 steps,
a curve point every 500 steps and at the last: steps 1, 501, 1001, 1501, 1570."""
FINAL = ("imit_return_mean", "expert_return_mean", "random_return_mean", "normalized_score")


def suite(jobs: int, runs: int, store: Path) -> float:
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db"}
    command = [
        sys.executable,
        "-m",
        "imitation_mlflow",
        "benchmark",
        "run",
        "--algos",
        "bc",
        "--envs",
        "seals_cartpole",
        "--seeds",
        str(runs),
        "--jobs",
        str(jobs),
        "--no-progress",
    ]
    started = time.perf_counter()
    subprocess.run(command, cwd=store, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def check_store(store: Path, runs: int) -> dict[str, int]:
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{store}/mlflow.db"
    import mlflow

    client = mlflow.MlflowClient()
    found = mlflow.search_runs(
        experiment_names=["imitation"], output_format="list", filter_string="tags.algo != ''"
    )
    finished = [r for r in found if r.info.status == "FINISHED"]
    complete = [
        r
        for r in finished
        if all(k in r.data.metrics for k in FINAL)
        and len(client.get_metric_history(r.info.run_id, "bc/loss")) == BC_LOSS_POINTS
    ]
    return {
        "expected": runs,
        "runs": len(found),
        "finished": len(finished),
        "with_all_metrics": len(complete),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.reps):
        for jobs in (1, 2):
            with tempfile.TemporaryDirectory() as tmp:
                times[jobs].append(suite(jobs, args.runs, Path(tmp)))
                print(f"--jobs {jobs}: {times[jobs][-1]:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        suite(8, 8, Path(tmp))
        concurrent_s = time.perf_counter() - started
        integrity = check_store(Path(tmp), 8)
    out = {
        "runs_per_suite": args.runs,
        "jobs1_median_s": statistics.median(times[1]),
        "jobs2_median_s": statistics.median(times[2]),
        "throughput_ratio_jobs2_over_jobs1": statistics.median(times[1])
        / statistics.median(times[2]),
        "eight_concurrent_s": concurrent_s,
        "eight_concurrent": integrity,
    }
    print(json.dumps(out, indent=2))
    if args.output:
        args.output.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
