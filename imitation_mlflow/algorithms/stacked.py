"""K seeds' policies as one batched computation: their actors' parameters stacked ``(K, ...)``.

Seeds of one config share an architecture, so their actors (input normaliser, the MLP's
linear layers, the action head, the Gaussian's ``log_std``) run as batched matrix products
over a leading seed dimension instead of K small ones. The per-seed SB3 policies stay the
record: :class:`StackedActor` copies their parameters in and writes them back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.preprocessing import preprocess_obs
from torch import nn
from torch.distributions import Categorical, Distribution, Independent, Normal

from imitation_mlflow.algorithms.policies import (
    NormalizeFeaturesExtractor,
    RunningNorm,
    fold_stats,
    normalized,
)

STATS = ("running_mean", "running_var", "count")


def actor_parameter_names(policy: ActorCriticPolicy) -> list[str]:
    """Names of the parameters that shape the action distribution (not the critic's)."""
    critic = {id(p) for p in policy.mlp_extractor.value_net.parameters()}
    critic |= {id(p) for p in policy.value_net.parameters()}
    return [name for name, p in policy.named_parameters() if id(p) not in critic]


class StackedActor:
    """The actors of K policies of one architecture, evaluated together.

    ``parameters`` are leaf tensors ``(K, *shape)`` (one per actor parameter, in the
    policy's order); optimise them with any element-wise optimizer (Adam) and each seed
    trains independently. In training mode the input normaliser folds each seed's batch
    into that seed's statistics, as :class:`RunningNorm` does.
    """

    def __init__(self, policies: Sequence[ActorCriticPolicy], *, training: bool = True) -> None:
        first = policies[0]
        self.policies = list(policies)
        self.observation_space = first.observation_space
        self.continuous = isinstance(first.action_space, spaces.Box)
        if not self.continuous and not isinstance(first.action_space, spaces.Discrete):
            space = first.action_space
            raise ValueError(f"seed batching needs a Box or Discrete action space: {space}")
        self.names = actor_parameter_names(first)
        self.parameters = [
            nn.Parameter(torch.stack([dict(p.named_parameters())[name].detach() for p in policies]))
            for name in self.names
        ]
        module_names = {id(module): name for name, module in first.named_modules()}
        self.layers = [
            _Layer(layer, self._linear(module_names[id(layer)], layer))
            for layer in (*first.mlp_extractor.policy_net, first.action_net)
        ]
        self.norm = _norm_of(first)
        self.stats = self._stacked_stats() if self.norm is not None else None
        self.training = training
        """Fold each batch into the normaliser statistics (training) or only read them."""

    def _stacked_stats(self) -> list[torch.Tensor]:
        norms = [_norm_of(policy) for policy in self.policies]
        return [torch.stack([getattr(norm, stat) for norm in norms]) for stat in STATS]

    def parameter(self, name: str) -> torch.Tensor:
        """The stacked parameter ``name`` (a policy parameter name)."""
        return self.parameters[self.names.index(name)]

    def distribution(self, obs: torch.Tensor) -> Distribution:
        """Each seed's action distribution at its observations ``(K, batch, *obs_shape)``.

        The distribution's batch shape is ``(K, batch)``.
        """
        seeds, batch = obs.shape[:2]
        flat = preprocess_obs(obs.reshape(seeds * batch, *obs.shape[2:]), self.observation_space)
        assert isinstance(flat, torch.Tensor)  # dict observations are refused by SB3's MLP
        x = flat.float().reshape(seeds, batch, -1)
        x = self._normalize(x)
        for layer in self.layers:
            if layer.linear is None:
                x = layer.module(x)  # activations: element-wise, no parameters
            else:
                weight, bias = layer.linear
                x = torch.baddbmm(bias.unsqueeze(1), x, weight.transpose(1, 2))
        if not self.continuous:
            return Categorical(logits=x, validate_args=False)
        std = self.parameter("log_std").exp().unsqueeze(1).expand_as(x)
        return Independent(Normal(x, std, validate_args=False), 1, validate_args=False)

    def _linear(self, name: str, layer: nn.Module) -> tuple[torch.Tensor, torch.Tensor] | None:
        if not isinstance(layer, nn.Linear):
            if any(True for _ in layer.parameters()):
                raise ValueError(f"seed batching supports Linear layers and activations: {layer}")
            return None
        return self.parameter(f"{name}.weight"), self.parameter(f"{name}.bias")

    def _normalize(self, x: torch.Tensor) -> torch.Tensor:
        if self.norm is None or self.stats is None:
            return x
        mean, var, count = self.stats
        if self.training:
            with torch.no_grad():
                mean, var, count = fold_stats(mean, var, count, x)
                self.stats = [mean, var, count]
        return normalized(x, mean, var, self.norm.eps)

    def sample(self, obs: torch.Tensor, generators: Sequence[torch.Generator | None]) -> np.ndarray:
        """Each seed's sampled actions at ``obs (K, n, *obs_shape)``, from its own generator.

        A seed whose generator is ``None`` draws nothing (its row is the mode). Box actions
        are clipped to the action space, as SB3's ``predict`` does.
        """
        with torch.no_grad():
            dist = self.distribution(obs)
            if self.continuous:
                actions = self._sample_gaussian(dist, generators)
            else:
                actions = self._sample_categorical(dist, generators)
        acts = actions.numpy()
        space = self.policies[0].action_space
        if isinstance(space, spaces.Box):
            acts = np.clip(acts, space.low, space.high)
        return acts

    @staticmethod
    def _sample_gaussian(
        dist: Distribution, generators: Sequence[torch.Generator | None]
    ) -> torch.Tensor:
        assert isinstance(dist, Independent)
        normal = dist.base_dist
        shape = normal.loc.shape[1:]
        noise = torch.stack(
            [
                torch.randn(shape, generator=g) if g is not None else torch.zeros(shape)
                for g in generators
            ]
        )
        return normal.loc + normal.scale * noise

    @staticmethod
    def _sample_categorical(
        dist: Distribution, generators: Sequence[torch.Generator | None]
    ) -> torch.Tensor:
        assert isinstance(dist, Categorical)
        rows = [
            torch.multinomial(probs, 1, generator=g).squeeze(-1)
            if g is not None
            else probs.argmax(-1)
            for probs, g in zip(dist.probs, generators, strict=True)
        ]
        return torch.stack(rows)

    def l2_norms(self) -> torch.Tensor:
        """Each seed's squared L2 norm of its actor parameters, ``(K,)``."""
        return torch.cat([p.flatten(1) for p in self.parameters], dim=1).square().sum(1)

    def write_back(self) -> None:
        """Copy the stacked parameters and normaliser statistics into each seed's policy."""
        with torch.no_grad():
            for k, policy in enumerate(self.policies):
                named = dict(policy.named_parameters())
                for name, parameter in zip(self.names, self.parameters, strict=True):
                    named[name].copy_(parameter[k])
                norm = _norm_of(policy)
                if norm is not None and self.stats is not None:
                    for stat, values in zip(STATS, self.stats, strict=True):
                        getattr(norm, stat).copy_(values[k])


@dataclasses.dataclass(frozen=True)
class _Layer:
    """One step of the actor: a linear layer (its stacked weight and bias) or an activation."""

    module: nn.Module
    linear: tuple[torch.Tensor, torch.Tensor] | None


def _norm_of(policy: ActorCriticPolicy) -> RunningNorm | None:
    extractor = policy.features_extractor
    if isinstance(extractor, NormalizeFeaturesExtractor):
        return extractor.normalize
    if any(True for _ in extractor.parameters()):
        raise ValueError("seed batching needs a parameter-free features extractor")
    return None
