"""GAIL/AIRL training speed of an old checkout against this one, and whether results moved.

    python benchmarks/adversarial_speed.py --old /path/to/old/checkout [--reps 3] \\
        [--algos gail,airl] [--total 100000] [--profile] [--check] \\
        [--output benchmarks/results/adversarial_speed.json]

In one session, interleaved (each repetition runs every algorithm with both trees, the
order of the trees alternating), on the tuned HalfCheetah configs with the shipped expert:
``imitation-mlflow train <algo> seals_half_cheetah`` with ``PYTHONPATH`` at the old or the
new tree (the same interpreter), seed 0, ``total_timesteps`` as given. The raw stepping
rate of seals/HalfCheetah-v1 (one gymnasium env, uniform random actions) is measured
before and after the runs, so throughputs read as a share of it. Training throughput is
environment steps (last ``gen/round`` step) over ``time/train_seconds``.

Same result: every run's non-timing metric curves (``disc/*``, ``gen/train/*``,
``gen/rollout/*``) and final scores of the new tree are compared with the old tree's
exactly. ``--check`` also trains GAIL and AIRL on seals/CartPole-v0 for 2 rounds in each
tree (the unit tests' small trainer) and compares SHA-256 digests of the final policy,
discriminator and reward-normalizer state. ``--profile`` runs each algorithm once more per
tree under cProfile (``--profile-total`` steps) and keeps the cumulative seconds of the
training phases.
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
import algorithm_speed as speed  # noqa: E402  (the shared helpers of the speed benchmarks)

REPO = Path(__file__).resolve().parents[1]
EXPERT = "imitation_mlflow/experts/shipped/ppo-seals-HalfCheetah-v1/ppo-seals-HalfCheetah-v1.zip"

PHASES: dict[str, tuple[str, str | None]] = {
    "training": ("adversarial/common.py:(train)", None),
    "generator rollouts (collect_rollouts)": ("on_policy_algorithm.py:(collect_rollouts)", None),
    "  env stepping": ("dummy_vec_env.py:(step_wait)", "adversarial/common.py:(step_wait)"),
    "  reward relabelling": ("adversarial/common.py:(_generator_reward)", None),
    "  policy action sampling": ("common/policies.py:(forward)", None),
    "PPO update (PPO.train)": ("ppo/ppo.py:(train)", None),
    "  evaluate_actions": ("common/policies.py:(evaluate_actions)", "ppo/ppo.py:(train)"),
    "  backward": ("torch/_tensor.py:(backward)", "ppo/ppo.py:(train)"),
    "  clip_grad_norm_": ("clip_grad.py:(_no_grad_wrapper)", "ppo/ppo.py:(train)"),
    "  optimizer step (Adam)": ("optimizer.py:(wrapper)", "ppo/ppo.py:(train)"),
    "  minibatch gathering": ("buffers.py:(get)", "ppo/ppo.py:(train)"),
    "discriminator (train_disc)": ("adversarial/common.py:(train_disc)", None),
}
"""Phase -> (``file:(function)`` of its profile entry, the caller counted, or all callers)."""


def _matches(key: tuple[str, int, str], pattern: str) -> bool:
    """Whether a pstats ``(file, line, function)`` key matches ``file:(function)``."""
    file, function = pattern.split("(")
    return f"{key[0]}:".endswith(file) and key[2] == function.rstrip(")")


CURVE_PREFIXES = ("disc/", "gen/train/", "gen/rollout/", "gen/round")
SCORES = ("imit_return_mean", "normalized_score")

CHECK_SNIPPET = """
import hashlib, json, torch
from imitation_mlflow.algorithms.adversarial import AIRL, GAIL
from tests.algorithms.test_adversarial import make_trainer

def digest(module):
    h = hashlib.sha256()
    for key, value in module.state_dict().items():
        h.update(key.encode())
        h.update(value.detach().contiguous().numpy().tobytes())
    return h.hexdigest()

out = {}
for cls in (GAIL, AIRL):
    trainer, logger = make_trainer(cls, seed=4)
    trainer.train(2 * trainer.round_steps)
    out[cls.__name__] = {
        "policy": digest(trainer.policy),
        "reward_net": digest(trainer.reward_net),
        "reward_norm": digest(trainer.reward_norm),
        "policy_param_sum": sum(float(p.double().sum()) for p in trainer.policy.parameters()),
        "last_disc_loss": logger.points["disc/loss"][-1][1],
    }
