import numpy as np
import pytest

from imitation_mlflow.envs import env_states, make_venv, rollout_num_vec, set_env_states


def _steps(venv, actions):
    return [venv.step(a) for a in actions]


@pytest.mark.parametrize("gym_id", ["seals/CartPole-v0", "seals/HalfCheetah-v1", "seals/Ant-v1"])
def test_a_saved_state_continues_exactly(gym_id):
    venv = make_venv(gym_id, num_vec=2, seed=0, max_episode_steps=25)
    venv.reset()
    rng = np.random.default_rng(0)
    sample = lambda: np.stack([venv.action_space.sample() for _ in range(2)])  # noqa: E731
    venv.action_space.seed(1)
    for _ in range(30):  # across an episode boundary: Monitor and the time limit have state
        venv.step(sample())
    saved = env_states(venv)
    actions = [sample() for _ in range(60)]
    expected = _steps(venv, actions)
    other = make_venv(gym_id, num_vec=2, seed=int(rng.integers(1000)), max_episode_steps=25)
    other.reset()
    set_env_states(other, saved)
    for (obs, rew, done, infos), (obs2, rew2, done2, infos2) in zip(
        expected, _steps(other, actions)
    ):
        np.testing.assert_array_equal(obs, obs2)
        np.testing.assert_array_equal(rew, rew2)
        np.testing.assert_array_equal(done, done2)
        episodes = [{k: i["episode"][k] for k in "rl"} for i in infos if "episode" in i]
        assert episodes == [{k: i["episode"][k] for k in "rl"} for i in infos2 if "episode" in i]


def test_subprocess_envs_have_no_readable_state():
    venv = make_venv("seals/CartPole-v0", num_vec=1, seed=0, parallel=True)
    try:
        assert env_states(venv) is None
    finally:
        venv.close()


def test_rollout_env_count():
    assert rollout_num_vec(50) == 50 and rollout_num_vec(500) == 64 and rollout_num_vec(5, 2) == 2
