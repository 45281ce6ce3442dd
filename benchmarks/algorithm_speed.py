"""Speed of BC, DAgger, GAIL and AIRL on seals/HalfCheetah-v1 next to the raw stepping rate.

The issue's speed check: whole-process seconds and training throughput of each algorithm
with its tuned config, median over seeds ``0..reps-1``, compared with the published library
(imitation 1.0.1) on this kind of machine, and the raw stepping rate of the same env
(single ``gymnasium.make`` env, uniform random actions) measured in the same session so that
the numbers can be read as ratios on a noisy machine.

    python benchmarks/algorithm_speed.py --expert-path PATH.zip [--reps 3] \\
        [--algos bc,dagger,gail,airl] [--output benchmarks/results/algorithm_speed.json]
    python benchmarks/algorithm_speed.py --only-stepping   # e.g. to compare mujoco versions

Each training run is ``imitation-mlflow train <algo> seals_half_cheetah --no-progress
--expert-path P --set demonstrations.n_expert_demos=60 --set <budget>`` in a subprocess
against a fresh SQLite store (start-up, demonstrations, training, a 50-episode evaluation
and MLflow logging included), after warming the random-policy score cache. Budgets: BC its
tuned 20 epochs, DAgger ``dagger.total_timesteps=20000``, GAIL/AIRL ``total_timesteps=100000``.
Runs are interleaved (seed 0 of every algo, then seed 1, ...) so that load drift hits all
algorithms alike. Training throughput is read back from the run: environment steps (last
step of ``dagger/round`` or ``gen/round``) or BC batches (last step of ``bc/loss``) over
``time/train_seconds``.
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

ENV_ID = "seals/HalfCheetah-v1"

BUDGETS: dict[str, list[str]] = {
    "bc": [],
    "dagger": ["dagger.total_timesteps=20000"],
    "gail": ["total_timesteps=100000"],
    "airl": ["total_timesteps=100000"],
}
"""Extra ``--set`` overrides per algorithm (BC keeps its tuned 20 epochs)."""

STEP_METRIC = {"bc": "bc/loss", "dagger": "dagger/round", "gail": "gen/round", "airl": "gen/round"}
"""The metric whose last logged step is the work done: BC batches or environment steps."""

PUBLISHED: dict[str, dict[str, float]] = {
    "bc": {"whole_process_s": 150.0, "throughput": 256.0, "target_speedup": 3.0},
    "dagger": {"whole_process_s": 247.0, "throughput": 127.0, "target_speedup": 1.5},
    "gail": {"whole_process_s": 194.0, "throughput": 820.0, "target_speedup": 1.5},
    "airl": {"whole_process_s": 176.0, "throughput": 1050.0, "target_speedup": 1.5},
}
"""imitation 1.0.1 on this kind of machine, median of 3 seeds (BC: rollout logging off)."""


def raw_stepping_rate(n_steps: int, reps: int, seed: int = 0) -> dict[str, Any]:
    """Steps per second of one ``gymnasium.make(ENV_ID)`` env under uniform random actions.

    Actions are drawn up front so that the sampler is not timed; resets on episode end
    are. Returns the median and every repetition's rate, and the median time of the bare
    physics of one env step (``mj_step`` with ``nstep=frame_skip``, zero controls, no
    gymnasium Python around it).
    """
    import gymnasium as gym
    import mujoco
    import numpy as np
    import seals  # noqa: F401  (registers the seals envs)

    env = gym.make(ENV_ID)
    space = env.action_space
    rng = np.random.default_rng(seed)
    actions = rng.uniform(space.low, space.high, size=(n_steps, *space.shape)).astype(space.dtype)
    env.reset(seed=seed)
    for action in actions[:1000]:  # warm-up
        _, _, terminated, truncated, _ = env.step(action)
        if terminated or truncated:
            env.reset()
    rates = []
    for _ in range(reps):
        env.reset()
        started = time.perf_counter()
        for action in actions:
            _, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                env.reset()
        rates.append(n_steps / (time.perf_counter() - started))
    unwrapped: Any = env.unwrapped
    model, data, frame_skip = unwrapped.model, unwrapped.data, unwrapped.frame_skip
    mj_step_us = []
    for _ in range(reps):  # the physics of one env step alone, without gymnasium's Python
        started = time.perf_counter()
        for _ in range(n_steps):
            mujoco.mj_step(model, data, nstep=frame_skip)
        mj_step_us.append(1e6 * (time.perf_counter() - started) / n_steps)
        mujoco.mj_resetData(model, data)
    env.close()
    return {
        "env": ENV_ID,
        "mujoco": mujoco.__version__,
        "gymnasium": gym.__version__,
        "steps_per_rep": n_steps,
        "median_steps_per_s": statistics.median(rates),
        "rates": rates,
        "median_mj_step_us": statistics.median(mj_step_us),
    }


def isolated_env(folder: str) -> dict[str, str]:
    """This environment with a fresh SQLite store and cache in ``folder``, hub offline."""
    return {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{folder}/mlflow.db",
        "IMITATION_MLFLOW_CACHE": f"{folder}/cache",
        "HF_HUB_OFFLINE": "1",
    }


def cli_command() -> list[str]:
    """The ``imitation-mlflow`` console script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).parent / "imitation-mlflow"
    return [str(script)] if script.exists() else [sys.executable, "-m", "imitation_mlflow"]


