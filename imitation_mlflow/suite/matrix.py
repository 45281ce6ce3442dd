"""A suite's matrix: algorithms x environments x seeds, and the ``train`` command of each run."""

from __future__ import annotations

import dataclasses
import hashlib
import shlex
import sys
from collections.abc import Sequence

from imitation_mlflow.config import build_config, parse_assignments, starting_configs, valid_keys
from imitation_mlflow.config.env_ids import MUJOCO_ENVS, environment_configs
from imitation_mlflow.config.registry import ALGORITHMS, algorithm
from imitation_mlflow.config.sections import CommonConfig
from imitation_mlflow.config.seeds import format_seed_list, parse_seed_list
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.run.request import RESUMABLE

QUICK_ENVS = ("seals_cartpole",)
QUICK_SEEDS = 2
"""``--quick``: every algorithm on these environments with this many seeds."""


@dataclasses.dataclass(frozen=True)
class SuiteTask:
    """One process of a suite: one run, or the seeds of one cell trained together."""

    algo: str
    env: str
    seeds: tuple[int, ...]
    resume_run_id: str | None = None
    """The killed run this task continues from its newest checkpoint (one seed)."""

    @property
    def name(self) -> str:
        """``<algo>-<env>-s<seeds>`` (the run name when it is one run), names its log file."""
        return f"{self.algo}-{self.env}-s{format_seed_list(list(self.seeds))}"

    @property
    def run_names(self) -> list[str]:
        """The MLflow run names of its runs."""
        return [SuiteEntry(self.algo, self.env, seed).run_name for seed in self.seeds]


def suite_tasks(entries: Sequence[SuiteEntry], *, batch_seeds: bool) -> list[SuiteTask]:
    """The processes that make ``entries``: with ``batch_seeds``, one per BC/DAgger cell."""
    tasks: dict[tuple[str, str, int], list[int]] = {}
    for entry in entries:
        together = batch_seeds and algorithm(entry.algo).batches_seeds
        key = (entry.algo, entry.env, -1 if together else entry.seed)
        tasks.setdefault(key, []).append(entry.seed)
    return [SuiteTask(algo, env, tuple(seeds)) for (algo, env, _), seeds in tasks.items()]


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
    algo_names = parse_list(algos, list(ALGORITHMS), "algorithm", list(ALGORITHMS))
    env_names = parse_list(envs, environment_configs(), "environment config", MUJOCO_ENVS)
    if seed_list:
        seed_values = parse_seed_list(seed_list, "--seed-list")
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
    keys = set(valid_keys(algorithm(algo).config_class))
    return [item for item in sets if item.split("=", 1)[0].strip() in keys]


def check_entries(entries: Sequence[SuiteEntry], sets: Sequence[str]) -> list[CommonConfig]:
    """Refuse the suite unless every override applies and every run's config builds.

    Keys, types and ranges are checked before any run or parent exists. Returns the config
    of each distinct (algorithm, environment) with seed 0.
    """
    algos = {e.algo for e in entries}
    for item in sets:
        if not any(sets_for(algo, [item]) for algo in algos):
            key = item.split("=", 1)[0]
            valid = sorted({k for a in algos for k in valid_keys(algorithm(a).config_class)})
            raise unknown_choice("config key for this suite", key, valid)
    configs = []
    for algo, env in sorted({(e.algo, e.env) for e in entries}):
        updates = parse_assignments(sets_for(algo, sets))
        configs.append(
            build_config(algorithm(algo).config_class, starting_configs(algo, env), updates)
        )
    return configs


def train_command(
    task: SuiteTask, *, experiment: str, suite_run_id: str, sets: Sequence[str]
) -> list[str]:
    """The ``imitation-mlflow train`` command of a task (this interpreter: any venv works).

    Only the overrides that exist in the run's config are passed on; a task resuming a
    killed run passes on only those ``--resume`` accepts (its budgets and evaluation).
    """
    if task.resume_run_id is not None:
        command = [sys.executable, "-m", "imitation_mlflow", "train", task.algo, task.env]
        command += ["--resume", task.resume_run_id, "--experiment", experiment, "--no-progress"]
        for item in sets_for(task.algo, sets):
            if item.partition("=")[0].strip().startswith(RESUMABLE):
                command += ["--set", item]
        return command
    seeds = (
        ["--seed", str(task.seeds[0])]
        if len(task.seeds) == 1
        else ["--seeds", format_seed_list(list(task.seeds))]
    )
    command = [
        sys.executable,
        "-m",
        "imitation_mlflow",
        "train",
        task.algo,
        task.env,
        *seeds,
        "--experiment",
        experiment,
        "--suite",
        suite_run_id,
        "--no-progress",
    ]
    for item in sets_for(task.algo, sets):
        command += ["--set", item]
    return command


def shell_line(command: Sequence[str]) -> str:
    """One shell-quoted command line."""
    return shlex.join(command)