print(json.dumps(out))
"""


def tree_env(base: dict[str, str], tree: Path) -> dict[str, str]:
    """``base`` with ``tree`` first on ``PYTHONPATH`` (and nothing else of it)."""
    return {**base, "PYTHONPATH": str(tree)}


def curves(run_id: str) -> dict[str, list[tuple[int, float]]]:
    """Every non-timing training curve of a run, ``key -> [(step, value), ...]``."""
    import mlflow

    client = mlflow.MlflowClient()
    keys = [k for k in client.get_run(run_id).data.metrics if k.startswith(CURVE_PREFIXES)]
    return {
        k: sorted((m.step, m.value) for m in client.get_metric_history(run_id, k)) for k in keys
    }


def same_result(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Whether two runs' curves and scores are equal, and the largest difference if not."""
    a, b = curves(old["run_id"]), curves(new["run_id"])
    worst = 0.0
    for key in a.keys() | b.keys():
        if key not in a or key not in b or [s for s, _ in a[key]] != [s for s, _ in b[key]]:
            return {"identical": False, "reason": f"curve {key} differs in its steps"}
        worst = max([worst, *(abs(x - y) for (_, x), (_, y) in zip(a[key], b[key]))])
    score_diff = max(abs(old[k] - new[k]) for k in SCORES)
    return {
        "identical": worst == 0.0 and score_diff == 0.0,
        "curves_compared": len(a),
        "max_curve_abs_diff": worst,
        "max_score_abs_diff": score_diff,
    }


def check_cartpole(trees: dict[str, Path], env: dict[str, str]) -> dict[str, Any]:
    """The small CartPole trainers of the unit tests, 2 rounds, digested in each tree."""
    out: dict[str, Any] = {}
    for name, tree in trees.items():
        done = subprocess.run(
            [sys.executable, "-c", CHECK_SNIPPET],
            env=tree_env(env, tree),
            cwd=tree,
            capture_output=True,
            text=True,
            check=True,
        )
        out[name] = json.loads(done.stdout.strip().splitlines()[-1])
    out["identical"] = out["old"] == out["new"]
    return out


def profile_once(
    algo: str, tree: Path, env: dict[str, str], total: int, workdir: Path
) -> dict[str, float]:
    """One cProfile'd training process; cumulative seconds of each of :data:`PHASES`."""
    import pstats

    out = workdir / f"{algo}-{tree.name}.prof"
    command = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        str(out),
        "-m",
        "imitation_mlflow",
        "train",
        algo,
        "seals_half_cheetah",
        "--no-progress",
        "--expert-path",
        str(REPO / EXPERT),
        "--set",
        "demonstrations.n_expert_demos=60",
        "--set",
        f"total_timesteps={total}",
    ]
    subprocess.run(command, env=tree_env(env, tree), cwd=workdir, capture_output=True, check=True)
    stats: Any = pstats.Stats(str(out)).stats
    phases: dict[str, float] = {}
    for phase, (pattern, caller) in PHASES.items():
        seconds = 0.0
        for key, (_, _, _, cumulative, callers) in stats.items():
            if not _matches(key, pattern):
                continue
            if caller is None:
                seconds = max(seconds, cumulative)
            else:
                seconds += sum(v[3] for k, v in callers.items() if _matches(k, caller))
        phases[phase] = round(seconds, 2)
    return phases


def summarize(rows: list[dict[str, Any]], raw_rate: float) -> dict[str, dict[str, Any]]:
    """Per algorithm and tree: median throughput, its share of the raw rate, scores."""
    out: dict[str, dict[str, Any]] = {}
    for algo in dict.fromkeys(r["algo"] for r in rows):
        per_tree = {}
        for tree in ("old", "new"):
            mine = [r for r in rows if r["algo"] == algo and r["tree"] == tree]
            throughput = statistics.median(r["throughput"] for r in mine)
            per_tree[tree] = {
                "throughputs": [round(r["throughput"]) for r in mine],
                "median_throughput": throughput,
                "of_raw": throughput / raw_rate,
                "median_train_s": statistics.median(r["train_s"] for r in mine),
                "normalized_score": mine[0]["normalized_score"],
                "imit_return_mean": mine[0]["imit_return_mean"],
            }
        ratios = [
            n["throughput"] / o["throughput"]
            for o, n in zip(
                (r for r in rows if r["algo"] == algo and r["tree"] == "old"),
                (r for r in rows if r["algo"] == algo and r["tree"] == "new"),
            )
        ]
        out[algo] = {
            **per_tree,
            "work": rows[0]["work"],
            "per_rep_speedup": [round(x, 3) for x in ratios],
            "median_speedup": statistics.median(ratios),
        }
    return out


