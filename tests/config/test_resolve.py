import dataclasses

import pytest

from imitation_mlflow.config import (
    AdversarialConfig,
    ImitationConfig,
    apply_overrides,
    build_config,
    expand_named,
    flatten,
    named_configs,
    to_dict,
    valid_keys,
)
from imitation_mlflow.config.env_ids import environment_configs
from imitation_mlflow.errors import UserError

MUJOCO = ["seals_ant", "seals_half_cheetah", "seals_hopper", "seals_swimmer", "seals_walker"]


def test_environment_configs_are_the_seven_published_names():
    assert sorted(environment_configs()) == sorted(
        [*MUJOCO, "seals_cartpole", "seals_mountain_car"]
    )


@pytest.mark.parametrize("algo", ["bc", "dagger"])
@pytest.mark.parametrize("env", MUJOCO)
def test_tuned_config_exists_and_sets_its_env(algo, env):
    config = build_config(ImitationConfig, [f"{algo}_{env}"])
    assert config.environment.gym_id == build_config(ImitationConfig, [env]).environment.gym_id


def test_published_values_carried_over():
    cheetah = build_config(ImitationConfig, ["bc_seals_half_cheetah"])
    assert cheetah.bc.batch_size == 64
    assert cheetah.bc.lr == pytest.approx(0.008056922426724927)
    assert cheetah.bc.l2_weight == pytest.approx(0.005728455628518169)
    assert cheetah.bc.n_epochs == 20
    dagger = build_config(ImitationConfig, ["dagger_seals_half_cheetah"])
    assert dagger.dagger.beta_schedule == "exponential"
    assert dagger.dagger.decay_probability == 0.7
    assert dagger.dagger.total_timesteps == 60_000
    swimmer = build_config(ImitationConfig, ["dagger_seals_swimmer"])
    assert (swimmer.dagger.beta_schedule, swimmer.dagger.rampdown_rounds) == ("linear", 15)
    assert swimmer.dagger.rollout_round_min_episodes == 3


def test_later_names_and_updates_win():
    config = build_config(
        ImitationConfig, ["bc_seals_half_cheetah", "seals_hopper"], {"bc.batch_size": "8"}
    )
    assert config.environment.gym_id == "seals/Hopper-v1"
    assert config.bc.batch_size == 8


def test_overrides_coerce_types():
    config = apply_overrides(
        ImitationConfig(),
        {
            "seed": "3",
            "bc.lr": "1e-2",
            "bc.n_epochs": "null",
            "bc.n_batches": 7,
            "policy.net_arch": "[64, 64]",
            "policy.normalize_input": "false",
        },
    )
    assert config.seed == 3
    assert config.bc.lr == 0.01
    assert config.bc.n_epochs is None and config.bc.n_batches == 7
    assert config.policy.net_arch == (64, 64)
    assert config.policy.normalize_input is False


def test_unknown_key_lists_valid_keys():
    with pytest.raises(UserError, match="bc.batch_size") as info:
        apply_overrides(ImitationConfig(), {"bc.bach_size": 3})
    assert "unknown config key 'bc.bach_size'" in str(info.value)


def test_wrong_type_is_a_user_error():
    with pytest.raises(UserError, match="bc.batch_size"):
        apply_overrides(ImitationConfig(), {"bc.batch_size": "lots"})


def test_unknown_named_config_lists_choices():
    with pytest.raises(UserError, match="bc_seals_half_cheetah"):
        expand_named(["bc_seals_half_cheetahh"])


def test_config_is_frozen_and_flattens_under_500_chars():
    config = ImitationConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 1  # type: ignore[misc]
    flat = flatten(config)
    assert set(flat) == set(valid_keys(ImitationConfig))
    assert all(len(v) < 500 for v in flat.values())
    nested = to_dict(config)
    assert nested["environment"]["gym_id"] == "seals/CartPole-v0"
    assert nested["seed"] == 0 and "bc" in nested


def test_every_shipped_named_config_resolves_for_one_script():
    for name in named_configs():
        resolved = 0
        for config_cls in (ImitationConfig, AdversarialConfig):
            try:
                build_config(config_cls, [name])
                resolved += 1
            except UserError:
                pass
        assert resolved >= 1, name


@pytest.mark.parametrize("algo", ["gail", "airl"])
@pytest.mark.parametrize("env", MUJOCO)
def test_adversarial_tuned_configs(algo, env):
    config = build_config(AdversarialConfig, [f"{algo}_{env}"])
    assert config.total_timesteps == 10_000_000
    assert config.environment.gym_id == build_config(ImitationConfig, [env]).environment.gym_id


def test_published_adversarial_values():
    cheetah = build_config(AdversarialConfig, ["gail_seals_half_cheetah"])
    assert cheetah.algorithm_kwargs.demo_batch_size == 8192
    assert cheetah.algorithm_kwargs.gen_replay_buffer_capacity == 512
    assert cheetah.rl.batch_size == 4096 and cheetah.rl.rl_kwargs.gamma == 0.95
    assert cheetah.rl.rl_kwargs.ent_coef == pytest.approx(3.992371122209408e-06)
    swimmer = build_config(AdversarialConfig, ["airl_seals_swimmer"])
    assert swimmer.rl.rl_kwargs.max_grad_norm == 2.0 and swimmer.rl.batch_size == 16384
