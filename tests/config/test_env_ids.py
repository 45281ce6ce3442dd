import pytest

from imitation_mlflow.config.env_ids import (
    MUJOCO_ENVS,
    env_config_for,
    gym_id_of_config,
    gym_id_of_repo,
    registered_expert_name,
    repo_name,
    slug,
)
from imitation_mlflow.errors import UserError


def test_every_spelling_of_an_environment():
    gym_id = "seals/HalfCheetah-v1"
    assert slug(gym_id) == "seals-HalfCheetah-v1"
    assert repo_name(gym_id) == "ppo-seals-HalfCheetah-v1"
    assert repo_name(gym_id, "random") == "random-seals-HalfCheetah-v1"
    assert gym_id_of_repo(repo_name(gym_id)) == gym_id
    assert registered_expert_name(gym_id) == "expert-seals-HalfCheetah-v1"
    assert env_config_for(gym_id) == "seals_half_cheetah"
    assert env_config_for("Pendulum-v1") == "Pendulum-v1"
    assert gym_id_of_config("seals_walker") == "seals/Walker2d-v1"
    assert {gym_id_of_config(env) for env in MUJOCO_ENVS} >= {gym_id}
    with pytest.raises(UserError, match="valid choices: seals_ant"):
        gym_id_of_config("seals_cheetah")
