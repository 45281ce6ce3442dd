"""Roll out a policy in a vectorized environment and keep whole episodes."""

from __future__ import annotations

from collections.abc import Callable

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
    num_envs = venv.num_envs
    targets = episode_targets(n_episodes, num_envs)
    counts = np.zeros(num_envs, dtype=int)
    obs = np.asarray(venv.reset())
    obs_buf: list[list[np.ndarray]] = [[o] for o in obs]
    act_buf: list[list[np.ndarray]] = [[] for _ in range(num_envs)]
    rew_buf: list[list[float]] = [[] for _ in range(num_envs)]
    finished: list[list[Trajectory]] = [[] for _ in range(num_envs)]
    with tqdm(total=n_episodes, desc=desc, disable=desc is None, mininterval=1.0) as bar:
        while (counts < targets).any():
            acts = act_fn(obs)
            stepped, rews, dones, infos = venv.step(acts)
            next_obs = np.asarray(stepped)
            for i in range(num_envs):
                act_buf[i].append(acts[i])
                rew_buf[i].append(float(rews[i]))
                if dones[i]:
                    if counts[i] < targets[i]:
                        final = infos[i]["terminal_observation"]
                        truncated = infos[i].get("TimeLimit.truncated", False)
                        finished[i].append(
                            Trajectory(
                                obs=np.stack([*obs_buf[i], final]),
                                acts=np.stack(act_buf[i]),
                                rews=np.asarray(rew_buf[i], dtype=np.float32),
                                terminal=not truncated,
                            )
                        )
                        counts[i] += 1
                        bar.update(1)
                    obs_buf[i], act_buf[i], rew_buf[i] = [next_obs[i]], [], []
                else:
                    obs_buf[i].append(next_obs[i])
            obs = next_obs
    # Interleave by env so the order does not depend on which env finishes first.
    return [traj for group in zip(*_pad(finished)) for traj in group if traj is not None]


def _pad(groups: list[list[Trajectory]]) -> list[list[Trajectory | None]]:
    longest = max(len(g) for g in groups)
    return [list(g) + [None] * (longest - len(g)) for g in groups]
