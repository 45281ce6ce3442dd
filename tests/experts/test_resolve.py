import pytest

from imitation_mlflow.config import ExpertConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.resolve import load_expert, resolve_expert
from imitation_mlflow.experts.shipped import shipped_envs, shipped_expert_path


def test_cartpole_expert_is_shipped():
    assert "seals/CartPole-v0" in shipped_envs()
    ref = resolve_expert("seals/CartPole-v0")
    assert ref.origin == "shipped" and ref.path == shipped_expert_path("seals/CartPole-v0")
    assert len(ref.sha256) == 64
    assert load_expert(ref).observation_space.shape == (4,)


def test_explicit_path_wins(tmp_path):
    path = str(shipped_expert_path("seals/CartPole-v0"))
    assert resolve_expert("seals/CartPole-v0", ExpertConfig(path=path)).origin == "path"


def test_missing_expert_names_the_fix():
    with pytest.raises(UserError, match="expert.path") as info:
        resolve_expert("seals/MountainCar-v0")
    assert "--expert-path" in str(info.value)
    with pytest.raises(UserError, match="does not exist"):
        resolve_expert("seals/MountainCar-v0", ExpertConfig(path="/nonexistent/ppo.zip"))


def test_corrupt_expert_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="SB3 PPO zip"):
        load_expert(resolve_expert("seals/CartPole-v0", ExpertConfig(path=str(bad))))