def train_once(
    algo: str, seed: int, expert_path: str, demos: int, env: dict[str, str], cwd: str
) -> dict[str, Any]:
    """One whole ``imitation-mlflow train`` process; its wall time and run id."""
    command = [
        *cli_command(),
        "train",
        algo,
        "seals_half_cheetah",
        "--seed",
        str(seed),
        "--no-progress",
        "--expert-path",
        expert_path,
        "--set",
        f"demonstrations.n_expert_demos={demos}",
    ]
    for override in BUDGETS[algo]:
        command += ["--set", override]
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{algo} seed {seed} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    status_line = next(line for line in done.stdout.splitlines() if "run_id:" in line)
    return {
        "algo": algo,
        "seed": seed,
        "whole_process_s": seconds,
        "run_id": status_line.split("run_id:")[1].strip(),
    }


def read_run(row: dict[str, Any]) -> dict[str, Any]:
    """Add the run's scores, training seconds and throughput from the MLflow store."""
    import mlflow

    client = mlflow.MlflowClient()
    metrics = client.get_run(row["run_id"]).data.metrics
    history = client.get_metric_history(row["run_id"], STEP_METRIC[row["algo"]])
    work = max(m.step for m in history)
    train_s = metrics["time/train_seconds"]
    return {
        **row,
        "train_s": train_s,
        "work": work,
        "throughput": work / train_s,
        "imit_return_mean": metrics["imit_return_mean"],
        "expert_return_mean": metrics["expert_return_mean"],
        "random_return_mean": metrics["random_return_mean"],
        "normalized_score": metrics["normalized_score"],
    }


def summarize(rows: list[dict[str, Any]], raw_rate: float) -> dict[str, dict[str, Any]]:
    """Per algorithm: medians, ratios to the published library and to the raw rate."""
    out: dict[str, dict[str, Any]] = {}
    for algo in dict.fromkeys(r["algo"] for r in rows):
        mine = [r for r in rows if r["algo"] == algo]
        whole = statistics.median(r["whole_process_s"] for r in mine)
        throughput = statistics.median(r["throughput"] for r in mine)
        published = PUBLISHED[algo]
        out[algo] = {
            "reps": len(mine),
            "median_whole_process_s": whole,
            "median_train_s": statistics.median(r["train_s"] for r in mine),
            "median_throughput": throughput,
            "throughput_unit": "batches/s" if algo == "bc" else "env steps/s",
            "work": mine[0]["work"],
            "whole_process_speedup_vs_published": published["whole_process_s"] / whole,
            "throughput_speedup_vs_published": throughput / published["throughput"],
            "target_speedup": published["target_speedup"],
            "throughput_over_raw_stepping": None if algo == "bc" else throughput / raw_rate,
            "normalized_scores": [r["normalized_score"] for r in mine],
            "median_normalized_score": statistics.median(r["normalized_score"] for r in mine),
            "returns": [r["imit_return_mean"] for r in mine],
        }
    return out


