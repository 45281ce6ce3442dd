"""The algorithms the platform runs: one spec each, importable without torch.

The CLI, the suite, tuning, the sacred-style scripts and the MLproject check learn algorithm
names, scripts and config classes here; only a run that starts imports the builder (and
with it torch). Adding an algorithm: a spec below, its builder (``run/builders.py``), its
config section (``config/sections.py``) and its search space (``tuning/search_spaces.toml``).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from typing import Any, Literal

from imitation_mlflow.config.sections import AdversarialConfig, CommonConfig, ImitationConfig
from imitation_mlflow.errors import unknown_choice

Script = Literal["train_imitation", "train_adversarial"]


@dataclasses.dataclass(frozen=True, kw_only=True)
class AlgorithmSpec:
    """What the platform knows about one algorithm before any of it is imported."""

    name: str
    """The sacred command, the ``algo`` tag and the CLI's ALGO (``bc``)."""
    script: Script
    """The published script that ran it (the ``train_script`` tag, the sacred export folder)."""
    config_class: type[CommonConfig]
    """The config its script resolves."""
    builder: str
    """``module:function`` that builds the algorithm from a run's inputs (imports torch)."""
    reference: str
    """The paper it follows."""
    batches_seeds: bool = False
    """Whether several seeds of one config can train together in one process."""

    def load_builder(self) -> Callable[..., Any]:
        """Import the builder (and torch with it)."""
        module, function = self.builder.split(":")
        return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


ALGORITHMS: dict[str, AlgorithmSpec] = {
    spec.name: spec
    for spec in (
        AlgorithmSpec(
            name="bc",
            script="train_imitation",
            config_class=ImitationConfig,
            builder="imitation_mlflow.run.builders:build_bc",
            reference="behavioral cloning (Pomerleau, 1991)",
            batches_seeds=True,
        ),
        AlgorithmSpec(
            name="dagger",
            script="train_imitation",
            config_class=ImitationConfig,
            builder="imitation_mlflow.run.builders:build_dagger",
            reference="Ross, Gordon & Bagnell, 2011",
            batches_seeds=True,
        ),
        AlgorithmSpec(
            name="gail",
            script="train_adversarial",
            config_class=AdversarialConfig,
            builder="imitation_mlflow.run.builders:build_gail",
            reference="Ho & Ermon, 2016",
        ),
        AlgorithmSpec(
            name="airl",
            script="train_adversarial",
            config_class=AdversarialConfig,
            builder="imitation_mlflow.run.builders:build_airl",
            reference="Fu, Luo & Levine, 2018",
        ),
    )
}
"""Algorithm name -> spec, in the published benchmark's order."""


def algorithm(name: str) -> AlgorithmSpec:
    """The spec of ``name``; an unknown name lists the valid ones."""
    if name not in ALGORITHMS:
        raise unknown_choice("algorithm", name, list(ALGORITHMS))
    return ALGORITHMS[name]


def algorithms_of(script: Script) -> list[str]:
    """Names of the algorithms a script runs (``train_imitation`` -> bc, dagger)."""
    return [spec.name for spec in ALGORITHMS.values() if spec.script == script]


def config_classes() -> dict[Script, type[CommonConfig]]:
    """Script -> the config class it resolves."""
    return {spec.script: spec.config_class for spec in ALGORITHMS.values()}
