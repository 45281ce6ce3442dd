"""DAgger (Ross et al., 2011): dataset aggregation.

Roll out a beta-mix of expert and learner, label every visited state with the expert's
action, aggregate, and retrain BC on everything collected so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.base import RoundCallback, RoundEnd
from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.data.rollouts import generate_trajectories
from imitation_mlflow.data.trajectories import (
    Trajectory,
    Transitions,
    concatenate_transitions,
    flatten_trajectories,
)
from imitation_mlflow.envs import env_states, set_env_states

ActFn = Callable[[np.ndarray], np.ndarray]
BetaSchedule = Callable[[int], float]


def linear_beta(rampdown_rounds: int) -> BetaSchedule:
    """Linear schedule: 1 - round / rampdown_rounds, floored at 0."""
    return lambda round_: max(0.0, 1.0 - round_ / rampdown_rounds)


def exponential_beta(decay_probability: float) -> BetaSchedule:
    """Exponential schedule: decay_probability ** round."""
    return lambda round_: decay_probability**round_


class DAgger:
    """Dataset aggregation on top of a :class:`BC` learner; a round is collect + retrain.

    Each round executes the expert's action with probability beta (per env copy and step,
    drawn from ``rng``), else the learner's sampled one; every visited state is labelled
    with the expert's deterministic action, and BC retrains on all data for ``n_epochs``
    passes (or exactly ``n_batches`` steps). The budget of :meth:`train` counts env steps.
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
        n_epochs: int | None,
        n_batches: int | None,
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
        if n_epochs is None and n_batches is None:
            raise ValueError("set n_epochs or n_batches")
        self.n_epochs = n_epochs
        self.n_batches = n_batches
        self.parts: list[Transitions] = [offline] if offline is not None else []
        self.round = 0
        self.timesteps = 0

    @property
    def policy(self) -> ActorCriticPolicy:
        """The learner's policy."""
        return self.bc.policy

    @property
    def done(self) -> int:
        """Environment steps collected so far."""
        return self.timesteps

    def train(self, total: int, *, callback: RoundCallback | None = None) -> None:
        """Run rounds until ``total`` environment steps have been collected."""
        while self.timesteps < total:
            beta = self.beta_schedule(self.round)
            trajectories = self._collect(beta)
            self.timesteps += sum(len(t) for t in trajectories)
            self.parts.append(self._label(trajectories))
            data = concatenate_transitions(self.parts)
            self.bc.set_demonstrations(data)
            self.bc.train(self.bc.done + self._batches_per_round())
            self._log(beta, len(data), trajectories)
            self.round += 1
            if callback is not None:
                callback(RoundEnd(round=self.round, done=self.timesteps))

    def _batches_per_round(self) -> int:
        if self.n_batches is not None:
            return self.n_batches
        assert self.n_epochs is not None
        return self.n_epochs * self.bc.batches_per_epoch()

    def _log(self, beta: float, n_transitions: int, trajectories: list[Trajectory]) -> None:
        step = self.timesteps
        self.logger.record("dagger/round", self.round, step)
        self.logger.record("dagger/beta", beta, step)
        self.logger.record("dagger/n_transitions", n_transitions, step)
        returns = [float(t.rews.sum()) for t in trajectories]
        self.logger.record("dagger/rollout_return", float(np.mean(returns)), step)

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

    def state_dict(self) -> dict[str, Any]:
        """The learner, the aggregated data, counters, the generator and the env copies."""
        return {
            "bc": self.bc.state_dict(),
            "parts": list(self.parts),
            "round": self.round,
            "timesteps": self.timesteps,
            "rng": self.rng.bit_generator.state,
            "envs": env_states(self.venv),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`."""
        self.parts = list(state["parts"])
        if self.parts:
            self.bc.set_demonstrations(concatenate_transitions(self.parts))
        self.bc.load_state_dict(state["bc"])
        self.round = int(state["round"])
        self.timesteps = int(state["timesteps"])
        self.rng.bit_generator.state = state["rng"]
        if state["envs"] is not None:
            set_env_states(self.venv, state["envs"])
