"""Behavioral cloning: maximise the likelihood of expert actions (with entropy and L2 terms)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy
from torch.nn.utils import parameters_to_vector

from imitation_mlflow.algorithms.base import RoundCallback, RoundEnd
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.data.trajectories import Transitions


class BC:
    """Trains ``policy`` on expert transitions by minibatch Adam; a round is one epoch.

    loss = -mean log pi(a|s) - ent_weight * mean entropy + l2_weight * ||theta||^2, over the
    actor's parameters. Minibatches follow a fresh permutation of the data per epoch, drawn
    from ``rng``. The budget of :meth:`train` counts gradient steps.
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
        log_interval: int = 500,
    ) -> None:
        self._policy = policy
        self.batch_size = batch_size
        self.l2_weight = l2_weight
        self.ent_weight = ent_weight
        self.logger = logger
        self.rng = rng
        self.log_interval = log_interval
        self.params = actor_parameters(policy)
        self.optimizer = torch.optim.Adam(self.params, lr=lr, fused=True)
        self.steps_done = 0
        self.epochs_done = 0
        self._obs = torch.empty(0)
        self._acts = torch.empty(0)
        self._order = np.empty(0, dtype=np.int64)
        self._cursor = 0
        self.set_demonstrations(demonstrations)

    @property
    def policy(self) -> ActorCriticPolicy:
        """The policy being trained."""
        return self._policy

    @property
    def done(self) -> int:
        """Gradient steps taken so far."""
        return self.steps_done

    def set_demonstrations(self, demonstrations: Transitions) -> None:
        """Replace the training data (DAgger grows it every round); a new epoch starts."""
        self._obs = torch.as_tensor(demonstrations.obs, dtype=torch.float32)
        acts = torch.as_tensor(demonstrations.acts)
        if isinstance(self._policy.action_space, spaces.Discrete):
            acts = acts.long().reshape(-1)
        else:
            acts = acts.float()
        self._acts = acts
        self._order = np.empty(0, dtype=np.int64)
        self._cursor = 0

    @property
    def n_samples(self) -> int:
        """Number of transitions trained on."""
        return len(self._acts)

    def batches_per_epoch(self) -> int:
        """Minibatches in one pass over the data (the last one may be smaller)."""
        return math.ceil(self.n_samples / self.batch_size)

    def train(self, total: int, *, callback: RoundCallback | None = None) -> None:
        """Take gradient steps until ``total`` are done; ``callback`` after each full epoch.

        Curves ``bc/loss``, ``bc/neglogp``, ``bc/entropy``, ``bc/l2_norm`` and
        ``bc/prob_true_act`` are recorded every ``log_interval`` steps and at the last one.
        """
        self._policy.set_training_mode(True)
        while self.steps_done < total:
            indices = torch.from_numpy(self._next_batch())
            log = self.steps_done % self.log_interval == 0 or self.steps_done + 1 == total
            self._step(indices, log=log)
            if self._cursor >= len(self._order):
                self.epochs_done += 1
                if callback is not None:
                    callback(RoundEnd(round=self.epochs_done, done=self.steps_done))
        self._policy.set_training_mode(False)

    def _step(self, indices: torch.Tensor, *, log: bool) -> None:
        dist = self._policy.get_distribution(self._obs[indices])
        logp = dist.log_prob(self._acts[indices])
        neglogp = -logp.mean()
        entropy = dist.entropy()
        ent = entropy.mean() if entropy is not None else torch.zeros(())
        l2_norm = parameters_to_vector(self.params).square().sum()
        loss = neglogp - self.ent_weight * ent + self.l2_weight * l2_norm
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.steps_done += 1
        if log:
            step = self.steps_done
            self.logger.record("bc/loss", loss.item(), step)
            self.logger.record("bc/neglogp", neglogp.item(), step)
            self.logger.record("bc/entropy", ent.item(), step)
            self.logger.record("bc/l2_norm", l2_norm.item(), step)
            self.logger.record("bc/prob_true_act", logp.detach().exp().mean().item(), step)

    def _next_batch(self) -> np.ndarray:
        """Indices of the next minibatch; a fresh permutation from ``rng`` starts each epoch."""
        if self._cursor >= len(self._order):
            self._order = self.rng.permutation(self.n_samples)
            self._cursor = 0
        batch = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += len(batch)
        return batch

    def state_dict(self) -> dict[str, Any]:
        """Policy, optimizer, counters, the data order so far and the generator's state."""
        return {
            "policy": self._policy.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "steps_done": self.steps_done,
            "epochs_done": self.epochs_done,
            "order": self._order.copy(),
            "cursor": self._cursor,
            "rng": self.rng.bit_generator.state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` (same data, same config)."""
        self._policy.load_state_dict(state["policy"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.steps_done = int(state["steps_done"])
        self.epochs_done = int(state["epochs_done"])
        self._order = np.asarray(state["order"], dtype=np.int64)
        self._cursor = int(state["cursor"])
        self.rng.bit_generator.state = state["rng"]


def actor_parameters(policy: ActorCriticPolicy) -> list[torch.nn.Parameter]:
    """Parameters that shape the action distribution (the critic plays no part in BC)."""
    critic = {id(p) for p in policy.mlp_extractor.value_net.parameters()}
    critic |= {id(p) for p in policy.value_net.parameters()}
    return [p for p in policy.parameters() if id(p) not in critic]
