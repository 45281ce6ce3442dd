"""Frozen trajectory and transition containers, and their return statistics."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class Trajectory:
    """One episode.

    Attributes:
        obs: ``(T + 1, *obs_shape)`` observations, including the final one.
        acts: ``(T, *act_shape)`` actions taken.
        rews: ``(T,)`` true environment rewards.
        terminal: whether the episode ended in a terminal state (not a time limit).

    """

    obs: np.ndarray
    acts: np.ndarray
    rews: np.ndarray
    terminal: bool

    def __post_init__(self) -> None:
        if len(self.obs) != len(self.acts) + 1 or len(self.rews) != len(self.acts):
            raise ValueError(
                f"inconsistent trajectory lengths: obs {len(self.obs)}, acts {len(self.acts)}, "
                f"rews {len(self.rews)} (need obs = acts + 1 = rews + 1)"
            )

    def __len__(self) -> int:
        return len(self.acts)


@dataclasses.dataclass(frozen=True)
class Transitions:
    """A flat batch of ``N`` transitions.

    Attributes:
        obs: ``(N, *obs_shape)``.
        acts: ``(N, *act_shape)``.
        next_obs: ``(N, *obs_shape)``.
        dones: ``(N,)`` true where the transition ends an episode.

    """

    obs: np.ndarray
    acts: np.ndarray
    next_obs: np.ndarray
    dones: np.ndarray

    def __len__(self) -> int:
        return len(self.acts)

    def take(self, index: np.ndarray | slice) -> Transitions:
        """The transitions at ``index`` (an index array or a slice)."""
        return Transitions(
            self.obs[index], self.acts[index], self.next_obs[index], self.dones[index]
        )


def concatenate_transitions(parts: list[Transitions]) -> Transitions:
    """One batch holding every transition of ``parts``, in order."""
    return Transitions(
        obs=np.concatenate([p.obs for p in parts]),
        acts=np.concatenate([p.acts for p in parts]),
        next_obs=np.concatenate([p.next_obs for p in parts]),
        dones=np.concatenate([p.dones for p in parts]),
    )


def flatten_trajectories(trajectories: list[Trajectory]) -> Transitions:
    """Concatenate episodes into one batch of transitions."""
    if not trajectories:
        raise ValueError("no trajectories to flatten")
    dones = []
    for traj in trajectories:
        done = np.zeros(len(traj), dtype=bool)
        done[-1] = True
        dones.append(done)
    return Transitions(
        obs=np.concatenate([t.obs[:-1] for t in trajectories]),
        acts=np.concatenate([t.acts for t in trajectories]),
        next_obs=np.concatenate([t.obs[1:] for t in trajectories]),
        dones=np.concatenate(dones),
    )


def episode_stats(returns: np.ndarray, lengths: np.ndarray) -> dict[str, float]:
    """Sacred-style statistics of ``(n_traj,)`` episode returns and lengths.

    The returns are the true environment returns (what Monitor records), so they are
    reported both as ``return_*`` and ``monitor_return_*`` like the published results.
    """
    returns = np.asarray(returns, dtype=float)
    lengths = np.asarray(lengths, dtype=float)
    stats: dict[str, float] = {"n_traj": int(len(returns))}
    for prefix, values in (("return", returns), ("monitor_return", returns), ("len", lengths)):
        stats[f"{prefix}_min"] = float(values.min())
        stats[f"{prefix}_mean"] = float(values.mean())
        stats[f"{prefix}_std"] = float(values.std())
        stats[f"{prefix}_max"] = float(values.max())
    return stats


def trajectory_stats(trajectories: list[Trajectory]) -> dict[str, float]:
    """Return statistics of a set of episodes (e.g. the expert demonstrations used)."""
    returns = np.array([float(t.rews.sum()) for t in trajectories])
    lengths = np.array([len(t) for t in trajectories])
    return episode_stats(returns, lengths)
