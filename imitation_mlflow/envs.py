"""Seeded vectorized seals environments with Monitor for true returns."""

from __future__ import annotations

import warnings

import gymnasium as gym
import seals  # noqa: F401  (registers the seals/* environment ids)
from stable_baselines3.common.env_util import make_vec_env
from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv, VecEnv

from imitation_mlflow.errors import UserError

# Box bounds of some seals envs are float64 and get cast; harmless and noisy.
warnings.filterwarnings("ignore", message=".*precision lowered by casting.*")


def check_env_id(gym_id: str) -> None:
    """Fail early, listing seals ids, when ``gym_id`` is not a registered environment."""
    if gym_id not in gym.registry:
        seals_ids = sorted(k for k in gym.registry if k.startswith("seals/"))
        raise UserError(
            f"unknown environment id {gym_id!r}; registered seals ids: {', '.join(seals_ids)}"
        )


def make_venv(
    gym_id: str,
    *,
    num_vec: int,
    seed: int,
    parallel: bool = False,
    max_episode_steps: int | None = None,
) -> VecEnv:
    """Create ``num_vec`` copies of ``gym_id``, each wrapped in Monitor, seeded from ``seed``.

    Environments run in-process by default: on a few cores, subprocess workers cost
    more to start and to talk to than the physics they run.
    """
    check_env_id(gym_id)
    env_kwargs = {"max_episode_steps": max_episode_steps} if max_episode_steps else None
    return make_vec_env(
        gym_id,
        n_envs=num_vec,
        seed=seed,
        env_kwargs=env_kwargs,
        vec_env_cls=SubprocVecEnv if parallel else DummyVecEnv,
    )
