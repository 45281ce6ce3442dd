import pytest

from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.store import (
    load_expert,
    resolve_expert,
    shipped_envs,
    shipped_expert_path,
)


def test_cartpole_expert_is_shipped():
    assert "seals/CartPole-v0" in shipped_envs()
    ref = resolve_expert("seals/CartPole-v0", None)
    assert ref.source == "shipped" and ref.path == shipped_expert_path("seals/CartPole-v0")
    assert len(ref.sha256) == 64
    assert load_expert(ref).observation_space.shape == (4,)


def test_explicit_path_wins(tmp_path):
    ref = resolve_expert("seals/CartPole-v0", str(shipped_expert_path("seals/CartPole-v0")))
    assert ref.source == "path"


def test_missing_expert_names_the_fix():
    with pytest.raises(UserError, match="expert.path") as info:
        resolve_expert("seals/MountainCar-v0", None)
    assert "--expert-path" in str(info.value)
    with pytest.raises(UserError, match="does not exist"):
        resolve_expert("seals/MountainCar-v0", "/nonexistent/ppo.zip")


def test_corrupt_expert_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="SB3 PPO zip"):
        load_expert(resolve_expert("seals/CartPole-v0", str(bad)))
