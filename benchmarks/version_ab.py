"""Did a change move the scores? The same suite with an older checkout and with this one.

    python benchmarks/version_ab.py --before /path/to/old/checkout --store /tmp/ab \
        --algos gail,airl --envs seals_cartpole --seeds 8 --jobs 2 \
        --output benchmarks/results/version_ab.json

Runs ``benchmark run`` once per tree (``PYTHONPATH`` pointing at it, this interpreter) into
one SQLite store, experiments ``before`` and ``after``, then reports per algorithm the
normalized score of every seed, Mean and IQM with 95% stratified-bootstrap CIs, and the
probability that an ``after`` run beats a ``before`` one, through the platform's own
analysis. ``--report-only`` reads a store filled earlier. Offline (``HF_HUB_OFFLINE=1``):
the shipped experts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _env(store: Path, tree: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(tree),
        "MLFLOW_TRACKING_URI": f"sqlite:///{store / 'mlflow.db'}",
        "IMITATION_MLFLOW_CACHE": str(store / "cache"),
        "HF_HUB_OFFLINE": "1",
        "MPLBACKEND": "Agg",
    }


def run_suites(args: argparse.Namespace) -> dict[str, float]:
    """One suite per tree, ``before`` first; wall time of each."""
    seconds = {}
    for label, tree in (("before", args.before.resolve()), ("after", REPO)):
        command = [sys.executable, "-m", "imitation_mlflow", "benchmark", "run"]
        command += ["--algos", args.algos, "--envs", args.envs, "--seeds", str(args.seeds)]
        command += ["--jobs", str(args.jobs), "--experiment", label, "--no-progress"]
        started = time.perf_counter()
        subprocess.run(command, env=_env(args.store, tree), cwd=args.store, check=True)
        seconds[label] = time.perf_counter() - started
    return seconds


def report(store: Path, reps: int) -> dict[str, object]:
    """Per algorithm: scores per seed, Mean / IQM with CIs, P(after > before)."""
    os.environ.update(_env(store, REPO))
    from imitation_mlflow.analysis import aggregate_estimates, compare, load_runs, score_matrices

    frames = {label: load_runs(label) for label in ("before", "after")}
    estimates = {
        label: aggregate_estimates(score_matrices(frame), reps=reps, seed=0)
        for label, frame in frames.items()
    }
    out: dict[str, object] = {}
    for algo in sorted(set(frames["after"]["algo"])):
        improvement = compare(
            frames["after"], frames["before"], algo=algo, baseline_algo=algo, reps=reps, seed=0
        )
        out[algo] = {
            "normalized_scores": {
                label: frame[frame["algo"] == algo]
                .sort_values(["env_id", "seed"])[["env_id", "seed", "normalized_score"]]
                .to_dict("records")
                for label, frame in frames.items()
            },
            "estimates": {label: estimates[label].get(algo) for label in frames},
            "p_after_beats_before": improvement.estimates["aggregate"],
        }
    return out


def main() -> None:
    """Run (unless ``--report-only``), report, print, write JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="An older checkout.")
    parser.add_argument("--store", type=Path, required=True, help="Folder for the store.")
    parser.add_argument("--algos", default="gail,airl")
    parser.add_argument("--envs", default="seals_cartpole")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    args.store.mkdir(parents=True, exist_ok=True)
    seconds = {} if args.report_only else run_suites(args)
    results = {"suite_seconds": seconds, "algorithms": report(args.store, args.reps)}
    for algo, entry in results["algorithms"].items():  # type: ignore[union-attr]
        for label in ("before", "after"):
            mean, iqm = entry["estimates"][label]["mean"], entry["estimates"][label]["iqm"]
            print(
                f"{algo} {label}: mean {mean[0]:.3f} [{mean[1]:.3f}, {mean[2]:.3f}], "
                f"IQM {iqm[0]:.3f} [{iqm[1]:.3f}, {iqm[2]:.3f}]"
            )
        point, low, high = entry["p_after_beats_before"]
        print(f"{algo}: P(after > before) {point:.3f} [{low:.3f}, {high:.3f}]")
    if args.output:
        args.output.write_text(json.dumps(results, indent=2, default=float) + "\n")


if __name__ == "__main__":
    main()