def markdown(summary: dict[str, dict[str, Any]], raw_rate: float) -> str:
    """The summary as a markdown table."""
    lines = [
        f"raw stepping rate of {speed.ENV_ID} (one env, random actions): {raw_rate:,.0f} steps/s",
        "",
        "| algo | env steps | old steps/s | new steps/s | speed-up (per rep) | old % of raw "
        "| new % of raw | normalized score old / new |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for algo, s in summary.items():
        o, n = s["old"], s["new"]
        lines.append(
            f"| {algo} | {s['work']:,} | {o['median_throughput']:,.0f} "
            f"| {n['median_throughput']:,.0f} | {s['median_speedup']:.2f}x "
            f"({', '.join(f'{x:.2f}' for x in s['per_rep_speedup'])}) "
            f"| {100 * o['of_raw']:.1f}% | {100 * n['of_raw']:.1f}% "
            f"| {o['normalized_score']:.4f} / {n['normalized_score']:.4f} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Measure, print a markdown table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", type=Path, required=True, help="Checkout to compare against.")
    parser.add_argument("--new", type=Path, default=REPO, help="This checkout (default).")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--algos", default="gail,airl")
    parser.add_argument("--total", type=int, default=100_000, help="total_timesteps per run.")
    parser.add_argument("--stepping-steps", type=int, default=20_000)
    parser.add_argument("--stepping-reps", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="Also one cProfile run each.")
    parser.add_argument("--profile-total", type=int, default=40_960, help="Their budget.")
    parser.add_argument("--check", action="store_true", help="Also the CartPole digests.")
    parser.add_argument("--output", type=Path, default=None, help="Write results as JSON here.")
    args = parser.parse_args()
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    algos = args.algos.split(",")
    for algo in algos:
        speed.BUDGETS[algo] = [f"total_timesteps={args.total}"]

    result: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "trees": {k: str(v) for k, v in trees.items()},
        "total_timesteps": args.total,
        "load_average_before": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{tmp}/mlflow.db"
        env = {**os.environ, "MLFLOW_TRACKING_URI": uri}
        env.setdefault("IMITATION_MLFLOW_CACHE", f"{tmp}/cache")
        if args.check:
            result["cartpole_check"] = check_cartpole(trees, env)
            print(f"CartPole digests identical: {result['cartpole_check']['identical']}")
        stepping_before = speed.raw_stepping_rate(args.stepping_steps, args.stepping_reps)
        print(f"raw stepping: {stepping_before['median_steps_per_s']:,.0f} steps/s", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from imitation_mlflow.evaluation.random_baseline import random_policy_stats;"
                f"random_policy_stats({speed.ENV_ID!r})",
            ],
            env=tree_env(env, trees["new"]),
            check=True,
        )
        rows = []
        for rep in range(args.reps):
            for algo in algos:
                order = ("old", "new") if rep % 2 == 0 else ("new", "old")
                for tree in order:
                    started = time.perf_counter()
                    row = speed.train_once(
                        algo, 0, str(REPO / EXPERT), 60, tree_env(env, trees[tree]), tmp
                    )
                    rows.append({**row, "tree": tree, "rep": rep})
                    print(
                        f"rep {rep} {algo} {tree}: {time.perf_counter() - started:.1f} s",
                        flush=True,
                    )
        os.environ["MLFLOW_TRACKING_URI"] = uri
        rows = [speed.read_run(row) for row in rows]
        stepping_after = speed.raw_stepping_rate(args.stepping_steps, args.stepping_reps)
        raw_rate = statistics.median(stepping_before["rates"] + stepping_after["rates"])
        checks = {
            f"{algo} rep {rep}": same_result(
                next(r for r in rows if (r["algo"], r["rep"], r["tree"]) == (algo, rep, "old")),
                next(r for r in rows if (r["algo"], r["rep"], r["tree"]) == (algo, rep, "new")),
            )
            for rep in range(args.reps)
            for algo in algos
        }
        summary = summarize(rows, raw_rate)
        result |= {
            "stepping_before": stepping_before,
            "stepping_after": stepping_after,
            "raw_steps_per_s": raw_rate,
            "summary": summary,
            "same_result": checks,
            "runs": rows,
        }
        print(markdown(summary, raw_rate))
        print("same result:", all(c["identical"] for c in checks.values()), flush=True)
        if args.profile:
            result["profile_cumulative_s"] = {
                f"{algo} {tree}": profile_once(
                    algo, trees[tree], env, args.profile_total, Path(tmp)
                )
                for algo in algos
                for tree in ("old", "new")
            }
            print(json.dumps(result["profile_cumulative_s"], indent=2))
        result["load_average_after"] = os.getloadavg()
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
