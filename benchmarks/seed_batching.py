"""Seed batching: K seeds in one process against one seed alone and against K processes.

The speed issue's rows for BC and DAgger on seals/HalfCheetah-v1 with their tuned configs
(``bc_seals_half_cheetah``, ``dagger_seals_half_cheetah``) and the shipped expert:

- one seed alone: ``imitation-mlflow train ALGO seals_half_cheetah --seed s`` (whole process);
- K seeds in one process: ``... --seeds 0-(K-1)`` (each seed still its own MLflow run);
- K separate processes: K of the single-seed processes one after another. Their
  throughput does not depend on K (each process does the same work), so each repetition
  runs ``--separate`` of them (seeds 0..) and the throughput is scaled to K.

Demonstrations and the random-policy score are cached first (a warm-up batch run), so
every configuration measures start-up, training, the 50-episode evaluations and MLflow
logging alike. Repetitions interleave the configurations; medians are reported, with the
normalized score of every seed batched and alone side by side.

    python benchmarks/seed_batching.py --algos bc --reps 3 --output benchmarks/results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from algorithm_speed import cli_command, isolated_env  # noqa: E402

BUDGETS: dict[str, list[str]] = {"bc": [], "dagger": ["dagger.total_timesteps=60000"]}
"""BC keeps its tuned 20 epochs; DAgger the published 60k environment steps."""


def train(
    algo: str, seeds: str, flag: str, env: dict[str, str], cwd: str, demos: int
) -> dict[str, Any]:
    """One whole ``train`` process (``flag`` is ``--seed`` or ``--seeds``); time and runs."""
    command = [*cli_command(), "train", algo, "seals_half_cheetah", flag, seeds, "--no-progress"]
    for override in [f"demonstrations.n_expert_demos={demos}", *BUDGETS[algo]]:
        command += ["--set", override]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-4000:]}")
    run_ids = [
        line.split("run_id:")[1].strip() for line in done.stdout.splitlines() if "run_id:" in line
    ]
    return {"seconds": seconds, "run_ids": run_ids}


def scores(run_ids: list[str]) -> dict[str, dict[str, float]]:
    """Seed -> normalized score and training seconds of each run."""
    import mlflow

    client = mlflow.MlflowClient()
    out = {}
    for run_id in run_ids:
        run = client.get_run(run_id)
        metrics = run.data.metrics
        out[run.data.tags["seed"]] = {
            "normalized_score": metrics["normalized_score"],
            "train_s": metrics["time/train_seconds"],
        }
    return out


def measure(algo: str, args: argparse.Namespace, env: dict[str, str], cwd: str) -> dict[str, Any]:
    """Interleaved repetitions of batched, alone and separate processes for ``algo``."""
    k = args.seeds
    batch_spec = f"0-{k - 1}"
    print(f"[{algo}] warm-up (demonstrations, random score): {k} seeds", flush=True)
    warm = train(algo, batch_spec, "--seeds", env, cwd, args.demos)
    reps = []
    for rep in range(args.reps):
        batched = train(algo, batch_spec, "--seeds", env, cwd, args.demos)
        separate = [
            train(algo, str(s), "--seed", env, cwd, args.demos) for s in range(args.separate)
        ]
        row = {
            "batched_s": batched["seconds"],
            "alone_s": separate[0]["seconds"],
            "separate_s": [s["seconds"] for s in separate],
            "batched_scores": scores(batched["run_ids"]),
            "alone_scores": scores([r for s in separate for r in s["run_ids"]]),
        }
        per_process = statistics.mean(row["separate_s"])
        row["k_separate_s"] = per_process * k
        print(
            f"[{algo}] rep {rep}: {k} seeds together {row['batched_s']:.1f} s, one alone "
            f"{row['alone_s']:.1f} s, {k} separate ~{row['k_separate_s']:.0f} s",
            flush=True,
        )
        reps.append(row)
        if args.output:  # a long measurement keeps what it has if it is stopped
            partial = json.loads(args.output.read_text()) if args.output.exists() else {}
            args.output.write_text(json.dumps({**partial, f"{algo}_reps": reps}, indent=2))
    batched_train = statistics.median(
        next(iter(r["batched_scores"].values()))["train_s"] for r in reps
    )
    alone_train = statistics.median(r["alone_scores"]["0"]["train_s"] for r in reps)
    batched_s = statistics.median(r["batched_s"] for r in reps)
    alone_s = statistics.median(r["alone_s"] for r in reps)
    k_separate_s = statistics.median(r["k_separate_s"] for r in reps)
    return {
        "seeds": k,
        "warm_up_s": warm["seconds"],
        "reps": reps,
        "median_batched_s": batched_s,
        "median_alone_s": alone_s,
        "median_k_separate_s": k_separate_s,
        "batched_over_alone": batched_s / alone_s,
        "median_batched_train_s": batched_train,
        "median_alone_train_s": alone_train,
        "training_batched_over_alone": batched_train / alone_train,
        "throughput_vs_separate": k_separate_s / batched_s,
        "scores_batched": reps[-1]["batched_scores"],
        "scores_alone": reps[-1]["alone_scores"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algos", default="bc,dagger")
    parser.add_argument("--seeds", type=int, default=10, help="K: seeds in the batch.")
    parser.add_argument("--separate", type=int, default=3, help="Single-seed processes per rep.")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--demos", type=int, default=60)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "started": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        env = isolated_env(tmp)
        os.environ.update(env)
        for algo in args.algos.split(","):
            results[algo] = measure(algo, args, env, tmp)
            if args.output:
                args.output.write_text(json.dumps(results, indent=2))
    for algo in args.algos.split(","):
        r = results[algo]
        print(
            f"{algo}: {r['seeds']} seeds together {r['median_batched_s']:.1f} s = "
            f"{r['batched_over_alone']:.2f}x one seed alone ({r['median_alone_s']:.1f} s); "
            f"{r['throughput_vs_separate']:.1f}x the throughput of {r['seeds']} processes"
        )


if __name__ == "__main__":
    main()
