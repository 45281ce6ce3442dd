"""The BC column of the benchmark: five MuJoCo envs x 10 seeds, published budgets, 2 cores.

Times ``imitation-mlflow benchmark run --algos bc --envs all --seeds 10 --jobs 2`` (tuned
``bc_<env>`` configs, shipped experts, 50-episode evaluations; each env's 10 seeds train
together in one process) against a fresh SQLite store. ``cold``: nothing cached, so the
demonstrations (60 per seed) and the random-policy scores are rolled out too; ``warm``: the
same suite again with ``--force`` once they are cached. Reports wall times, runs FINISHED
and each env's mean normalized score.

    python benchmarks/bc_column.py --output benchmarks/results/bc_column.json
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from algorithm_speed import cli_command, isolated_env  # noqa: E402


def suite(extra: list[str], env: dict[str, str], cwd: str, seeds: int, jobs: int) -> float:
    """Wall seconds of one ``benchmark run`` of the BC column."""
    command = [
        *cli_command(),
        "benchmark",
        "run",
        "--algos",
        "bc",
        "--envs",
        "all",
        "--seeds",
        str(seeds),
        "--jobs",
        str(jobs),
        "--no-progress",
        *extra,
    ]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return time.perf_counter() - started


def scores() -> dict[str, Any]:
    """Runs FINISHED and each env's normalized scores, from the store."""
    import mlflow

    runs = mlflow.search_runs(
        experiment_names=["imitation"], output_format="list", filter_string="tags.algo = 'bc'"
    )
    finished = [r for r in runs if r.info.status == "FINISHED"]
    by_env: dict[str, list[float]] = {}
    for run in finished:
        by_env.setdefault(run.data.tags["env"], []).append(run.data.metrics["normalized_score"])
    return {
        "runs": len(runs),
        "finished": len(finished),
        "mean_normalized_score": {e: statistics.mean(v) for e, v in sorted(by_env.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = isolated_env(tmp)
        os.environ.update(env)
        cold = suite([], env, tmp, args.seeds, args.jobs)
        print(f"cold: {cold:.0f} s", flush=True)
        warm = suite(["--force"], env, tmp, args.seeds, args.jobs)
        print(f"warm: {warm:.0f} s", flush=True)
        results = {"cold_s": cold, "warm_s": warm, "seeds": args.seeds, "jobs": args.jobs}
        results.update(scores())
    print(json.dumps(results, indent=2))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
