"""Reward networks for adversarial imitation.

r(s, a) for GAIL, g(s, a) + gamma h(s') - h(s) for AIRL, each an MLP over (normalized)
observations and (one-hot) actions.
"""

from __future__ import annotations

import gymnasium as gym
import torch
from torch import nn

from imitation_mlflow.algorithms.policies import RunningNorm


def _mlp(inputs: int, hidden: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for size in hidden:
        layers += [nn.Linear(inputs, size), nn.ReLU()]
        inputs = size
    layers.append(nn.Linear(inputs, 1))
    return nn.Sequential(*layers)


def action_features(acts: torch.Tensor, action_space: gym.Space) -> torch.Tensor:
    """Actions as network inputs: one-hot for discrete spaces, flattened floats otherwise."""
    if isinstance(action_space, gym.spaces.Discrete):
        return nn.functional.one_hot(acts.long().reshape(-1), int(action_space.n)).float()
    return acts.float().reshape(len(acts), -1)


class StateActionReward(nn.Module):
    """r(s, a): an MLP over [normalize(s), a] (the published BasicRewardNet)."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        *,
        net_arch: tuple[int, ...] = (32, 32),
        normalize_input: bool = True,
    ) -> None:
        super().__init__()
        self.action_space = action_space
        obs_dim = int(gym.spaces.utils.flatdim(observation_space))
        act_dim = int(gym.spaces.utils.flatdim(action_space))
        self.normalize: nn.Module = RunningNorm(obs_dim) if normalize_input else nn.Identity()
        self.mlp = _mlp(obs_dim + act_dim, net_arch)

    def forward(self, obs: torch.Tensor, acts: torch.Tensor) -> torch.Tensor:
        """``(batch,)`` rewards of ``(batch, *obs_shape)`` states and their actions."""
        features = torch.cat(
            [
                self.normalize(obs.float().reshape(len(obs), -1)),
                action_features(acts, self.action_space),
            ],
            dim=1,
        )
        return self.mlp(features).squeeze(-1)


class ShapedReward(nn.Module):
    """AIRL's f(s, a, s') = g(s, a) + gamma * h(s') * (1 - done) - h(s)."""

    def __init__(
        self,
        observation_space: gym.Space,
        action_space: gym.Space,
        *,
        gamma: float,
        net_arch: tuple[int, ...] = (32, 32),
        normalize_input: bool = True,
    ) -> None:
        super().__init__()
        self.gamma = gamma
        self.base = StateActionReward(
            observation_space, action_space, net_arch=net_arch, normalize_input=normalize_input
        )
        obs_dim = int(gym.spaces.utils.flatdim(observation_space))
        self.potential_normalize: nn.Module = (
            RunningNorm(obs_dim) if normalize_input else nn.Identity()
        )
        self.potential = _mlp(obs_dim, net_arch)

    def h(self, obs: torch.Tensor) -> torch.Tensor:
        """Potential of each state, ``(batch,)``."""
        return self.potential(self.potential_normalize(obs.float().reshape(len(obs), -1))).squeeze(
            -1
        )

    def forward(
        self, obs: torch.Tensor, acts: torch.Tensor, next_obs: torch.Tensor, dones: torch.Tensor
    ) -> torch.Tensor:
        """``(batch,)`` shaped rewards."""
        g = self.base(obs, acts)
        return g + self.gamma * self.h(next_obs) * (1.0 - dones.float()) - self.h(obs)
