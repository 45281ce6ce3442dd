import numpy as np
import pytest

from imitation_mlflow.data import (
    Trajectory,
    flatten_trajectories,
    generate_trajectories,
    trajectory_stats,
)
from imitation_mlflow.data.rollouts import episode_targets
from imitation_mlflow.envs import make_venv


def test_episode_targets_split_evenly():
    assert episode_targets(10, 4).tolist() == [2, 2, 3, 3]
    assert episode_targets(3, 8).sum() == 3


def test_generate_exact_number_of_whole_episodes():
    venv = make_venv("seals/CartPole-v0", num_vec=3, seed=0, max_episode_steps=7)
    rng = np.random.default_rng(0)
    trajs = generate_trajectories(lambda obs: rng.integers(0, 2, len(obs)), venv, 5)
    assert len(trajs) == 5
    for traj in trajs:
        assert traj.obs.shape == (8, 4) and traj.acts.shape == (7,) and traj.rews.shape == (7,)
        assert not traj.terminal  # seals CartPole only ends at its time limit


def test_same_seed_same_trajectories():
    def collect():
        venv = make_venv("seals/CartPole-v0", num_vec=2, seed=4, max_episode_steps=5)
        return generate_trajectories(lambda obs: np.zeros(len(obs), dtype=int), venv, 4)

    for a, b in zip(collect(), collect()):
        np.testing.assert_array_equal(a.obs, b.obs)


def test_flatten_and_stats_by_hand():
    t1 = Trajectory(
        obs=np.arange(4.0).reshape(4, 1),
        acts=np.zeros(3),
        rews=np.array([1.0, 2, 3]),
        terminal=True,
    )
    t2 = Trajectory(obs=np.zeros((2, 1)), acts=np.ones(1), rews=np.array([4.0]), terminal=False)
    flat = flatten_trajectories([t1, t2])
    assert flat.obs[:, 0].tolist() == [0, 1, 2, 0]
    assert flat.next_obs[:, 0].tolist() == [1, 2, 3, 0]
    assert flat.dones.tolist() == [False, False, True, True]
    stats = trajectory_stats([t1, t2])
    assert stats["n_traj"] == 2
    assert stats["monitor_return_mean"] == 5.0 and stats["monitor_return_std"] == 1.0
    assert stats["len_mean"] == 2.0


def test_inconsistent_trajectory_rejected():
    with pytest.raises(ValueError, match="inconsistent"):
        Trajectory(obs=np.zeros((3, 1)), acts=np.zeros(3), rews=np.zeros(3), terminal=True)
