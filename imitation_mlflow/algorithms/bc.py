"""Behavioral cloning: maximise the likelihood of expert actions (with entropy and L2 terms).

Seeds of one config train side by side (:func:`train_together`): their actors run as one
stacked computation and one Adam over the stacked parameters, which is K independent
Adams since Adam is element-wise. A single run is the case of one seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from gymnasium import spaces
from stable_baselines3.common.policies import ActorCriticPolicy

from imitation_mlflow.algorithms.base import RoundCallback, RoundEnd
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.stacked import StackedActor, actor_parameter_names
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
        self.lr = lr
        self.l2_weight = l2_weight
        self.ent_weight = ent_weight
        self.logger = logger
        self.rng = rng
        self.log_interval = log_interval
        named = dict(policy.named_parameters())
        self.params = [named[name] for name in actor_parameter_names(policy)]
        self.optimizer = torch.optim.Adam(self.params, lr=lr, foreach=True)
        """Holds this seed's Adam state between trainings (and in checkpoints)."""
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
        train_together([self], [total], [callback])

    def settings(self) -> tuple[int, float, float, float, int]:
        """The hyperparameters seeds must share to train together."""
        return (self.batch_size, self.lr, self.l2_weight, self.ent_weight, self.log_interval)

    def lockstep_key(self) -> tuple[int, ...]:
        """Learners with equal keys take the same-sized minibatches at the same steps."""
        return (self.n_samples, self.steps_done, self._cursor, len(self._order))

    def log_step(self, values: list[float]) -> None:
        """Record the curves of the step just taken: loss, neglogp, entropy, l2, p(true act)."""
        names = ("loss", "neglogp", "entropy", "l2_norm", "prob_true_act")
        for name, value in zip(names, values, strict=True):
            self.logger.record(f"bc/{name}", value, self.steps_done)

    def _next_batch(self) -> np.ndarray:
        """Indices of the next minibatch; a fresh permutation from ``rng`` starts each epoch."""
        if self._cursor >= len(self._order):
            self._order = self.rng.permutation(self.n_samples)
            self._cursor = 0
        batch = self._order[self._cursor : self._cursor + self.batch_size]
        self._cursor += len(batch)
        return batch

    @classmethod
    def train_together(
        cls,
        learners: Sequence[BC],
        totals: Sequence[int],
        callbacks: Sequence[RoundCallback | None],
    ) -> None:
        """Seeds side by side: :func:`train_together`."""
        train_together(learners, totals, callbacks)

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


def train_together(
    learners: Sequence[BC], totals: Sequence[int], callbacks: Sequence[RoundCallback | None]
) -> None:
    """Train each learner until it has taken ``totals[i]`` steps, seeds side by side.

    Learners that stand at the same point of equally sized data step together as one
    batched computation; the others follow in their own groups. Every learner sees the
    same minibatches, updates and callbacks as if it trained alone.
    """
    if len({learner.settings() for learner in learners}) > 1:
        raise ValueError("seeds train together only with the same BC settings")
    pending = list(zip(learners, totals, callbacks, strict=True))
    while pending := [job for job in pending if job[0].steps_done < job[1]]:
        key = pending[0][0].lockstep_key()
        group = [job for job in pending if job[0].lockstep_key() == key]
        _Lockstep([job[0] for job in group]).run(
            until=min(job[1] for job in group),
            totals=[job[1] for job in group],
            callbacks=[job[2] for job in group],
        )


class _Lockstep:
    """Learners at the same point trained as one stacked actor with one Adam."""

    def __init__(self, learners: list[BC]) -> None:
        self.learners = learners
        first = learners[0]
        self.actor = StackedActor([learner.policy for learner in learners])
        self.optimizer = torch.optim.Adam(self.actor.parameters, lr=first.lr, foreach=True)
        _stack_optimizer_state(learners, self.actor, self.optimizer)
        self.obs = torch.stack([learner._obs for learner in learners])
        self.acts = torch.stack([learner._acts for learner in learners])
        self.seed_index = torch.arange(len(learners)).unsqueeze(1)

    def run(self, *, until: int, totals: list[int], callbacks: list[RoundCallback | None]) -> None:
        """Step until the learners have taken ``until`` steps (each logs toward its total)."""
        first = self.learners[0]
        while first.steps_done < until:
            batch = np.stack([learner._next_batch() for learner in self.learners])
            step = first.steps_done
            log = [step % first.log_interval == 0 or step + 1 == total for total in totals]
            self._step(torch.from_numpy(batch), log)
            if first._cursor >= len(first._order):
                self._write_back()
                for learner, callback in zip(self.learners, callbacks, strict=True):
                    learner.epochs_done += 1
                    if callback is not None:
                        callback(RoundEnd(round=learner.epochs_done, done=learner.steps_done))
        self._write_back()

    def _step(self, indices: torch.Tensor, log: list[bool]) -> None:
        first = self.learners[0]
        dist = self.actor.distribution(self.obs[self.seed_index, indices])
        logp = dist.log_prob(self.acts[self.seed_index, indices])
        neglogp = -logp.mean(1)
        ent = dist.entropy().mean(1)
        l2_norm = self.actor.l2_norms()
        loss = neglogp - first.ent_weight * ent + first.l2_weight * l2_norm
        self.optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        self.optimizer.step()
        for learner in self.learners:
            learner.steps_done += 1
        if any(log):
            with torch.no_grad():
                prob = logp.exp().mean(1)
                rows = torch.stack([loss, neglogp, ent, l2_norm, prob], dim=1).tolist()
            for learner, row, wanted in zip(self.learners, rows, log, strict=True):
                if wanted:
                    learner.log_step(row)

    def _write_back(self) -> None:
        self.actor.write_back()
        _unstack_optimizer_state(self.learners, self.actor, self.optimizer)


ADAM_STATE = ("exp_avg", "exp_avg_sq")


def _stack_optimizer_state(
    learners: list[BC], actor: StackedActor, optimizer: torch.optim.Optimizer
) -> None:
    """Load the learners' own Adam states (if they have stepped) into the stacked Adam."""
    for j, stacked in enumerate(actor.parameters):
        found = [learner.optimizer.state.get(learner.params[j]) for learner in learners]
        states = [state for state in found if state]
        if len(states) < len(learners):
            continue
        optimizer.state[stacked] = {
            "step": states[0]["step"].clone(),
            **{key: torch.stack([state[key] for state in states]) for key in ADAM_STATE},
        }


def _unstack_optimizer_state(
    learners: list[BC], actor: StackedActor, optimizer: torch.optim.Optimizer
) -> None:
    """Give each learner its slice of the stacked Adam's state."""
    for j, stacked in enumerate(actor.parameters):
        state = optimizer.state.get(stacked)
        if not state:
            continue
        for k, learner in enumerate(learners):
            learner.optimizer.state[learner.params[j]] = {
                "step": state["step"].clone(),
                **{key: state[key][k].clone() for key in ADAM_STATE},
            }
