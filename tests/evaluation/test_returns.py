import numpy as np
import pytest

from imitation_mlflow.envs import make_venv
from imitation_mlflow.errors import UserError
from imitation_mlflow.evaluation import UniformRandomPolicy, evaluate, normalized_score
from imitation_mlflow.evaluation.random_baseline import random_policy_stats


def test_normalized_score_by_hand():
    assert normalized_score(50.0, 100.0, 0.0) == 0.5
    assert normalized_score(-10.0, 90.0, -10.0) == 0.0
    assert normalized_score(90.0, 90.0, -10.0) == 1.0


def test_evaluate_counts_episodes_and_is_seeded():
    venv = make_venv("seals/CartPole-v0", num_vec=4, seed=0, max_episode_steps=20)
    policy = UniformRandomPolicy(venv.action_space, seed=1)
    stats = evaluate(policy, venv, 10, deterministic=False, seed=3)
    assert stats["n_traj"] == 10 and stats["len_mean"] == 20
    policy = UniformRandomPolicy(venv.action_space, seed=1)
    again = evaluate(policy, venv, 10, deterministic=False, seed=3)
    assert again == stats


def test_random_score_is_cached(session_cache):
    first = random_policy_stats("seals/MountainCar-v0", n_episodes=4)
    assert first["n_traj"] == 4 and first["monitor_return_mean"] == pytest.approx(-200.0)
    cached = list((session_cache / "random_scores").glob("random-seals-MountainCar-v0-n4.json"))
    assert len(cached) == 1
    assert random_policy_stats("seals/MountainCar-v0", n_episodes=4) == first


def test_unknown_env_id_lists_seals_ids():
    with pytest.raises(UserError, match="seals/CartPole-v0"):
        make_venv("seals/CartPol-v0", num_vec=1, seed=0)


def test_uniform_random_policy_shapes():
    venv = make_venv("seals/Swimmer-v1", num_vec=2, seed=0)
    actions, _ = UniformRandomPolicy(venv.action_space, seed=0).predict(np.zeros((2, 10)))
    assert actions.shape == (2, 2)
