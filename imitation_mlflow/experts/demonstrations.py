"""Demonstrations of an expert: rolled out once per key, then read from the local cache."""

from __future__ import annotations

import dataclasses
import logging

import gymnasium as gym
import torch
from gymnasium import spaces
from stable_baselines3 import PPO

from imitation_mlflow.data import Trajectory, generate_trajectories
from imitation_mlflow.data.demonstrations import (
    Demonstrations,
    DemonstrationsKey,
    cached_demonstrations,
)
from imitation_mlflow.envs import make_venv
from imitation_mlflow.errors import UserError
from imitation_mlflow.seeding import RunSeeds

log = logging.getLogger(__name__)

MAX_ROLLOUT_ENVS = 64
"""Most env copies used to roll out demonstrations or evaluation episodes at once."""


def rollout_num_vec(episodes: int, configured: int | None = None) -> int:
    """Env copies rolling out ``episodes`` episodes: ``configured``, else one each (capped)."""
    return configured or min(episodes, MAX_ROLLOUT_ENVS)


def expert_demonstrations(
    expert: PPO,
    *,
    expert_sha256: str,
    gym_id: str,
    n_episodes: int,
    seed: int,
    deterministic: bool = False,
    num_vec: int | None = None,
    max_episode_steps: int | None = None,
    parallel: bool = False,
    progress: bool = False,
) -> Demonstrations:
    """``n_episodes`` demonstrations of ``expert`` for a run with root ``seed``.

    Rolled out with the run's demonstrations seed stream, or read from the cache when the
    same expert, env, count, seed and rollout settings were rolled out before; a run and
    ``expert push`` with the same arguments share one cache entry.
    """
    num_vec = rollout_num_vec(n_episodes, num_vec)
    key = DemonstrationsKey(
        expert_sha256=expert_sha256,
        gym_id=gym_id,
        n_episodes=n_episodes,
        seed=seed,
        deterministic=deterministic,
        num_vec=num_vec,
        max_episode_steps=max_episode_steps,
    )
    demo_seed = RunSeeds.from_root(seed).demonstrations

    def roll_out() -> list[Trajectory]:
        log.info("rolling out %d expert demonstrations", n_episodes)
        torch.manual_seed(demo_seed)
        venv = make_venv(
            gym_id,
            num_vec=num_vec,
            seed=demo_seed,
            parallel=parallel,
            max_episode_steps=max_episode_steps,
        )
        try:
            return generate_trajectories(
                lambda obs: expert.predict(obs, deterministic=deterministic)[0],
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
    obs_shape, action_space = env.observation_space.shape, env.action_space
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
