"""The adversarial core shared by GAIL and AIRL.

Each round: the generator (SB3 PPO) collects ``n_steps x num_envs`` steps on the learned
reward, relabelled in batch inside the vectorized env, and updates once; then the
discriminator takes ``n_disc_updates_per_round`` binary cross-entropy steps on
``demo_batch_size`` expert and as many generator transitions (from a replay buffer of the
most recent generator samples). Subclasses define the discriminator logit and the
generator's reward.
"""

from __future__ import annotations

import abc
import collections
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.policies import ActorCriticPolicy
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from stable_baselines3.common.vec_env.base_vec_env import VecEnvStepReturn
from torch import nn

from imitation_mlflow.algorithms.base import RoundCallback, RoundEnd
from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.policies import RunningNorm
from imitation_mlflow.algorithms.sb3_logging import sb3_logger
from imitation_mlflow.data.trajectories import Transitions, concatenate_transitions
from imitation_mlflow.envs import env_states, set_env_states


@contextlib.contextmanager
def unvalidated_distributions() -> Iterator[None]:
    """torch.distributions without argument/support validation while inside.

    Validation only checks (finite mean, positive scale, sample in support) and raises on
    failure; the computed values are the same. SB3 builds a ``Normal`` per policy call, and
    the checks cost several small kernels and a synchronising ``all()`` each time.
    """
    before = torch.distributions.Distribution._validate_args
    torch.distributions.Distribution.set_default_validate_args(False)
    try:
        yield
    finally:
        torch.distributions.Distribution.set_default_validate_args(before)


RewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]
"""(obs, acts, next_obs, dones) batches -> ``(num_envs,)`` rewards."""


class RewardRelabel(VecEnvWrapper):
    """Replaces the env's rewards by ``reward_fn`` on each batch of transitions.

    It also keeps the transitions for the discriminator. Monitor (inside) still records
    the true returns.
    """

    def __init__(self, venv: VecEnv, reward_fn: RewardFn) -> None:
        super().__init__(venv)
        self.reward_fn = reward_fn
        self.last_obs: np.ndarray | None = None
        """The observations the next actions are taken in."""
        self._acts: np.ndarray | None = None
        self.samples: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def reset(self) -> np.ndarray:
        """Reset the envs and remember the first observations."""
        obs = np.asarray(self.venv.reset())
        self.last_obs = obs
        return obs

    def step_async(self, actions: np.ndarray) -> None:
        """Remember the actions, then step."""
        self._acts = np.asarray(actions)
        self.venv.step_async(actions)

    def step_wait(self) -> VecEnvStepReturn:
        """Step, then swap in the learned rewards computed on the whole batch."""
        obs, _true_rewards, dones, infos = self.venv.step_wait()
        obs = np.asarray(obs)
        next_obs = obs.copy()
        for i in np.flatnonzero(dones):
            next_obs[i] = infos[i]["terminal_observation"]
        assert self.last_obs is not None and self._acts is not None
        rewards = self.reward_fn(self.last_obs, self._acts, next_obs, dones)
        self.samples.append((self.last_obs, self._acts, next_obs, dones.copy()))
        self.last_obs = obs
        return obs, rewards.astype(np.float32), dones, infos

    def pop_samples(self) -> Transitions:
        """The transitions collected since the last call, ``(steps x num_envs, ...)``."""
        obs, acts, next_obs, dones = (np.concatenate(x) for x in zip(*self.samples, strict=True))
        self.samples = []
        return Transitions(obs=obs, acts=acts, next_obs=next_obs, dones=dones)


class ReplayBuffer:
    """The most recent ``capacity`` generator transitions."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.data: Transitions | None = None

    def add(self, batch: Transitions) -> None:
        """Append ``batch``, dropping the oldest transitions beyond capacity."""
        if self.data is not None:
            batch = concatenate_transitions([self.data, batch])
        self.data = batch.take(slice(max(0, len(batch) - self.capacity), None))

    def sample(self, n: int, rng: np.random.Generator) -> Transitions:
        """``n`` transitions drawn uniformly with replacement."""
        assert self.data is not None, "sample after add"
        return self.data.take(rng.integers(len(self.data), size=n))


GENERATOR_STATE = ("num_timesteps", "_n_updates", "_last_obs", "_last_episode_starts")
"""PPO's own counters and rollout position, which ``learn`` carries from round to round."""


