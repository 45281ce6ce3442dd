"""Pure evaluation: a policy and a vectorized env in, return statistics out."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.vec_env import VecEnv

from imitation_mlflow.config.sections import EnvironmentConfig
from imitation_mlflow.data.trajectories import episode_stats
from imitation_mlflow.envs import rollout_num_vec, venv_from_config


class UniformRandomPolicy:
    """Samples actions uniformly from the action space; the normalisation floor."""

    def __init__(self, action_space: gym.Space, seed: int) -> None:
        self.action_space = action_space
        self.action_space.seed(seed)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, None]:
        """One uniform action per observation in the ``(num_envs, *obs_shape)`` batch."""
        return np.stack([self.action_space.sample() for _ in range(len(observation))]), None


def evaluate(
    policy: Any,
    venv: VecEnv,
    n_episodes: int,
    *,
    deterministic: bool,
    seed: int,
) -> dict[str, float]:
    """Sacred-style return statistics of ``n_episodes`` episodes of ``policy`` in ``venv``.

    ``policy`` is anything with SB3's ``predict``; returns are the true returns recorded by
    Monitor. Sampled actions draw from torch's generator, which is seeded with ``seed``.
    """
    torch.manual_seed(seed)
    venv.seed(seed)
    returns, lengths = evaluate_policy(
        policy,
        venv,
        n_eval_episodes=n_episodes,
        deterministic=deterministic,
        return_episode_rewards=True,
        warn=False,
    )
    return episode_stats(np.asarray(returns), np.asarray(lengths))


def normalized_score(score: float, expert_score: float, random_score: float) -> float:
    """(score - random) / (expert - random): 0 is a random policy, 1 the expert."""
    return (score - random_score) / (expert_score - random_score)


def evaluate_episodes(
    policy: Any,
    environment: EnvironmentConfig,
    n_episodes: int,
    *,
    seed: int,
    deterministic: bool,
) -> dict[str, float]:
    """:func:`evaluate` on fresh copies of ``environment``, closed afterwards.

    One copy per episode (at most 64), seeded from ``seed``.
    """
    num_vec = rollout_num_vec(n_episodes, environment.rollout_num_vec)
    venv = venv_from_config(environment, num_vec=num_vec, seed=seed)
    try:
        return evaluate(policy, venv, n_episodes, deterministic=deterministic, seed=seed)
    finally:
        venv.close()
