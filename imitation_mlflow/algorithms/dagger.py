"""DAgger (Ross et al., 2011): dataset aggregation.

Roll out a beta-mix of expert and learner, label every visited state with the expert's
action, aggregate, and retrain BC on everything collected so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.data.rollouts import generate_trajectories
from imitation_mlflow.data.trajectories import (
    Trajectory,
    Transitions,
    concatenate_transitions,
    flatten_trajectories,
)

ActFn = Callable[[np.ndarray], np.ndarray]
BetaSchedule = Callable[[int], float]


def linear_beta(rampdown_rounds: int) -> BetaSchedule:
    """Linear schedule: 1 - round / rampdown_rounds, floored at 0."""
    return lambda round_: max(0.0, 1.0 - round_ / rampdown_rounds)


def exponential_beta(decay_probability: float) -> BetaSchedule:
    """Exponential schedule: decay_probability ** round."""
    return lambda round_: decay_probability**round_


class DAgger:
    """Dataset aggregation on top of a :class:`BC` learner.

    Each round executes the expert's action with probability beta (per env copy and step),
    else the learner's; every visited state is labelled with the expert's deterministic
    action.
    """

    def __init__(
        self,
        *,
        venv: VecEnv,
        bc: BC,
        expert_act: ActFn,
        beta_schedule: BetaSchedule,
        logger: MetricLogger,
        rng: np.random.Generator,
        min_episodes: int,
        min_timesteps: int,
        offline: Transitions | None = None,
    ) -> None:
        self.venv = venv
        self.bc = bc
        self.expert_act = expert_act
        self.beta_schedule = beta_schedule
        self.logger = logger
        self.rng = rng
        self.min_episodes = min_episodes
        self.min_timesteps = min_timesteps
        self.parts: list[Transitions] = [offline] if offline is not None else []
        self.round = 0
        self.timesteps = 0

    def train(
        self,
        total_timesteps: int,
        *,
        n_epochs: int | None,
        n_batches: int | None,
        log_interval: int,
        progress: bool = False,
    ) -> None:
        """Run rounds until ``total_timesteps`` environment steps have been collected."""
        while self.timesteps < total_timesteps:
            beta = self.beta_schedule(self.round)
            trajectories = self._collect(beta)
            steps = sum(len(t) for t in trajectories)
            self.timesteps += steps
            self.parts.append(self._label(trajectories))
            data = concatenate_transitions(self.parts)
            self.bc.set_demonstrations(data)
            self.bc.train(
                n_epochs=n_epochs,
                n_batches=n_batches,
                log_interval=log_interval,
                progress=progress,
            )
            self.logger.record("dagger/round", self.round, self.timesteps)
            self.logger.record("dagger/beta", beta, self.timesteps)
            self.logger.record("dagger/n_transitions", len(data), self.timesteps)
            self.logger.record(
                "dagger/rollout_return",
                float(np.mean([t.rews.sum() for t in trajectories])),
                self.timesteps,
            )
            self.round += 1

    def _collect(self, beta: float) -> list[Trajectory]:
        """At least ``min_episodes`` episodes and ``min_timesteps`` steps of the beta-mix."""
        policy = self.bc.policy

        def act(obs: np.ndarray) -> np.ndarray:
            learner = policy.predict(obs, deterministic=False)[0]
            expert = self.expert_act(obs)
            use_expert = self.rng.random(len(obs)) < beta
            mask = use_expert.reshape((-1,) + (1,) * (np.ndim(learner) - 1))
            return np.where(mask, expert, learner)

        trajectories = generate_trajectories(act, self.venv, self.min_episodes)
        while sum(len(t) for t in trajectories) < self.min_timesteps:
            episode_len = max(1, sum(len(t) for t in trajectories) // len(trajectories))
            missing = self.min_timesteps - sum(len(t) for t in trajectories)
            trajectories += generate_trajectories(
                act, self.venv, max(1, math.ceil(missing / episode_len))
            )
        return trajectories

    def _label(self, trajectories: list[Trajectory]) -> Transitions:
        flat = flatten_trajectories(trajectories)
        return Transitions(
            obs=flat.obs,
            acts=self.expert_act(flat.obs),
            next_obs=flat.next_obs,
            dones=flat.dones,
        )