class AdversarialTrainer(abc.ABC):
    """Alternates PPO generator rounds and discriminator updates; the budget is env steps."""

    def __init__(
        self,
        *,
        venv: VecEnv,
        demonstrations: Transitions,
        gen_algo: PPO,
        reward_net: nn.Module,
        logger: MetricLogger,
        rng: np.random.Generator,
        demo_batch_size: int,
        n_disc_updates_per_round: int,
        gen_replay_buffer_capacity: int | None,
        disc_lr: float,
        normalize_reward: bool,
    ) -> None:
        self.demonstrations = demonstrations
        self.gen_algo = gen_algo
        self.reward_net = reward_net
        self.logger = logger
        self.rng = rng
        self.demo_batch_size = demo_batch_size
        self.n_disc_updates_per_round = n_disc_updates_per_round
        self.disc_optimizer = torch.optim.Adam(reward_net.parameters(), lr=disc_lr)
        self.reward_norm: nn.Module = RunningNorm(1) if normalize_reward else nn.Identity()
        self.venv = RewardRelabel(venv, self._generator_reward)
        gen_algo.set_env(self.venv)
        gen_algo.set_logger(sb3_logger(logger, "gen"))
        self.round_steps = gen_algo.n_steps * venv.num_envs
        self.replay = ReplayBuffer(gen_replay_buffer_capacity or self.round_steps)
        self.round = 0
        self.disc_steps = 0

    @property
    def policy(self) -> ActorCriticPolicy:
        """The generator's policy: the imitation policy."""
        return self.gen_algo.policy

    @property
    def done(self) -> int:
        """Generator environment steps so far."""
        return int(self.gen_algo.num_timesteps)

    @abc.abstractmethod
    def logits(self, batch: Transitions) -> torch.Tensor:
        """Discriminator logits, high for expert-like transitions, ``(batch,)``."""

    @abc.abstractmethod
    def reward_from_logits(self, batch: Transitions) -> torch.Tensor:
        """The generator's reward for a batch of its own transitions, ``(batch,)``."""

    def reward_modules(self) -> dict[str, nn.Module]:
        """The learned reward networks worth keeping: ``reward_net``."""
        return {"reward_net": self.reward_net}

    def _generator_reward(
        self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray
    ) -> np.ndarray:
        # The modes are set once per round by _generator_round.
        batch = Transitions(obs=obs, acts=acts, next_obs=next_obs, dones=dones)
        with torch.no_grad():
            reward = self.reward_from_logits(batch)
            reward = self.reward_norm(reward.unsqueeze(1)).squeeze(1)
        return reward.numpy()

    def _generator_round(self) -> None:
        """One PPO round (rollout on the learned reward, then the PPO update).

        The reward net is in eval mode and the reward normalizer in training mode for the
        whole rollout (nothing else runs in between), and the Gaussian policy's
        distributions skip argument validation: the same values without the checks.
        """
        self.reward_net.eval()
        self.reward_norm.train()
        with unvalidated_distributions():
            self.gen_algo.learn(total_timesteps=self.round_steps, reset_num_timesteps=False)

    def train(self, total: int, *, callback: RoundCallback | None = None) -> None:
        """Run rounds until ``total // round_steps`` (at least one) are done."""
        n_rounds = max(1, total // self.round_steps)
        while self.round < n_rounds:
            started = time.perf_counter()
            self._generator_round()
            self.gen_algo.logger.dump(self.gen_algo.num_timesteps)  # this round's PPO losses
            self.replay.add(self.venv.pop_samples())
            with unvalidated_distributions():
                for _ in range(self.n_disc_updates_per_round):
                    self.train_disc()
            self.round += 1
            steps = self.done
            self.logger.record(
                "time/fps", self.round_steps / (time.perf_counter() - started), steps
            )
            self.logger.record("gen/round", self.round, steps)
            if callback is not None:
                callback(RoundEnd(round=self.round, done=steps))

    def train_disc(self) -> None:
        """One binary cross-entropy step: expert transitions labelled 1, generator 0."""
        idx = self.rng.integers(len(self.demonstrations), size=self.demo_batch_size)
        expert = self.demonstrations.take(idx)
        generated = self.replay.sample(self.demo_batch_size, self.rng)
        self.reward_net.train()
        logits = torch.cat([self.logits(expert), self.logits(generated)])
        labels = torch.cat([torch.ones(self.demo_batch_size), torch.zeros(self.demo_batch_size)])
        loss = nn.functional.binary_cross_entropy_with_logits(logits, labels)
        self.disc_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.disc_optimizer.step()
        self.disc_steps += 1
        self._log_disc(loss, logits > 0)

    def _log_disc(self, loss: torch.Tensor, predicted: torch.Tensor) -> None:
        with torch.no_grad():
            expert_acc = predicted[: self.demo_batch_size].float().mean().item()
            generated_acc = (~predicted[self.demo_batch_size :]).float().mean().item()
        step = self.done
        self.logger.record("disc/loss", loss.item(), step)
        self.logger.record("disc/accuracy", (expert_acc + generated_acc) / 2, step)
        self.logger.record("disc/expert_accuracy", expert_acc, step)
        self.logger.record("disc/generated_accuracy", generated_acc, step)

    @staticmethod
    def tensors(batch: Transitions) -> tuple[torch.Tensor, ...]:
        """The batch's arrays as tensors (obs, acts, next_obs, dones)."""
        return (
            torch.as_tensor(batch.obs, dtype=torch.float32),
            torch.as_tensor(batch.acts),
            torch.as_tensor(batch.next_obs, dtype=torch.float32),
            torch.as_tensor(batch.dones, dtype=torch.float32),
        )

    def state_dict(self) -> dict[str, Any]:
        """Generator, discriminator, optimizers, replay buffer, counters, generators, envs."""
        gen = self.gen_algo
        return {
            "policy": gen.policy.state_dict(),
            "policy_optimizer": gen.policy.optimizer.state_dict(),
            "generator": {name: getattr(gen, name) for name in GENERATOR_STATE},
            "episode_infos": list(gen.ep_info_buffer or ()),
            "episode_successes": list(gen.ep_success_buffer or ()),
            "reward_net": self.reward_net.state_dict(),
            "reward_norm": self.reward_norm.state_dict(),
            "disc_optimizer": self.disc_optimizer.state_dict(),
            "replay": self.replay.data,
            "round": self.round,
            "disc_steps": self.disc_steps,
            "rng": self.rng.bit_generator.state,
            "last_obs": self.venv.last_obs,
            "envs": env_states(self.venv.venv),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict` (an algorithm built with the same config)."""
        gen = self.gen_algo
        gen.policy.load_state_dict(state["policy"])
        gen.policy.optimizer.load_state_dict(state["policy_optimizer"])
        for name, value in state["generator"].items():
            setattr(gen, name, value)
        window = gen._stats_window_size
        gen.ep_info_buffer = collections.deque(state["episode_infos"], window)
        gen.ep_success_buffer = collections.deque(state["episode_successes"], window)
        self.reward_net.load_state_dict(state["reward_net"])
        self.reward_norm.load_state_dict(state["reward_norm"])
        self.disc_optimizer.load_state_dict(state["disc_optimizer"])
        self.replay.data = state["replay"]
        self.round = int(state["round"])
        self.disc_steps = int(state["disc_steps"])
        self.rng.bit_generator.state = state["rng"]
        if state["envs"] is None:  # subprocess envs: their episodes start again
            gen._last_obs = self.venv.last_obs = None
        else:
            self.venv.last_obs = state["last_obs"]
            set_env_states(self.venv.venv, state["envs"])
