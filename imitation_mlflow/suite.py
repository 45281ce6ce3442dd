"""A benchmark suite: algorithms x environments x seeds, as processes, shell lines or SLURM.

Every run is one ``imitation-mlflow train`` process tagged with the suite's parent run, so
the same matrix runs the same way on this machine, under GNU parallel, or in a job array.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tqdm.auto import tqdm

from imitation_mlflow.config import environment_configs, valid_keys
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.trainers import TRAINERS, config_class

MUJOCO_ENVS = ["seals_ant", "seals_half_cheetah", "seals_hopper", "seals_swimmer", "seals_walker"]
"""What ``--envs all`` means: the five environments of the published benchmark."""

QUICK_ENVS = ["seals_cartpole"]
QUICK_SEEDS = 2


@dataclasses.dataclass(frozen=True)
class SuiteEntry:
    """One run of the matrix."""

    algo: str
    env: str
    seed: int

    @property
    def run_name(self) -> str:
        """The MLflow run name the run will get: ``<algo>-<env>-s<seed>``."""
        return f"{self.algo}-{self.env}-s{self.seed}"


def parse_list(text: str, valid: Sequence[str], kind: str, all_means: Sequence[str]) -> list[str]:
    """``"a,b"`` or ``"all"`` -> names, each checked against ``valid``."""
    names = list(all_means) if text.strip() == "all" else [t.strip() for t in text.split(",")]
    for name in names:
        if name not in valid:
            raise unknown_choice(kind, name, list(valid))
    return names


def expand_matrix(
    algos: str, envs: str, seeds: int, seed_list: str | None = None
) -> list[SuiteEntry]:
    """Every (algo, env, seed) of the suite; seeds 0..seeds-1 unless ``seed_list`` names them."""
    algo_names = parse_list(algos, list(TRAINERS), "algorithm", list(TRAINERS))
    env_names = parse_list(envs, environment_configs(), "environment config", MUJOCO_ENVS)
    if seed_list:
        try:
            seed_values = [int(s) for s in seed_list.split(",")]
        except ValueError:
            raise UserError(
                f"--seed-list takes comma-separated integers, got {seed_list!r}"
            ) from None
    else:
        if seeds < 1:
            raise UserError(f"--seeds must be at least 1 (got {seeds})")
        seed_values = list(range(seeds))
    return [SuiteEntry(a, e, s) for a in algo_names for e in env_names for s in seed_values]


def suite_name(entries: Sequence[SuiteEntry], sets: Sequence[str]) -> str:
    """A stable default name for a matrix, so that rerunning the same command finds its parent."""
    algos = sorted({e.algo for e in entries})
    envs = sorted({e.env for e in entries})
    seeds = sorted({e.seed for e in entries})
    extra = "-" + hashlib.sha256("\n".join(sets).encode()).hexdigest()[:6] if sets else ""
    return f"suite-{'+'.join(algos)}-{'+'.join(envs)}-{len(seeds)}seeds{extra}"


def sets_for(algo: str, sets: Sequence[str]) -> list[str]:
    """The ``KEY=VALUE`` overrides that exist in ``algo``'s config (``bc.*`` skips GAIL runs)."""
    keys = set(valid_keys(config_class(algo)))
    return [item for item in sets if item.split("=", 1)[0].strip() in keys]


def check_sets(entries: Sequence[SuiteEntry], sets: Sequence[str]) -> None:
    """Every override must apply to at least one run of the suite."""
    algos = {e.algo for e in entries}
    for item in sets:
        if not any(item in sets_for(algo, [item]) for algo in algos):
            key = item.split("=", 1)[0]
            valid = sorted({k for algo in algos for k in valid_keys(config_class(algo))})
            raise unknown_choice("config key for this suite", key, valid)


