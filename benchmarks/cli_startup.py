"""Start-up of the command line: wall time and what it imports, this checkout (vs another).

    python benchmarks/cli_startup.py [--before /path/to/old/checkout] --reps 5 \
        --output benchmarks/results/cli_startup.json

For each tree (``PYTHONPATH`` pointing at it, this interpreter) and each command, the median
wall time of ``--reps`` runs of ``python -m imitation_mlflow ...`` and, from one
``python -X importtime`` run, whether torch / SB3 / gymnasium / MLflow were imported and
the total import time. The commands are ``benchmark commands`` and ``--help`` of the group
and of every (sub)command the trees share. Trees run interleaved in one session against a
fresh SQLite store (created before timing), so the ratio is what to read on a shared machine.
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
BENCHMARK_COMMANDS = ["benchmark", "commands", "--algos", "bc", "--envs", "all", "--seeds", "10"]
HEAVY = ("torch", "stable_baselines3", "gymnasium", "mlflow", "optuna")
LIST_COMMANDS = """
from imitation_mlflow.cli import cli

def walk(command, path):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, [*path, name])

for path in walk(cli, []):
    print(" ".join(path))
"""


def tree_env(tree: Path, store: Path) -> dict[str, str]:
    """This environment with ``tree`` imported first and MLflow and the cache under ``store``."""
    return {
        **os.environ,
        "PYTHONPATH": str(tree),
        "MLFLOW_TRACKING_URI": f"sqlite:///{store / 'mlflow.db'}",
        "IMITATION_MLFLOW_CACHE": str(store / "cache"),
    }


def command_paths(tree: Path, store: Path) -> list[list[str]]:
    """Every command of ``tree``'s CLI as its words, the group itself (``[]``) first."""
    done = subprocess.run(
        [sys.executable, "-c", LIST_COMMANDS],
        env=tree_env(tree, store),
        cwd=store,
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split() for line in done.stdout.splitlines()]


def _wall(tree: Path, store: Path, args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "imitation_mlflow", *args],
        env=tree_env(tree, store),
        cwd=store,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def _imports(tree: Path, store: Path, args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "imitation_mlflow", *args],
        env=tree_env(tree, store),
        cwd=store,
        capture_output=True,
        text=True,
        check=True,
    )
    total_us, cumulative = 0, {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = (part.strip() for part in line[len("import time:") :].split("|"))
        total_us += int(self_us)
        if name in HEAVY:
            cumulative[name] = int(cum_us) / 1e6
    return {"total_import_s": total_us / 1e6, "heavy_imported_s": cumulative}


def _commands(trees: dict[str, Path], store: Path) -> dict[str, list[str]]:
    shared = None
    for tree in trees.values():
        paths = {tuple(path) for path in command_paths(tree, store)}
        shared = paths if shared is None else shared & paths
    helps = sorted(shared or set(), key=lambda path: (len(path) > 0, path))
    commands = {" ".join([*path, "--help"]): [*path, "--help"] for path in helps}
    return {**commands, " ".join(BENCHMARK_COMMANDS): BENCHMARK_COMMANDS}


def measure(trees: dict[str, Path], reps: int) -> dict[str, object]:
    """Median wall time and imports per tree and command (trees interleaved per repetition)."""
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp)
        for name, args in _commands(trees, store).items():
            for tree in trees.values():
                _wall(tree, store, args)  # warm the file cache and create the store
            times: dict[str, list[float]] = {label: [] for label in trees}
            for _ in range(reps):
                for label, tree in trees.items():
                    times[label].append(_wall(tree, store, args))
            results[name] = {
                label: {
                    "median_s": statistics.median(times[label]),
                    "runs_s": times[label],
                    **_imports(tree, store, args),
                }
                for label, tree in trees.items()
            }
    return results


def _heavy(result: dict[str, object]) -> str:
    return ", ".join(result["heavy_imported_s"]) or "none"  # type: ignore[arg-type]


def _print_table(results: dict[str, object], labels: list[str]) -> None:
    if labels == ["this"]:
        print("| command | median wall time | heavy imports |")
        print("| --- | --- | --- |")
        for name, by_tree in results.items():
            this = by_tree["this"]  # type: ignore[index]
            print(f"| `{name}` | {this['median_s']:.2f} s | {_heavy(this)} |")
        return
    print("| command | before | after | after / before | heavy imports before | after |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, by_tree in results.items():
        before, after = by_tree["before"], by_tree["after"]  # type: ignore[index]
        print(
            f"| `{name}` | {before['median_s']:.2f} s | {after['median_s']:.2f} s | "
            f"{after['median_s'] / before['median_s']:.2f} | {_heavy(before)} | {_heavy(after)} |"
        )


def main() -> None:
    """Measure, print a table, write JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, default=None, help="An older checkout.")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()
    trees = {"before": args.before.resolve(), "after": REPO} if args.before else {"this": REPO}
    results = measure(trees, args.reps)
    _print_table(results, list(trees))
    if args.output:
        args.output.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
