"""Pure evaluation: a policy and a vectorized env in, return statistics out."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.distributions import (
    CategoricalDistribution,
    DiagGaussianDistribution,
)
from stable_baselines3.common.evaluation import evaluate_policy
from stable_baselines3.common.policies import BasePolicy
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


class SeededActions:
    """An SB3 policy whose sampled actions come from a generator of its own.

    SB3's ``predict`` samples from torch's global generator, which policies evaluated side
    by side in threads would share in whatever order the threads run. This draws the same
    numbers, in the same arithmetic, from ``torch.Generator().manual_seed(seed)``: the
    actions equal SB3's after ``torch.manual_seed(seed)``.
    """

    def __init__(self, policy: BasePolicy, seed: int) -> None:
        self.policy = policy
        self.generator = torch.Generator().manual_seed(seed)

    def predict(
        self,
        observation: np.ndarray,
        state: Any = None,
        episode_start: np.ndarray | None = None,
        deterministic: bool = False,
    ) -> tuple[np.ndarray, None]:
        """Actions for the ``(num_envs, *obs_shape)`` batch, as SB3's ``predict`` returns them."""
        if deterministic:
            actions, _ = self.policy.predict(observation, deterministic=True)
            return actions, None
        self.policy.set_training_mode(False)
        obs, _ = self.policy.obs_to_tensor(observation)
        with torch.no_grad():
            drawn = self._sample(self.policy.get_distribution(obs).distribution)  # type: ignore[operator]
        space = self.policy.action_space
        actions = drawn.cpu().numpy().reshape((-1, *(space.shape or ())))
        if isinstance(space, spaces.Box):
            actions = np.clip(actions, space.low, space.high)
        return actions, None

    @staticmethod
    def supports(policy: Any) -> bool:
        """Whether ``policy`` samples from a distribution this class can seed."""
        dist = getattr(policy, "action_dist", None)
        return isinstance(policy, BasePolicy) and type(dist) in (
            DiagGaussianDistribution,
            CategoricalDistribution,
        )

    def _sample(self, dist: torch.distributions.Distribution) -> torch.Tensor:
        if isinstance(dist, torch.distributions.Normal):  # Normal.rsample, seeded
            noise = torch.empty(dist.loc.shape, dtype=dist.loc.dtype).normal_(
                generator=self.generator
            )
            return dist.loc + noise * dist.scale
        if isinstance(dist, torch.distributions.Categorical):  # Categorical.sample, seeded
            probs = dist.probs.reshape(-1, dist.probs.shape[-1])
            return torch.multinomial(probs, 1, True, generator=self.generator).T.reshape(
                dist.batch_shape
            )
        raise TypeError(f"seeded sampling of {type(dist).__name__} is not supported")


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
    Monitor. Sampled actions draw from a generator seeded with ``seed``: an SB3 policy's
    from its own (:class:`SeededActions`, so several can be evaluated in threads at
    once), anything else's from torch's global one.
    """
    if SeededActions.supports(policy) and not deterministic:
        policy = SeededActions(policy, seed)
    else:
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
