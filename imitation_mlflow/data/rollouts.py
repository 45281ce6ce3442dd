"""Roll out a policy in a vectorized environment and keep whole episodes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from stable_baselines3.common.vec_env import VecEnv
from tqdm.auto import tqdm

from imitation_mlflow.data.trajectories import Trajectory

ActFn = Callable[[np.ndarray], np.ndarray]
"""Maps a ``(num_envs, *obs_shape)`` batch of observations to ``(num_envs, *act_shape)`` actions."""


def episode_targets(n_episodes: int, num_envs: int) -> np.ndarray:
    """Episodes each env copy must finish, so that short episodes are not over-represented.

    Returns:
        ``(num_envs,)`` counts summing to ``n_episodes``.

    """
    return np.array([(n_episodes + i) // num_envs for i in range(num_envs)], dtype=int)


class EpisodeCollector:
    """Collects exactly ``n_episodes`` complete episodes from ``venv``, one vector step at a time.

    The env is reset first, so the episodes depend only on the env's seed and on the actions
    fed to :meth:`step`. Several collectors can be fed side by side (one per seed).
    """

    def __init__(self, venv: VecEnv, n_episodes: int) -> None:
        self.venv = venv
        num_envs = venv.num_envs
        self.targets = episode_targets(n_episodes, num_envs)
        self.counts = np.zeros(num_envs, dtype=int)
        self.obs = np.asarray(venv.reset())
        """The observations the next actions are taken in, ``(num_envs, *obs_shape)``."""
        self._obs_buf: list[list[np.ndarray]] = [[o] for o in self.obs]
        self._act_buf: list[list[np.ndarray]] = [[] for _ in range(num_envs)]
        self._rew_buf: list[list[float]] = [[] for _ in range(num_envs)]
        self._finished: list[list[Trajectory]] = [[] for _ in range(num_envs)]

    @property
    def done(self) -> bool:
        """Whether every env copy has finished its episodes."""
        return not (self.counts < self.targets).any()

    def step(self, acts: np.ndarray) -> int:
        """Step every env copy with ``acts``; returns how many episodes this step completed."""
        stepped, rews, dones, infos = self.venv.step(acts)
        next_obs = np.asarray(stepped)
        completed = 0
        for i in range(self.venv.num_envs):
            self._act_buf[i].append(acts[i])
            self._rew_buf[i].append(float(rews[i]))
            if not dones[i]:
                self._obs_buf[i].append(next_obs[i])
                continue
            if self.counts[i] < self.targets[i]:
                self._finished[i].append(self._trajectory(i, infos[i]))
                self.counts[i] += 1
                completed += 1
            self._obs_buf[i], self._act_buf[i], self._rew_buf[i] = [next_obs[i]], [], []
        self.obs = next_obs
        return completed

    def _trajectory(self, i: int, info: dict[str, Any]) -> Trajectory:
        return Trajectory(
            obs=np.stack([*self._obs_buf[i], info["terminal_observation"]]),
            acts=np.stack(self._act_buf[i]),
            rews=np.asarray(self._rew_buf[i], dtype=np.float32),
            terminal=not info.get("TimeLimit.truncated", False),
        )

    def trajectories(self) -> list[Trajectory]:
        """The episodes, interleaved by env copy so the order does not depend on timing."""
        longest = max(len(group) for group in self._finished)
        padded = [[*group, *[None] * (longest - len(group))] for group in self._finished]
        return [traj for row in zip(*padded) for traj in row if traj is not None]


def generate_trajectories(
    act_fn: ActFn,
    venv: VecEnv,
    n_episodes: int,
    *,
    desc: str | None = None,
) -> list[Trajectory]:
    """Collect exactly ``n_episodes`` complete episodes of ``act_fn`` in ``venv``.

    The env is reset first, so the result depends only on the env's seed and on the
    randomness inside ``act_fn``.
    """
    collector = EpisodeCollector(venv, n_episodes)
    with tqdm(total=n_episodes, desc=desc, disable=desc is None, mininterval=1.0) as bar:
        while not collector.done:
            bar.update(collector.step(act_fn(collector.obs)))
    return collector.trajectories()
