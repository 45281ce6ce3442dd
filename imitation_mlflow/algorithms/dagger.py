"""DAgger (Ross et al., 2011): dataset aggregation.

Roll out a beta-mix of expert and learner, label every visited state with the expert's
action, aggregate, and retrain BC on everything collected so far. Seeds of one config run
their rounds side by side (:func:`train_together`): their envs step in lockstep, the
learners act as one stacked computation, and the expert labels every seed's states in one
call. A single run is the case of one seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.algorithms.base import RoundCallback, RoundEnd
from imitation_mlflow.algorithms.bc import BC
from imitation_mlflow.algorithms.bc import train_together as train_bc_together
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.stacked import StackedActor
from imitation_mlflow.data.rollouts import EpisodeCollector
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
    drawn from ``rng``), else the learner's action sampled from ``generator``; every visited
    state is labelled
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
        generator: torch.Generator,
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
        self.generator = generator
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
        train_together([self], [total], [callback])

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

    @classmethod
    def train_together(
        cls,
        learners: Sequence[DAgger],
        totals: Sequence[int],
        callbacks: Sequence[RoundCallback | None],
    ) -> None:
        """Seeds side by side: :func:`train_together`."""
        train_together(learners, totals, callbacks)

    def state_dict(self) -> dict[str, Any]:
        """The learner, the aggregated data, counters, the generator and the env copies."""
        return {
            "bc": self.bc.state_dict(),
            "parts": list(self.parts),
            "round": self.round,
            "timesteps": self.timesteps,
            "rng": self.rng.bit_generator.state,
            "generator": self.generator.get_state(),
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
        self.generator.set_state(state["generator"])
        if state["envs"] is not None:
            set_env_states(self.venv, state["envs"])


def train_together(
    learners: Sequence[DAgger], totals: Sequence[int], callbacks: Sequence[RoundCallback | None]
) -> None:
    """Run each learner's rounds until it has collected ``totals[i]`` env steps, side by side.

    Learners of one batch share the expert (its ``expert_act`` labels all their states).
    Each learner sees the same episodes, labels, updates and callbacks as if alone.
    """
    jobs = list(zip(learners, totals, callbacks, strict=True))
    while pending := [job for job in jobs if job[0].timesteps < job[1]]:
        group = [job[0] for job in pending]
        betas = [learner.beta_schedule(learner.round) for learner in group]
        collected = _collect_together(group, betas)
        labels = _label_together(group[0].expert_act, collected)
        for learner, trajectories, labelled in zip(group, collected, labels, strict=True):
            learner.timesteps += sum(len(t) for t in trajectories)
            learner.parts.append(labelled)
            learner.bc.set_demonstrations(concatenate_transitions(learner.parts))
        train_bc_together(
            [learner.bc for learner in group],
            [learner.bc.done + learner._batches_per_round() for learner in group],
            [None] * len(group),
        )
        for (learner, _, callback), beta, trajectories in zip(
            pending, betas, collected, strict=True
        ):
            learner._log(beta, learner.bc.n_samples, trajectories)
            learner.round += 1
            if callback is not None:
                callback(RoundEnd(round=learner.round, done=learner.timesteps))


def _collect_together(learners: list[DAgger], betas: list[float]) -> list[list[Trajectory]]:
    """Each learner's round: ``min_episodes`` episodes, more until ``min_timesteps`` steps."""
    actor = StackedActor([learner.policy for learner in learners], training=False)
    collected: list[list[Trajectory]] = [[] for _ in learners]
    wanted = {k: learner.min_episodes for k, learner in enumerate(learners)}
    while wanted:
        collectors = {k: EpisodeCollector(learners[k].venv, n) for k, n in wanted.items()}
        _step_together(learners, betas, actor, collectors)
        wanted = {}
        for k, collector in collectors.items():
            collected[k] += collector.trajectories()
            steps = sum(len(t) for t in collected[k])
            missing = learners[k].min_timesteps - steps
            if missing > 0:
                episode_len = max(1, steps // len(collected[k]))
                wanted[k] = max(1, math.ceil(missing / episode_len))
    return collected


def _step_together(
    learners: list[DAgger],
    betas: list[float],
    actor: StackedActor,
    collectors: dict[int, EpisodeCollector],
) -> None:
    """Feed the collectors the beta-mix of expert and learner actions until all are done."""
    first_obs = next(iter(collectors.values())).obs
    while active := [k for k, c in collectors.items() if not c.done]:
        obs = np.zeros((len(learners), *first_obs.shape), dtype=first_obs.dtype)
        for k in active:
            obs[k] = collectors[k].obs
        generators = [learners[k].generator if k in active else None for k in range(len(learners))]
        learner_acts = actor.sample(torch.as_tensor(obs), generators)
        expert_acts = learners[0].expert_act(np.concatenate([obs[k] for k in active]))
        for k, expert in zip(active, np.split(expert_acts, len(active)), strict=True):
            learner = learner_acts[k].astype(expert.dtype, copy=False)
            use_expert = learners[k].rng.random(len(expert)) < betas[k]
            mask = use_expert.reshape((-1,) + (1,) * (np.ndim(learner) - 1))
            collectors[k].step(np.where(mask, expert, learner))


def _label_together(expert_act: ActFn, collected: list[list[Trajectory]]) -> list[Transitions]:
    """Every visited state labelled with the expert's action, in one call for all seeds."""
    flats = [flatten_trajectories(trajectories) for trajectories in collected]
    acts = expert_act(np.concatenate([flat.obs for flat in flats]))
    splits = np.cumsum([len(flat.obs) for flat in flats])[:-1]
    return [
        Transitions(obs=flat.obs, acts=labels, next_obs=flat.next_obs, dones=flat.dones)
        for flat, labels in zip(flats, np.split(acts, splits), strict=True)
    ]
