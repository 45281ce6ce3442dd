"""Behavioral cloning: maximise the likelihood of expert actions (with entropy and L2 terms)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy
from torch.nn.utils import parameters_to_vector
from tqdm.auto import tqdm

from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.data.trajectories import Transitions


class BC:
    """Trains ``policy`` on expert transitions by minibatch Adam.

    loss = -mean log pi(a|s) - ent_weight * mean entropy + l2_weight * ||theta||^2
    """

    def __init__(
        self,
        *,
        policy: ActorCriticPolicy,
        demonstrations: Transitions,
        batch_size: int,
        lr: float,
        l2_weight: float,
        ent_weight: float,
        logger: MetricLogger,
        rng: np.random.Generator,
    ) -> None:
        self.policy = policy
        self.batch_size = batch_size
        self.l2_weight = l2_weight
        self.ent_weight = ent_weight
        self.logger = logger
        self.rng = rng
        self.params = actor_parameters(policy)
        self.optimizer = torch.optim.Adam(self.params, lr=lr, fused=True)
        self.steps_done = 0
        self._obs = torch.empty(0)
        self._acts = torch.empty(0)
        self.set_demonstrations(demonstrations)

    def set_demonstrations(self, demonstrations: Transitions) -> None:
        """Replace the training data (DAgger grows it every round)."""
        self._obs = torch.as_tensor(demonstrations.obs, dtype=torch.float32)
        acts = torch.as_tensor(demonstrations.acts)
        if isinstance(self.policy.action_space, spaces.Discrete):
            acts = acts.long().reshape(-1)
        else:
            acts = acts.float()
        self._acts = acts

    @property
    def n_samples(self) -> int:
        """Number of transitions trained on."""
        return len(self._acts)

    def batches_per_epoch(self) -> int:
        """Minibatches in one pass over the data (the last one may be smaller)."""
        return math.ceil(self.n_samples / self.batch_size)

    def train(
        self,
        *,
        n_epochs: int | None = None,
        n_batches: int | None = None,
        log_interval: int = 500,
        progress: bool = True,
    ) -> None:
        """Run ``n_batches`` gradient steps, or ``n_epochs`` passes over the data.

        Curves ``bc/loss``, ``bc/neglogp``, ``bc/entropy``, ``bc/l2_norm`` and
        ``bc/prob_true_act`` are recorded every ``log_interval`` steps (and at the last).
        """
        if n_batches is None:
            if n_epochs is None:
                raise ValueError("set either n_epochs or n_batches")
            n_batches = n_epochs * self.batches_per_epoch()
        self.policy.set_training_mode(True)
        params = self.params
        batch_iter = self._batch_indices()
        with tqdm(total=n_batches, desc="bc", disable=not progress, mininterval=1.0) as bar:
            for i in range(n_batches):
                idx = next(batch_iter)
                dist = self.policy.get_distribution(self._obs[idx])
                logp = dist.log_prob(self._acts[idx])
                neglogp = -logp.mean()
                entropy = dist.entropy()
                ent = entropy.mean() if entropy is not None else torch.zeros(())
                l2_norm = parameters_to_vector(params).square().sum()
                loss = neglogp - self.ent_weight * ent + self.l2_weight * l2_norm
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                self.optimizer.step()
                self.steps_done += 1
                if i % log_interval == 0 or i == n_batches - 1:
                    self._log(loss, neglogp, ent, l2_norm, logp)
                    bar.update(i + 1 - bar.n)
        self.policy.set_training_mode(False)

    def _log(
        self,
        loss: torch.Tensor,
        neglogp: torch.Tensor,
        ent: torch.Tensor,
        l2: torch.Tensor,
        logp: torch.Tensor,
    ) -> None:
        step = self.steps_done
        self.logger.record("bc/loss", loss.item(), step)
        self.logger.record("bc/neglogp", neglogp.item(), step)
        self.logger.record("bc/entropy", ent.item(), step)
        self.logger.record("bc/l2_norm", l2.item(), step)
        self.logger.record("bc/prob_true_act", logp.detach().exp().mean().item(), step)

    def _batch_indices(self) -> Iterator[torch.Tensor]:
        """Endless minibatch indices: a fresh permutation per epoch from ``rng``."""
        while True:
            perm = torch.from_numpy(self.rng.permutation(self.n_samples))
            for start in range(0, self.n_samples, self.batch_size):
                yield perm[start : start + self.batch_size]


def actor_parameters(policy: ActorCriticPolicy) -> list[torch.nn.Parameter]:
    """Parameters that shape the action distribution (the critic plays no part in BC)."""
    critic = {id(p) for p in policy.mlp_extractor.value_net.parameters()}
    critic |= {id(p) for p in policy.value_net.parameters()}
    return [p for p in policy.parameters() if id(p) not in critic]
