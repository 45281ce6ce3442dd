"""What a tuning job is: algorithm, environment, search space, budget and where it is stored."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from imitation_mlflow.config import CommonConfig, build_config, expand_named
from imitation_mlflow.config.registry import algorithm
from imitation_mlflow.errors import UserError
from imitation_mlflow.tuning.spaces import SearchSpace

PHASE2_SEED_BASE = 1_000_000
"""Re-evaluation seeds start here, far from any trial's seeds."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class TuningJob:
    """One tuning job; every worker of a study is started with the same one."""

    algo: str
    env: str
    """Environment config name, e.g. ``seals_cartpole``."""
    study_name: str
    storage_url: str
    n_trials: int
    """The study's total number of trials, shared by all workers."""
    repeat: int
    """Seeds each trial trains with; the trial's value is their mean return."""
    eval_seeds: int
    """Fresh seeds the best configuration is re-evaluated on (phase 2)."""
    sampler: str
    pruner: str
    space: SearchSpace
    named: tuple[str, ...]
    """Named configs every trial starts from (the env config, the tuned config, --config)."""
    sets: dict[str, Any]
    """Values fixed by the user for every trial (``--set``)."""
    extra_named: dict[str, dict[str, Any]]
    experiment: str
    sampler_seed: int | None = None
    output_dir: Path = Path(".")

    def __post_init__(self) -> None:
        for option, value in (
            ("--trials", self.n_trials),
            ("--repeat", self.repeat),
            ("--eval-seeds", self.eval_seeds),
        ):
            if value < 1:
                raise UserError(f"{option} must be at least 1 (got {value})")

    def trial_seeds(self, trial_number: int) -> list[int]:
        """The seeds of trial ``trial_number``: distinct from every other trial's."""
        return [trial_number * self.repeat + i for i in range(self.repeat)]

    def phase2_seeds(self) -> list[int]:
        """Fresh seeds for re-evaluating the best configuration."""
        return [PHASE2_SEED_BASE + i for i in range(self.eval_seeds)]

    def run_config(self, values: dict[str, Any], seed: int) -> CommonConfig:
        """The config of one training run: base configs, sampled ``values``, ``--set``, seed."""
        updates = {**values, **self.sets, "seed": seed}
        return build_config(
            algorithm(self.algo).config_class, list(self.named), updates, self.extra_named
        )

    def config_values(self, values: dict[str, Any]) -> dict[str, Any]:
        """Every dotted value a configuration sets beyond the defaults (for a named config)."""
        base = expand_named(list(self.named), self.extra_named)
        return {**base, **values, **self.sets}

    def description(self) -> dict[str, Any]:
        """What identifies the study, stored with it so later workers can check they match."""
        return {
            "algo": self.algo,
            "env": self.env,
            "repeat": self.repeat,
            "space": self.space.describe(),
            "sets": {k: repr(v) for k, v in self.sets.items()},
        }
