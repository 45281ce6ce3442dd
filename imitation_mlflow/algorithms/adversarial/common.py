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
import time
from collections.abc import Callable

import numpy as np
import torch
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import VecEnv, VecEnvWrapper
from stable_baselines3.common.vec_env.base_vec_env import VecEnvStepReturn
from torch import nn

from imitation_mlflow.algorithms.logger import MetricLogger
from imitation_mlflow.algorithms.policies import RunningNorm
from imitation_mlflow.algorithms.sb3_logging import sb3_logger
from imitation_mlflow.data.trajectories import Transitions, concatenate_transitions

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
        self._obs: np.ndarray | None = None
        self._acts: np.ndarray | None = None
        self.samples: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def reset(self) -> np.ndarray:
        """Reset the envs and remember the first observations."""
        obs = np.asarray(self.venv.reset())
        self._obs = obs
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
        assert self._obs is not None and self._acts is not None
        rewards = self.reward_fn(self._obs, self._acts, next_obs, dones)
        self.samples.append((self._obs, self._acts, next_obs, dones.copy()))
        self._obs = obs
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


class AdversarialTrainer(abc.ABC):
    """Alternates PPO generator rounds and discriminator updates."""

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
        self.reward_norm: nn.Module | None = RunningNorm(1) if normalize_reward else None
        self.venv = RewardRelabel(venv, self._generator_reward)
        gen_algo.set_env(self.venv)
        gen_algo.set_logger(sb3_logger(logger, "gen"))
        self.round_steps = gen_algo.n_steps * venv.num_envs
        self.replay = ReplayBuffer(gen_replay_buffer_capacity or self.round_steps)
        self.round = 0
        self.disc_steps = 0

    @abc.abstractmethod
    def logits(self, batch: Transitions) -> torch.Tensor:
        """Discriminator logits, high for expert-like transitions, ``(batch,)``."""

    @abc.abstractmethod
    def reward_from_logits(self, batch: Transitions) -> torch.Tensor:
        """The generator's reward for a batch of its own transitions, ``(batch,)``."""

    def _generator_reward(
        self, obs: np.ndarray, acts: np.ndarray, next_obs: np.ndarray, dones: np.ndarray
    ) -> np.ndarray:
        batch = Transitions(obs=obs, acts=acts, next_obs=next_obs, dones=dones)
        with torch.no_grad():
            self.reward_net.eval()
            reward = self.reward_from_logits(batch)
            if self.reward_norm is not None:
                self.reward_norm.train()
                reward = self.reward_norm(reward.unsqueeze(1)).squeeze(1)
        return reward.numpy()

    def train(
        self,
        total_timesteps: int,
        *,
        on_round: Callable[[int], None] | None = None,
    ) -> None:
        """Run ``total_timesteps // round_steps`` rounds (at least one)."""
        n_rounds = max(1, total_timesteps // self.round_steps)
        while self.round < n_rounds:
            started = time.perf_counter()
            self.gen_algo.learn(total_timesteps=self.round_steps, reset_num_timesteps=False)
            self.replay.add(self.venv.pop_samples())
            for _ in range(self.n_disc_updates_per_round):
                self.train_disc()
            self.round += 1
            steps = self.gen_algo.num_timesteps
            self.logger.record(
                "time/fps", self.round_steps / (time.perf_counter() - started), steps
            )
            self.logger.record("gen/round", self.round, steps)
            if on_round is not None:
                on_round(self.round)

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
        with torch.no_grad():
            predicted = logits > 0
            expert_acc = predicted[: self.demo_batch_size].float().mean().item()
            generated_acc = (~predicted[self.demo_batch_size :]).float().mean().item()
        step = self.gen_algo.num_timesteps
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
