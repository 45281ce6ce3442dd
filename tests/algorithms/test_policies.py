import numpy as np
import torch
from stable_baselines3 import PPO

from imitation_mlflow.algorithms.policies import RunningNorm, make_policy, save_policy_zip
from imitation_mlflow.config import PolicyConfig
from imitation_mlflow.envs import make_venv


def test_running_norm_matches_numpy_over_batches(rng):
    data = rng.normal(3.0, 2.0, size=(300, 4)).astype(np.float32)
    norm = RunningNorm(4)
    norm.train()
    for chunk in np.array_split(data, 7):
        norm(torch.as_tensor(chunk))
    np.testing.assert_allclose(norm.running_mean.numpy(), data.mean(0), rtol=1e-5)
    np.testing.assert_allclose(norm.running_var.numpy(), data.var(0), rtol=1e-4)
    assert norm.count.item() == 300


def test_running_norm_frozen_in_eval_mode():
    norm = RunningNorm(2)
    norm.eval()
    out = norm(torch.tensor([[10.0, -10.0]]))
    assert norm.count.item() == 0
    torch.testing.assert_close(out, torch.tensor([[10.0, -10.0]]) / np.sqrt(1 + 1e-5))


def test_policy_is_two_32_unit_layers_with_normaliser():
    venv = make_venv("seals/CartPole-v0", num_vec=1, seed=0)
    policy = make_policy(venv.observation_space, venv.action_space, PolicyConfig())
    sizes = [m.out_features for m in policy.mlp_extractor.policy_net if hasattr(m, "out_features")]
    assert sizes == [32, 32]
    assert hasattr(policy.features_extractor, "normalize")


def test_saved_zip_loads_with_ppo_and_acts_the_same(tmp_path, rng):
    venv = make_venv("seals/CartPole-v0", num_vec=2, seed=0)
    policy = make_policy(venv.observation_space, venv.action_space, PolicyConfig())
    policy.set_training_mode(True)
    policy.get_distribution(torch.as_tensor(rng.normal(2, 3, (64, 4)), dtype=torch.float32))
    policy.set_training_mode(False)
    loaded = PPO.load(save_policy_zip(policy, venv, tmp_path / "p.zip"), device="cpu").policy
    obs = rng.normal(size=(16, 4)).astype(np.float32)
    np.testing.assert_array_equal(
        loaded.predict(obs, deterministic=True)[0], policy.predict(obs, deterministic=True)[0]
    )
    torch.testing.assert_close(
        loaded.features_extractor.normalize.running_mean,
        policy.features_extractor.normalize.running_mean,
    )
