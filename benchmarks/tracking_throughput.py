"""Runs per minute the tracking store takes: the default SQLite file vs `mlflow server` on
PostgreSQL, with K writers at once.

Each writer process records what a training run records, through the project's own
tracking code (params, a batched curve, final metrics, three small artifacts, end), with no
training in between, so the number is the store's ceiling, not a training rate. Both stores
are measured in one invocation, interleaved, median of ``--reps``.

    python benchmarks/tracking_throughput.py --runs 24 --writers 1,4 --reps 3
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.e2e.lab_servers import MlflowServer, PostgresServer  # noqa: E402

WRITER = """
import sys, tempfile
from pathlib import Path
from imitation_mlflow.tracking.run import tracked_run
n_runs, tag = int(sys.argv[1]), sys.argv[2]
for i in range(n_runs):
    with tracked_run(experiment="throughput", run_name=f"{tag}-{i}", tags={"algo": "bc"}) as run:
        run.log_params({f"p{k}": k for k in range(35)})
        for step in range(600):
            for key in ("bc/loss", "bc/entropy"):
                run.metrics.record(key, 1.0 / (step + 1), step)
        run.log_final_metrics({"imit_return_mean": 1.0, "normalized_score": 1.0})
        with tempfile.TemporaryDirectory() as folder:
            for name in ("config.json", "result.json", "cout.txt"):
                path = Path(folder) / name
                path.write_text("{}" * 500)
                run.log_artifact(path)
"""


def _measure(uri: str, runs: int, writers: int) -> float:
    """Runs per minute with ``writers`` processes sharing ``runs`` runs."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(runs // writers), f"w{w}-{time.time_ns()}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    for proc in procs:
        _, errors = proc.communicate(timeout=1800)
        assert proc.returncode == 0, errors[-3000:]
    seconds = time.perf_counter() - started
    return 60.0 * (runs // writers) * writers / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=24)
    parser.add_argument("--writers", default="1,4")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--output", type=Path, default=REPO / "benchmarks/results/tracking_throughput.json"
    )
    args = parser.parse_args()
    writers = [int(w) for w in args.writers.split(",")]
    with tempfile.TemporaryDirectory() as root:
        os.environ["IMITATION_MLFLOW_CACHE"] = str(Path(root) / "cache")
        postgres = PostgresServer().start()
        server = MlflowServer(postgres.create_database("bench"), Path(root)).start()
        stores = {"sqlite": f"sqlite:///{Path(root) / 'mlflow.db'}", "server": server.url}
        results: dict[str, dict[str, list[float]]] = {
            s: {str(w): [] for w in writers} for s in stores
        }
        try:
            for uri in stores.values():  # create each store once (not a race of K migrations)
                _measure(uri, 1, 1)
            for rep in range(args.reps):
                for k in writers:
                    for store, uri in stores.items():
                        rate = _measure(uri, args.runs, k)
                        results[store][str(k)].append(rate)  # type: ignore[attr-defined]
                        print(f"rep {rep} {store:6s} {k} writers: {rate:6.1f} runs/min", flush=True)
        finally:
            server.stop()
            postgres.stop()
    summary = {
        store: {k: statistics.median(v) for k, v in by_k.items()} for store, by_k in results.items()
    }
    print(json.dumps(summary, indent=2))
    args.output.write_text(
        json.dumps({"runs": args.runs, "raw": results, "median": summary}, indent=2)
    )


if __name__ == "__main__":
    main()
