"""A run, step 4: train the built algorithm for its budget, with progress and checkpoints.

Seeds of one batch train together (one process, one stacked computation) when their
algorithm supports it; each keeps its own checkpoints in its own MLflow run.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from stable_baselines3.common.vec_env import VecEnv
from tqdm.auto import tqdm

from imitation_mlflow.algorithms.base import (
    RoundCallback,
    RoundEnd,
    SeedBatchable,
    seed_global_rngs,
)
from imitation_mlflow.run.builders import Training
from imitation_mlflow.run.checkpoint import restore_checkpoint, write_checkpoint
from imitation_mlflow.run.prepare import RunInputs
from imitation_mlflow.tracking.checkpoints import CHECKPOINTS
from imitation_mlflow.tracking.run import TrackedRun

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SeedTraining:
    """One seed's share of a training: its algorithm, inputs, envs, MLflow run and folder."""

    training: Training
    inputs: RunInputs
    venv: VecEnv
    tracked: TrackedRun
    workdir: Path


@dataclasses.dataclass(frozen=True)
class TrainReport:
    """How training went."""

    seconds: float
    """Wall time spent training (this process; a resumed run counts only its own part)."""


def train(seeds: Sequence[SeedTraining], *, progress: bool) -> TrainReport:
    """Train every seed's algorithm until its budget is spent.

    A fresh run seeds the global generators from the ``training`` stream; a resumed one
    restores them, and everything else, from its checkpoint. Every
    ``checkpoint_interval`` rounds, and after the first round ending ``checkpoint_minutes``
    after the last checkpoint, a seed's full state goes to its ``checkpoints/<round>/``.
    """
    first = seeds[0]
    resume = first.inputs.resume
    if resume is not None:
        restore_checkpoint(resume.directory, first.training.algorithm)
        log.info("resumed %s after round %d", resume.run_id, resume.round)
    else:
        seed_global_rngs(first.inputs.seeds.training)
    algorithms = [seed.training.algorithm for seed in seeds]
    started = time.perf_counter()
    with tqdm(
        total=sum(seed.training.total for seed in seeds),
        initial=sum(algorithm.done for algorithm in algorithms),
        unit=first.training.unit,
        desc=first.inputs.spec.name + (f" x{len(seeds)} seeds" if len(seeds) > 1 else ""),
        disable=not progress,
        mininterval=1.0,
    ) as bar:

        def show() -> None:
            bar.update(sum(algorithm.done for algorithm in algorithms) - bar.n)

        callbacks = [_after_round(seed, show) for seed in seeds]
        totals = [seed.training.total for seed in seeds]
        log.info("training %s for %s %s", first.inputs.spec.name, totals, first.training.unit)
        if len(seeds) == 1:
            first.training.algorithm.train(totals[0], callback=callbacks[0])
        else:
            kind = type(first.training.algorithm)
            assert issubclass(kind, SeedBatchable), f"{kind.__name__} trains one seed at a time"
            kind.train_together(algorithms, totals, callbacks)
        show()
    return TrainReport(seconds=time.perf_counter() - started)


def _after_round(seed: SeedTraining, show: Callable[[], None]) -> RoundCallback:
    interval = seed.inputs.config.checkpoint_interval
    every_s = seed.inputs.config.checkpoint_minutes * 60
    last = [time.monotonic()]

    def after_round(end: RoundEnd) -> None:
        show()
        by_rounds = bool(interval) and end.round % interval == 0
        by_time = every_s > 0 and time.monotonic() - last[0] >= every_s
        if by_rounds or by_time:
            folder = f"{CHECKPOINTS}/{end.round:05d}"
            algorithm = seed.training.algorithm
            for path in write_checkpoint(seed.workdir / folder, algorithm, seed.venv):
                seed.tracked.log_artifact(path, folder)
            last[0] = time.monotonic()

    return after_round