def markdown(summary: dict[str, dict[str, Any]], raw_rate: float) -> str:
    """The summary as a markdown table."""
    lines = [
        f"raw stepping rate of {ENV_ID} (random actions, one env): {raw_rate:,.0f} steps/s",
        "",
        "| algo | work | whole process (median) | published | speed-up | training throughput "
        "(median) | published | speed-up | of raw rate | normalized score (per seed) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for algo, s in summary.items():
        unit = s["throughput_unit"]
        work = f"{s['work']:,} {'batches' if algo == 'bc' else 'env steps'}"
        of_raw = (
            "-"
            if s["throughput_over_raw_stepping"] is None
            else f"{100 * s['throughput_over_raw_stepping']:.1f}%"
        )
        scores = " / ".join(f"{x:.2f}" for x in s["normalized_scores"])
        lines.append(
            f"| {algo} | {work} | {s['median_whole_process_s']:.1f} s "
            f"| {PUBLISHED[algo]['whole_process_s']:.0f} s "
            f"| {s['whole_process_speedup_vs_published']:.2f}x "
            f"| {s['median_throughput']:,.0f} {unit} "
            f"| {PUBLISHED[algo]['throughput']:,.0f} "
            f"| {s['throughput_speedup_vs_published']:.2f}x | {of_raw} | {scores} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure, print a markdown table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expert-path", help="SB3 PPO zip of the HalfCheetah expert.")
    parser.add_argument("--reps", type=int, default=3, help="Seeds 0..reps-1 per algorithm.")
    parser.add_argument("--algos", default="bc,dagger,gail,airl")
    parser.add_argument("--demos", type=int, default=60)
    parser.add_argument("--stepping-steps", type=int, default=20_000)
    parser.add_argument("--stepping-reps", type=int, default=5)
    parser.add_argument(
        "--only-stepping", action="store_true", help="Measure the raw stepping rate only."
    )
    parser.add_argument("--output", type=Path, default=None, help="Write results as JSON here.")
    args = parser.parse_args()

    load_before = os.getloadavg()
    stepping_before = raw_stepping_rate(args.stepping_steps, args.stepping_reps)
    print(
        f"raw stepping (mujoco {stepping_before['mujoco']}): "
        f"{stepping_before['median_steps_per_s']:,.0f} steps/s "
        f"({', '.join(f'{r:,.0f}' for r in stepping_before['rates'])}); "
        f"mj_step {stepping_before['median_mj_step_us']:.1f} us",
        flush=True,
    )
    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "load_average_before": load_before,
        "stepping_before": stepping_before,
    }
    if not args.only_stepping:
        if not args.expert_path:
            parser.error("--expert-path is required unless --only-stepping")
        algos = args.algos.split(",")
        rows = []
        with tempfile.TemporaryDirectory() as tmp:
            uri = f"sqlite:///{tmp}/mlflow.db"
            env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "from imitation_mlflow.evaluation.random_baseline import "
                    "random_policy_stats as r;"
                    f"r({ENV_ID!r})",
                ],
                env=env,
                check=True,
            )
            result["random_cache_warm_s"] = time.perf_counter() - started
            for seed in range(args.reps):
                for algo in algos:
                    row = train_once(algo, seed, args.expert_path, args.demos, env, tmp)
                    print(f"{algo} seed {seed}: {row['whole_process_s']:.1f} s", flush=True)
                    rows.append(row)
            os.environ["MLFLOW_TRACKING_URI"] = uri
            rows = [read_run(row) for row in rows]
        stepping_after = raw_stepping_rate(args.stepping_steps, args.stepping_reps)
        raw_rate = statistics.median(stepping_before["rates"] + stepping_after["rates"])
        summary = summarize(rows, raw_rate)
        result |= {
            "stepping_after": stepping_after,
            "raw_steps_per_s": raw_rate,
            "load_average_after": os.getloadavg(),
            "published": PUBLISHED,
            "summary": summary,
            "runs": rows,
        }
        print(markdown(summary, raw_rate))
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
