"""A run, step 4: train the built algorithm for its budget, with progress and checkpoints."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

from stable_baselines3.common.vec_env import VecEnv
from tqdm.auto import tqdm

from imitation_mlflow.algorithms.base import RoundEnd, seed_global_rngs
from imitation_mlflow.run.builders import Training
from imitation_mlflow.run.checkpoint import restore_checkpoint, write_checkpoint
from imitation_mlflow.run.prepare import RunInputs
from imitation_mlflow.tracking.checkpoints import CHECKPOINTS
from imitation_mlflow.tracking.run import TrackedRun

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class TrainReport:
    """How training went."""

    seconds: float
    """Wall time spent training (this process; a resumed run counts only its own part)."""


def train(
    training: Training, inputs: RunInputs, venv: VecEnv, tracked: TrackedRun, workdir: Path
) -> TrainReport:
    """Train ``training.algorithm`` until its budget is spent.

    A fresh run seeds the global generators from the ``training`` stream; a resumed one
    restores them, and everything else, from its checkpoint. Every
    ``checkpoint_interval`` rounds the full state goes to ``checkpoints/<round>/``.
    """
    algorithm = training.algorithm
    if inputs.resume is not None:
        restore_checkpoint(inputs.resume.directory, algorithm)
        log.info("resumed %s after round %d", inputs.resume.run_id, inputs.resume.round)
    else:
        seed_global_rngs(inputs.seeds.training)
    interval = inputs.config.checkpoint_interval
    started = time.perf_counter()
    with tqdm(
        total=training.total,
        initial=algorithm.done,
        unit=training.unit,
        desc=inputs.spec.name,
        disable=not inputs.request.progress,
        mininterval=1.0,
    ) as bar:

        def after_round(end: RoundEnd) -> None:
            bar.update(end.done - bar.n)
            if interval and end.round % interval == 0:
                folder = f"{CHECKPOINTS}/{end.round:05d}"
                for path in write_checkpoint(workdir / folder, algorithm, venv):
                    tracked.log_artifact(path, folder)

        log.info("training %s for %d %s", inputs.spec.name, training.total, training.unit)
        algorithm.train(training.total, callback=after_round)
        bar.update(algorithm.done - bar.n)
    return TrainReport(seconds=time.perf_counter() - started)
