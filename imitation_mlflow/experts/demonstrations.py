"""Demonstrations of an expert: rolled out once per key, then read from the local cache."""

from __future__ import annotations

import logging

import torch
from stable_baselines3 import PPO

from imitation_mlflow.data import Trajectory, generate_trajectories
from imitation_mlflow.data.demonstrations import (
    Demonstrations,
    DemonstrationsKey,
    cached_demonstrations,
)
from imitation_mlflow.envs import make_venv
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
