"""Peak memory of one run's whole process tree (the run and all its children), per algorithm.

    python benchmarks/process_memory.py --reps 5 --output benchmarks/results/process_memory.json

Each command is ``python -m imitation_mlflow ...`` with this checkout on ``PYTHONPATH``
against one fresh temporary store and cache (``cli_startup.tree_env``): one training run per
algorithm on seals/HalfCheetah-v1 with small budgets, and a ``benchmark run`` suite of 2 BC
runs on seals/CartPole-v0 with ``--jobs 2``, its seeds trained together in one process (the
default) and one process per run (``--no-batch-seeds``). Every ``--interval`` seconds psutil
sums over the tree RSS (counts pages shared between processes once per process), USS (pages
only that process holds) and PSS (shared pages split between their holders); the peaks of
those sums, the most processes alive at once and the distinct processes seen are reported
(median and all repetitions). An untimed BC run first fills the demonstration cache, so every
repetition starts warm. Commands are interleaved per repetition.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from cli_startup import REPO, tree_env

SUITE = ["benchmark", "run", "--algos", "bc", "--envs", "seals_cartpole", "--seeds", "2"]
SUITE += ["--jobs", "2", "--force"]
RUNS = {
    "bc": ["train", "bc", "seals_half_cheetah", "--set", "bc.n_batches=2000"],
    "dagger": ["train", "dagger", "seals_half_cheetah", "--set", "dagger.total_timesteps=5000"],
    "gail": ["train", "gail", "seals_half_cheetah", "--set", "total_timesteps=20000"],
    "airl": ["train", "airl", "seals_half_cheetah", "--set", "total_timesteps=20000"],
    "suite: 2 x bc seals_cartpole, --jobs 2": [*SUITE],
    "suite: 2 x bc seals_cartpole, --jobs 2 --no-batch-seeds": [*SUITE, "--no-batch-seeds"],
}
MB = 2**20


@dataclasses.dataclass
class TreePeak:
    """The peaks of one process tree's summed memory over its lifetime."""

    rss_mb: float = 0.0
    uss_mb: float = 0.0
    pss_mb: float = 0.0
    processes_at_once: int = 0
    processes_seen: int = 0
    wall_s: float = 0.0


def _sample(members: list[psutil.Process], seen: set[int]) -> tuple[float, float, float]:
    rss = uss = pss = 0
    for member in members:
        seen.add(member.pid)
        try:
            info = member.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss, uss, pss = rss + info.rss, uss + info.uss, pss + getattr(info, "pss", 0)
    return rss / MB, uss / MB, pss / MB


def peak_tree_memory(args: list[str], store: Path, interval: float) -> TreePeak:
    """Run ``python -m imitation_mlflow ARGS`` and sample its process tree until it exits."""
    peak, seen = TreePeak(), set[int]()
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "imitation_mlflow", *args],
            env=tree_env(REPO, store),
            cwd=store,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                members = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss, uss, pss = _sample(members, seen)
            peak.rss_mb, peak.uss_mb = max(peak.rss_mb, rss), max(peak.uss_mb, uss)
            peak.pss_mb = max(peak.pss_mb, pss)
            peak.processes_at_once = max(peak.processes_at_once, len(members))
            time.sleep(interval)
        proc.wait()
        peak.wall_s = time.perf_counter() - started
        if proc.returncode:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-3000:]
            raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{tail}")
    peak.processes_seen = len(seen)
    return peak


def measure(reps: int, interval: float) -> dict[str, object]:
    """Every command of ``RUNS`` ``reps`` times (interleaved): median and all peaks."""
    peaks: dict[str, list[TreePeak]] = {name: [] for name in RUNS}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp)
        peak_tree_memory([*RUNS["bc"], "--no-progress"], store, interval)  # fills the cache
        for _ in range(reps):
            for name, args in RUNS.items():
                peaks[name].append(peak_tree_memory([*args, "--no-progress"], store, interval))
    results: dict[str, object] = {}
    for name, runs in peaks.items():
        fields = [f.name for f in dataclasses.fields(TreePeak)]
        results[name] = {
            "command": "imitation-mlflow " + " ".join([*RUNS[name], "--no-progress"]),
            "median": {f: statistics.median(getattr(r, f) for r in runs) for f in fields},
            "runs": [dataclasses.asdict(r) for r in runs],
        }
    return results


def main() -> None:
    """Measure, print a table, write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.05, help="Seconds between samples.")
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    results = measure(args.reps, args.interval)
    print("| run | peak tree RSS | USS | PSS | processes at once (seen) | wall time |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, result in results.items():
        m = result["median"]  # type: ignore[index]
        print(
            f"| {name} | {m['rss_mb']:.0f} MB | {m['uss_mb']:.0f} MB | {m['pss_mb']:.0f} MB | "
            f"{m['processes_at_once']:.0f} ({m['processes_seen']:.0f}) | {m['wall_s']:.1f} s |"
        )
    if args.output:
        report = {"interval_s": args.interval, **results}
        args.output.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