def train_command(
    entry: SuiteEntry, *, experiment: str, suite_run_id: str, sets: Sequence[str]
) -> list[str]:
    """The ``imitation-mlflow train`` command of one run (this interpreter, so any venv works).

    Only the overrides that exist in the run's config are passed on.
    """
    command = [
        sys.executable,
        "-m",
        "imitation_mlflow",
        "train",
        entry.algo,
        entry.env,
        "--seed",
        str(entry.seed),
        "--experiment",
        experiment,
        "--suite",
        suite_run_id,
        "--no-progress",
    ]
    for item in sets_for(entry.algo, sets):
        command += ["--set", item]
    return command


def shell_line(command: Sequence[str]) -> str:
    """One shell-quoted command line."""
    return shlex.join(command)


@dataclasses.dataclass
class PoolResult:
    """What a local suite execution did."""

    finished: list[str]
    failed: list[str]
    logs: Path


def run_local(
    commands: dict[str, list[str]], *, jobs: int, log_dir: Path, progress: bool = True
) -> PoolResult:
    """Run ``name -> command`` processes ``jobs`` at a time; each writes ``log_dir/<name>.log``.

    Shows done / running / failed / remaining with an ETA. Ctrl-C or SIGTERM stops the
    running processes (their runs end KILLED) and re-raises.
    """
    if jobs < 1:
        raise UserError(f"--jobs must be at least 1 (got {jobs})")
    log_dir.mkdir(parents=True, exist_ok=True)
    pending = list(commands.items())
    running: dict[str, subprocess.Popen[bytes]] = {}
    finished: list[str] = []
    failed: list[str] = []
    bar = tqdm(total=len(commands), desc="suite", unit="run", disable=not progress)

    def show() -> None:
        counts = {
            "done": len(finished),
            "running": len(running),
            "failed": len(failed),
            "remaining": len(pending),
        }
        bar.set_postfix(ordered_dict=counts, refresh=True)

    try:
        while pending or running:
            while pending and len(running) < jobs:
                name, command = pending.pop(0)
                with (log_dir / f"{name}.log").open("wb") as log:
                    running[name] = subprocess.Popen(
                        command,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        env={**os.environ, "PYTHONUNBUFFERED": "1"},
                    )
                show()
            for name, process in list(running.items()):
                if process.poll() is None:
                    continue
                del running[name]
                (finished if process.returncode == 0 else failed).append(name)
                bar.update(1)
                show()
            time.sleep(0.2)
    except BaseException:
        for process in running.values():
            process.terminate()
        for process in running.values():
            process.wait(timeout=60)
        raise
    finally:
        bar.close()
    return PoolResult(finished, failed, log_dir)


def slurm_script(
    commands: Sequence[str],
    *,
    job_name: str,
    concurrency: int,
    log_dir: Path,
    workdir: Path,
    tracking_uri: str | None,
    cpus_per_task: int = 1,
    extra_sbatch: Sequence[str] = (),
) -> str:
    """An ``sbatch`` job-array script: array task i runs ``commands[i]``."""
    if not commands:
        raise UserError(
            "nothing to submit: every run of the suite already FINISHED (--force reruns)"
        )
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={job_name}",
        f"#SBATCH --array=0-{len(commands) - 1}%{max(concurrency, 1)}",
        f"#SBATCH --output={log_dir}/%x-%A_%a.out",
        f"#SBATCH --error={log_dir}/%x-%A_%a.err",
        f"#SBATCH --cpus-per-task={cpus_per_task}",
        f"#SBATCH --chdir={workdir}",
        *[f"#SBATCH {option}" for option in extra_sbatch],
        "set -euo pipefail",
        "",
    ]
    if tracking_uri:
        lines.append(f"export MLFLOW_TRACKING_URI={shlex.quote(tracking_uri)}")
    lines += ['export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI}"', ""]
    lines.append("COMMANDS=(")
    lines += [f"  {shlex.quote(c)}" for c in commands]
    lines += [")", "", 'eval "${COMMANDS[$SLURM_ARRAY_TASK_ID]}"', ""]
    return "\n".join(lines)
