"""The benchmark's imitation policy: an SB3 actor-critic MLP with a running input normaliser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor
from stable_baselines3.common.vec_env import VecEnv
from torch import nn

from imitation_mlflow.config.sections import PolicyConfig


class RunningNorm(nn.Module):
    """Normalizes inputs by a running mean and variance, updated on every training-mode batch.

    The statistics combine batches exactly (parallel-variance formula), so the result
    does not depend on how the data was split into batches.
    """

    running_mean: torch.Tensor
    running_var: torch.Tensor
    count: torch.Tensor

    def __init__(self, num_features: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("count", torch.zeros(()))

    def update_stats(self, batch: torch.Tensor) -> None:
        """Fold a ``(batch, num_features)`` tensor into the running statistics."""
        mean, var, count = fold_stats(self.running_mean, self.running_var, self.count, batch)
        self.running_mean.copy_(mean)
        self.running_var.copy_(var)
        self.count.copy_(count)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalize ``x``; in training mode first update the statistics with it."""
        if self.training:
            with torch.no_grad():
                self.update_stats(x)
        return normalized(x, self.running_mean, self.running_var, self.eps)


def fold_stats(
    mean: torch.Tensor, var: torch.Tensor, count: torch.Tensor, batch: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mean, variance and count after folding ``batch`` into the running statistics.

    Shapes: ``batch (..., n, features)``, ``mean``/``var (..., features)``, ``count (...)``;
    the leading dimensions index independent statistics (one per stacked seed).
    """
    batch_count = batch.shape[-2]
    batch_var, batch_mean = torch.var_mean(batch, dim=-2, unbiased=False)
    old = count.unsqueeze(-1)
    total = old + batch_count
    delta = batch_mean - mean
    new_mean = mean + delta * batch_count / total
    m2 = var * old + batch_var * batch_count + delta.square() * old * batch_count / total
    return new_mean, m2 / total, total.squeeze(-1)


def normalized(x: torch.Tensor, mean: torch.Tensor, var: torch.Tensor, eps: float) -> torch.Tensor:
    """``x (..., n, features)`` normalized by ``mean``/``var (..., features)``."""
    return (x - mean.unsqueeze(-2)) / torch.sqrt(var.unsqueeze(-2) + eps)


class NormalizeFeaturesExtractor(BaseFeaturesExtractor):
    """Flattens observations and normalizes them with :class:`RunningNorm`."""

    def __init__(self, observation_space: gym.Space) -> None:
        size = int(gym.spaces.utils.flatdim(observation_space))
        super().__init__(observation_space, features_dim=size)
        self.flatten = nn.Flatten()
        self.normalize = RunningNorm(size)

    def forward(self, observations: torch.Tensor) -> torch.Tensor:
        """Flatten then normalize a batch of observations."""
        return self.normalize(self.flatten(observations))


def make_policy(
    observation_space: gym.Space, action_space: gym.Space, settings: PolicyConfig
) -> ActorCriticPolicy:
    """Build the feed-forward actor-critic policy (FeedForward32 by default) on the CPU."""
    return ActorCriticPolicy(
        observation_space,
        action_space,
        lr_schedule=lambda _: 0.0,  # the algorithm owns the optimizer
        **policy_kwargs(settings),
    )


def policy_kwargs(settings: PolicyConfig) -> dict[str, Any]:
    """SB3 ``policy_kwargs`` of the policy ``settings`` describe (for PPO's policies too)."""
    kwargs: dict[str, Any] = {
        "net_arch": list(settings.net_arch),
        "log_std_init": settings.log_std_init,
    }
    if settings.normalize_input:
        kwargs["features_extractor_class"] = NormalizeFeaturesExtractor
    return kwargs


def save_policy_zip(policy: ActorCriticPolicy, venv: VecEnv, path: Path) -> Path:
    """Save ``policy`` as an SB3 PPO zip, so ``PPO.load`` (and expert loading) reads it back."""
    model = PPO(type(policy), venv, device="cpu", _init_setup_model=False)
    model.policy_kwargs = _constructor_kwargs(policy)
    model.policy = policy
    model.save(path)
    return path


def _constructor_kwargs(policy: ActorCriticPolicy) -> dict[str, Any]:
    data = policy._get_constructor_parameters()
    keep = ("net_arch", "activation_fn", "features_extractor_class", "ortho_init", "log_std_init")
    return {k: data[k] for k in keep if k in data}
