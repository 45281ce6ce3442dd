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


@pytest.mark.parametrize("gym_id", ["seals/CartPole-v0", "seals/HalfCheetah-v1"])
def test_seeded_actions_draw_what_sb3_draws_after_manual_seed(gym_id):
    import torch
    from stable_baselines3 import PPO

    from imitation_mlflow.evaluation.returns import SeededActions

    venv = make_venv(gym_id, num_vec=3, seed=0)
    policy = PPO("MlpPolicy", venv, seed=0, device="cpu").policy
    assert SeededActions.supports(policy)
    seeded = SeededActions(policy, seed=7)
    torch.manual_seed(7)
    obs = venv.reset()
    for _ in range(5):
        ours, _ = seeded.predict(obs)
        theirs, _ = policy.predict(obs, deterministic=False)
        np.testing.assert_array_equal(ours, theirs)
        obs, *_ = venv.step(ours)


def test_in_process_vec_env_hands_out_infos_callers_can_keep():
    venv = make_venv("seals/CartPole-v0", num_vec=2, seed=0, max_episode_steps=3)
    venv.reset()
    kept = []
    for _ in range(3):
        _, _, dones, infos = venv.step(np.zeros(2, dtype=np.int64))
        kept.append(infos)
    assert dones.all() and "terminal_observation" in kept[-1][0]
    assert all("terminal_observation" not in info for info in kept[0])  # not aliased
    kept[0][0]["mine"] = 1
    assert "mine" not in venv.buf_infos[0]
