"""Demonstrations of an expert: rolled out once per key, then read from the local cache."""

from __future__ import annotations

import dataclasses
import logging

import gymnasium as gym
import torch
from gymnasium import spaces

from imitation_mlflow.config.sections import (
    CommonConfig,
    DemonstrationsConfig,
    EnvironmentConfig,
)
from imitation_mlflow.config.seeds import RunSeeds
from imitation_mlflow.data.cache import Demonstrations, DemonstrationsKey, cached_demonstrations
from imitation_mlflow.data.hub import download_demonstrations
from imitation_mlflow.data.rollouts import generate_trajectories
from imitation_mlflow.data.trajectories import Trajectory
from imitation_mlflow.envs import rollout_num_vec, venv_from_config
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.hub import hub_repo_id
from imitation_mlflow.experts.resolve import Expert

log = logging.getLogger(__name__)


def demonstrations_for(config: CommonConfig, expert: Expert, *, progress: bool) -> Demonstrations:
    """The demonstrations a run with ``config`` trains on.

    ``demonstrations.source=hub``: the first ``n_expert_demos`` trajectories of the hub
    dataset named like the expert's repo, checked against the env; ``rollout``: rolled out
    from ``expert`` (or read from the cache). Hub failures are ``UserError``s.
    """
    settings = config.demonstrations
    if settings.source == "hub":
        gym_id = config.environment.gym_id
        repo_id = config.expert.repo_id or hub_repo_id(gym_id)
        demos = download_demonstrations(repo_id, None, settings.n_expert_demos)
        return conform_to_env(demos, gym_id)
    return expert_demonstrations(
        expert,
        environment=config.environment,
        settings=settings,
        seed=config.seed,
        progress=progress,
    )


def expert_demonstrations(
    expert: Expert,
    *,
    environment: EnvironmentConfig,
    settings: DemonstrationsConfig,
    seed: int,
    progress: bool = False,
) -> Demonstrations:
    """``settings.n_expert_demos`` demonstrations of ``expert`` for a run with root ``seed``.

    Rolled out with the run's demonstrations seed stream, or read from the cache when the
    same expert, env, count, seed and rollout settings were rolled out before; a run and
    ``expert push`` with the same arguments share one cache entry.
    """
    n_episodes = settings.n_expert_demos
    num_vec = rollout_num_vec(n_episodes, environment.rollout_num_vec)
    key = DemonstrationsKey(
        expert_sha256=expert.ref.sha256,
        gym_id=environment.gym_id,
        n_episodes=n_episodes,
        seed=seed,
        deterministic=settings.deterministic,
        num_vec=num_vec,
        max_episode_steps=environment.max_episode_steps,
    )
    demo_seed = RunSeeds.from_root(seed).demonstrations

    def roll_out() -> list[Trajectory]:
        log.info("rolling out %d expert demonstrations", n_episodes)
        torch.manual_seed(demo_seed)
        venv = venv_from_config(environment, num_vec=num_vec, seed=demo_seed)
        try:
            return generate_trajectories(
                lambda obs: expert.model.predict(obs, deterministic=settings.deterministic)[0],
                venv,
                n_episodes,
                desc="demonstrations" if progress else None,
            )
        finally:
            venv.close()

    return cached_demonstrations(key, roll_out)


def conform_to_env(demos: Demonstrations, gym_id: str) -> Demonstrations:
    """Check demonstrations from elsewhere (the hub) against ``gym_id``'s spaces.

    Observations and actions must have the env's shapes (a ``UserError`` otherwise, before
    the run); continuous actions are cast to the action space's dtype, since datasets may
    store them as float64 where SB3 policies work in float32.
    """
    env = gym.make(gym_id)
    try:
        obs_shape, action_space = env.observation_space.shape, env.action_space
    finally:
        env.close()
    act_shape = action_space.shape or ()
    for index, traj in enumerate(demos.trajectories):
        if traj.obs.shape[1:] != obs_shape or traj.acts.shape[1:] != act_shape:
            raise UserError(
                f"demonstration {index} from {demos.uri} has observations {traj.obs.shape[1:]} "
                f"and actions {traj.acts.shape[1:]} per step; {gym_id} has {obs_shape} and "
                f"{act_shape}; use demonstrations.source=rollout"
            )
    if not isinstance(action_space, spaces.Box):
        return demos
    dtype = action_space.dtype
    cast = [dataclasses.replace(t, acts=t.acts.astype(dtype)) for t in demos.trajectories]
    return dataclasses.replace(demos, trajectories=cast)
