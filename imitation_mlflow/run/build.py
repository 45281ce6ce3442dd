"""A run, step 3: the training environment copies and the algorithm, via its builder."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.envs import venv_from_config
from imitation_mlflow.run.builders import BuildContext, Training
from imitation_mlflow.run.prepare import RunInputs

Builder = Callable[[BuildContext], Training]
"""What an algorithm spec's ``builder`` names."""


def training_venv(inputs: RunInputs) -> VecEnv:
    """``environment.num_vec`` copies of the run's environment, seeded from the ``env`` stream."""
    environment = inputs.config.environment
    return venv_from_config(environment, num_vec=environment.num_vec, seed=inputs.seeds.env)


def build(inputs: RunInputs, venv: VecEnv, logger: MetricLogger) -> Training:
    """The run's algorithm, built by its spec's builder on ``venv``, logging to ``logger``."""
    builder = cast(Builder, inputs.spec.load_builder())
    context = BuildContext(
        config=inputs.config,
        seeds=inputs.seeds,
        venv=venv,
        expert=inputs.expert,
        demonstrations=inputs.demonstrations.trajectories,
        logger=logger,
    )
    return builder(context)
