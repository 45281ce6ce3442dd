"""Whole-process time of BC with ``bc_seals_half_cheetah`` (the foundation issue's speed check).

Runs ``imitation-mlflow train bc seals_half_cheetah`` as a subprocess per seed (start-up,
demonstrations, 20 epochs of training, a 50-episode evaluation, MLflow logging) against a
fresh SQLite store, after warming the random-policy score cache, and reports the median.

    python benchmarks/bc_half_cheetah.py --expert-path experts/ppo-seals-HalfCheetah-v1/...zip

The published library needs 150 s for the same work (periodic rollout logging off,
60 demonstrations, median of 3 seeds) on this kind of machine.
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

PUBLISHED_SECONDS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expert-path", required=True)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--demos", type=int, default=60)
    parser.add_argument("--output", type=Path, default=None, help="Write results as JSON here.")
    args = parser.parse_args()

    cli = str(Path(sys.executable).parent / "imitation-mlflow")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp}/mlflow.db"}
        env["IMITATION_MLFLOW_CACHE"] = os.environ.get("IMITATION_MLFLOW_CACHE", f"{tmp}/cache")
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from imitation_mlflow.evaluation.random_baseline import "
                "random_policy_stats as r;"
                "print(r('seals/HalfCheetah-v1'))",
            ],
            env=env,
            check=True,
        )
        random_seconds = time.perf_counter() - started
        rows = []
        for seed in range(args.seeds):
            started = time.perf_counter()
            done = subprocess.run(
                [
                    cli,
                    "train",
                    "bc",
                    "seals_half_cheetah",
                    "--seed",
                    str(seed),
                    "--no-progress",
                    "--expert-path",
                    args.expert_path,
                    "--set",
                    f"demonstrations.n_expert_demos={args.demos}",
                ],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
                check=True,
            )
            seconds = time.perf_counter() - started
            metrics = json.loads(done.stdout[done.stdout.index("{") :])
            rows.append({"seed": seed, "seconds": seconds, **metrics})
            print(
                f"seed {seed}: {seconds:.1f} s, return {metrics['imit_return_mean']:.1f}, "
                f"normalized {metrics['normalized_score']:.3f}, "
                f"training {metrics['time/train_seconds']:.1f} s",
                flush=True,
            )
    median = statistics.median(r["seconds"] for r in rows)
    summary = {
        "median_seconds": median,
        "speedup_vs_published": PUBLISHED_SECONDS / median,
        "random_score_seconds_once": random_seconds,
        "runs": rows,
    }
    print(json.dumps({k: v for k, v in summary.items() if k != "runs"}, indent=2))
    if args.output:
        args.output.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
