"""The one interface every algorithm implements, and what a checkpoint holds besides it.

``train(total, callback=...)`` trains until ``total`` units are done (BC: gradient steps;
DAgger, GAIL, AIRL: environment steps), continuing from wherever the algorithm stands, and
calls ``callback`` after each round. ``state_dict()`` holds everything that training
depends on (networks, optimizers, buffers, counters, the algorithm's own generators, the
environment copies it steps), so ``load_state_dict`` on a freshly built algorithm with the
same config continues exactly as the original would have.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from stable_baselines3.common.policies import ActorCriticPolicy
from torch import nn


@dataclasses.dataclass(frozen=True)
class RoundEnd:
    """Where training stands after a round."""

    round: int
    """Rounds completed (BC: full epochs; a budget that ends mid-epoch ends without one)."""
    done: int
    """Units of the budget completed (BC: gradient steps; others: environment steps)."""


RoundCallback = Callable[[RoundEnd], None]
"""Called after every round, e.g. to checkpoint or to show progress."""


class Algorithm(Protocol):
    """Trains ``policy``; GAIL, AIRL, DAgger and BC all implement it."""

    @property
    def policy(self) -> ActorCriticPolicy:
        """The policy being trained (the imitation policy, or GAIL/AIRL's generator)."""

    @property
    def done(self) -> int:
        """Units of the budget completed so far."""

    def train(self, total: int, *, callback: RoundCallback | None = None) -> None:
        """Train until ``total`` units are done, calling ``callback`` after each round."""

    def state_dict(self) -> dict[str, Any]:
        """Everything training depends on, as tensors, arrays and plain data.

        Like ``torch.nn.Module.state_dict`` it refers to live tensors: save it (``torch.save``)
        or copy it before training goes on.
        """

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from ``state`` (taken from an algorithm built with the same config)."""


@runtime_checkable
class SeedBatchable(Protocol):
    """An algorithm whose seeds of one config can train together (BC, DAgger)."""

    @classmethod
    def train_together(
        cls,
        learners: Sequence[Any],
        totals: Sequence[int],
        callbacks: Sequence[RoundCallback | None],
    ) -> None:
        """Train each of ``learners`` (built alike but for the seed) to ``totals[i]`` units.

        Each learner ends exactly as :meth:`Algorithm.train` alone would leave it (up to
        float rounding), calling its own callback after each of its rounds.
        """


@runtime_checkable
class RewardLearner(Protocol):
    """An algorithm that also learns a reward (GAIL, AIRL)."""

    def reward_modules(self) -> dict[str, nn.Module]:
        """Learned reward networks worth keeping, by file stem (``reward_net``, ...)."""


def global_rng_state() -> dict[str, Any]:
    """The process-wide generators SB3 and torch draw from (torch, numpy, ``random``)."""
    return {
        "torch": torch.get_rng_state(),
        "numpy": np.random.get_state(),
        "python": random.getstate(),
    }


def set_global_rng_state(state: dict[str, Any]) -> None:
    """Restore what :func:`global_rng_state` returned."""
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def seed_global_rngs(seed: int) -> None:
    """Seed torch's, numpy's and Python's global generators with ``seed``."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
