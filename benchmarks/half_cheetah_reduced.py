"""DAgger, GAIL and AIRL on seals/HalfCheetah-v1 with reduced budgets: do the curves go the
right way, and how fast are they?

    python benchmarks/half_cheetah_reduced.py --expert-path PATH.zip [--adv-steps 300000]

Runs `imitation-mlflow train <algo> seals_half_cheetah` with the tuned configs, 60 expert
demonstrations, DAgger for --dagger-steps and GAIL/AIRL for --adv-steps environment steps,
then reads the curves back from the store: discriminator accuracy (first / last quarter),
the generator's true return early vs late, training throughput and the final score.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expert-path", required=True)
    parser.add_argument("--adv-steps", type=int, default=300_000)
    parser.add_argument("--dagger-steps", type=int, default=20_000)
    parser.add_argument("--algos", default="dagger,gail,airl")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/mlflow.db"
        env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
        for algo in args.algos.split(","):
            budget = (
                f"dagger.total_timesteps={args.dagger_steps}"
                if algo == "dagger"
                else f"total_timesteps={args.adv_steps}"
            )
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "imitation_mlflow",
                    "train",
                    algo,
                    "seals_half_cheetah",
                    "--no-progress",
                    "--expert-path",
                    args.expert_path,
                    "--set",
                    "demonstrations.n_expert_demos=60",
                    "--set",
                    budget,
                ],
                cwd=tmp,
                env=env,
                check=True,
                capture_output=True,
            )
            results[algo] = {"whole_process_s": time.perf_counter() - started}
        os.environ["MLFLOW_TRACKING_URI"] = uri
        import mlflow

        client = mlflow.MlflowClient()
        for run in mlflow.search_runs(experiment_names=["imitation"], output_format="list"):
            algo = run.data.tags["algo"]
            metrics = run.data.metrics
            steps = args.dagger_steps if algo == "dagger" else args.adv_steps
            out = results[algo]
            out.update(
                score=metrics["imit_return_mean"],
                normalized_score=metrics["normalized_score"],
                expert=metrics["expert_return_mean"],
                random=metrics["random_return_mean"],
                train_s=metrics["time/train_seconds"],
                env_steps_per_s=steps / metrics["time/train_seconds"],
            )
            for key in ("disc/accuracy", "gen/rollout/ep_rew_mean", "dagger/rollout_return"):
                history = [m.value for m in client.get_metric_history(run.info.run_id, key)]
                if history:
                    quarter = max(1, len(history) // 4)
                    out[f"{key} first quarter"] = sum(history[:quarter]) / quarter
                    out[f"{key} last quarter"] = sum(history[-quarter:]) / quarter
    print(json.dumps(results, indent=2))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
