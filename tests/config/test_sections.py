"""Config validation: field constraints, types, cross-field rules and dotted-key messages."""

import math
import pickle

import pytest

from imitation_mlflow.config import (
    AdversarialConfig,
    BCConfig,
    CommonConfig,
    ConfigError,
    ImitationConfig,
    PolicyConfig,
    PPOKwargs,
    apply_overrides,
    build_config,
    named_configs,
)
from imitation_mlflow.errors import UserError


def refused(config_cls, updates, named=()):
    """The message of the ConfigError that building with ``updates`` raises."""
    with pytest.raises(ConfigError) as info:
        build_config(config_cls, list(named), updates)
    return str(info.value)


def test_defaults_build():
    ImitationConfig()
    AdversarialConfig()


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("bc.batch_size", 0, "at least 1"),
        ("environment.num_vec", 0, "at least 1"),
        ("demonstrations.n_expert_demos", 0, "at least 1"),
        ("dagger.rollout_round_min_timesteps", -1, "at least 0"),
        ("bc.l2_weight", -0.1, "at least 0"),
        ("bc.log_interval", 0, "at least 1"),
        ("policy_evaluation.random_episodes", 0, "at least 1"),
        ("checkpoint_interval", -1, "at least 0"),
        ("checkpoint_minutes", -0.5, "at least 0"),
    ],
)
def test_minimum(key, value, allowed):
    message = refused(ImitationConfig, {key: value})
    assert f"config key '{key}': {value!r} is out of range; it must be {allowed}" == message


@pytest.mark.parametrize("value", [0, -1e-3])
def test_positive(value):
    message = refused(ImitationConfig, {"bc.lr": value})
    assert message.startswith("config key 'bc.lr'") and "greater than 0" in message


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -math.inf])
@pytest.mark.parametrize("key", ["bc.lr", "bc.ent_weight", "policy.log_std_init"])
def test_nan_and_inf_rejected(key, value):
    assert "is not a finite number" in refused(ImitationConfig, {key: value})


def test_unit_interval_and_nested_ppo_key():
    message = refused(AdversarialConfig, {"rl.rl_kwargs.gamma": 1.5})
    assert message == "config key 'rl.rl_kwargs.gamma': 1.5 is out of range; it must be in [0, 1]"
    assert "'dagger.decay_probability'" in refused(ImitationConfig, {"dagger.decay_probability": 2})
    ok = build_config(
        AdversarialConfig, [], {"rl.rl_kwargs.gae_lambda": 0, "rl.rl_kwargs.gamma": 1}
    )
    assert (ok.rl.rl_kwargs.gae_lambda, ok.rl.rl_kwargs.gamma) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("rl.rl_kwargs.batch_size", 1),
        ("rl.rl_kwargs.clip_range", 0),
        ("rl.rl_kwargs.ent_coef", -1),
        ("rl.rl_kwargs.learning_rate", 0),
        ("rl.rl_kwargs.max_grad_norm", 0),
        ("rl.rl_kwargs.n_epochs", 0),
        ("rl.rl_kwargs.vf_coef", -1),
        ("algorithm_kwargs.disc_lr", 0),
        ("algorithm_kwargs.gen_replay_buffer_capacity", 0),
        ("reward.net_arch", [8, 0]),
        ("total_timesteps", 0),
    ],
)
def test_adversarial_ranges_name_the_key(key, value):
    assert refused(AdversarialConfig, {key: value}).startswith(f"config key '{key}':")


@pytest.mark.parametrize(
    ("key", "value", "choices"),
    [
        ("expert.source", "hubb", "auto, hub, path, registry, shipped, store"),
        ("demonstrations.source", "disk", "hub, rollout"),
        ("dagger.beta_schedule", "cosine", "exponential, linear"),
        ("policy_evaluation.random_source", "None", "hub, rollout"),
    ],
)
def test_literal_choices(key, value, choices):
    message = refused(ImitationConfig, {key: value})
    assert message.startswith(f"config key '{key}': unknown value")
    assert message.endswith(f"valid choices: {choices}")


def test_literal_accepts_every_choice():
    for source in ("auto", "path", "store", "registry", "shipped", "hub"):
        assert build_config(ImitationConfig, [], {"expert.source": source}).expert.source == source


@pytest.mark.parametrize("none", [None, "None", "null"])
def test_optional_accepts_none(none):
    config = build_config(
        ImitationConfig,
        [],
        {"bc.n_epochs": none, "bc.n_batches": 5, "environment.max_episode_steps": none},
    )
    assert config.bc.n_epochs is None and config.environment.max_episode_steps is None


def test_optional_range_mentions_none():
    message = refused(ImitationConfig, {"environment.rollout_num_vec": 0})
    assert message.endswith("it must be at least 1 (or None)")
    assert "'expert.path'" in refused(ImitationConfig, {"expert.path": ""})
    assert "'environment.gym_id'" in refused(ImitationConfig, {"environment.gym_id": ""})


def test_tuple_entries():
    assert build_config(ImitationConfig, [], {"policy.net_arch": 16}).policy.net_arch == (16,)
    assert build_config(ImitationConfig, [], {"policy.net_arch": "[]"}).policy.net_arch == ()
    message = refused(ImitationConfig, {"policy.net_arch": "[64, 0]"})
    assert message == (
        "config key 'policy.net_arch': (64, 0) has a bad entry: 0 is out of range; "
        "it must be at least 1"
    )
    assert "is not a valid int" in refused(ImitationConfig, {"policy.net_arch": [64, 1.5]})


@pytest.mark.parametrize("seed", [0, 2**32 - 1])
def test_seed_bounds_accepted(seed):
    assert build_config(ImitationConfig, [], {"seed": seed}).seed == seed


@pytest.mark.parametrize("seed", [-1, 2**32])
def test_seed_bounds_refused(seed):
    message = refused(ImitationConfig, {"seed": seed})
    assert message == f"config key 'seed': {seed} is out of range; it must be in [0, 4294967296)"


def test_int_from_float_rules():
    assert build_config(ImitationConfig, [], {"bc.batch_size": 64.0}).bc.batch_size == 64
    assert build_config(ImitationConfig, [], {"bc.batch_size": "1e3"}).bc.batch_size == 1000
    for value in ("1e99", 2.0**53, 1.5, float("nan")):
        message = refused(ImitationConfig, {"bc.batch_size": value})
        assert message.startswith("config key 'bc.batch_size':")
        assert "not a valid int" in message


@pytest.mark.parametrize("value", [True, "true", False])
def test_bool_is_never_an_int_or_float(value):
    assert "is not a valid int" in refused(ImitationConfig, {"bc.batch_size": value})
    assert "is not a valid float" in refused(ImitationConfig, {"bc.lr": value})


def test_int_is_accepted_for_float():
    config = build_config(ImitationConfig, [], {"bc.lr": 1, "bc.l2_weight": "0"})
    assert config.bc.lr == 1.0 and isinstance(config.bc.lr, float)
    assert "not a finite number" in refused(ImitationConfig, {"bc.lr": 10**400})


def test_bc_needs_epochs_or_batches():
    message = refused(ImitationConfig, {"bc.n_epochs": None})
    assert message == (
        "config keys 'bc.n_epochs' and 'bc.n_batches': both are None; set at least one of them"
    )


def test_order_independent_epochs_then_batches():
    for updates in (
        {"bc.n_batches": 20, "bc.n_epochs": "None"},
        {"bc.n_epochs": "None", "bc.n_batches": 20},
    ):
        config = apply_overrides(ImitationConfig(), updates)
        assert (config.bc.n_epochs, config.bc.n_batches) == (None, 20)
    fast = build_config(ImitationConfig, ["fast"])
    assert (fast.bc.n_epochs, fast.bc.n_batches) == (None, 20)


def test_order_independent_batch_size_and_num_vec():
    for updates in (
        {"rl.batch_size": 1000, "environment.num_vec": 10},
        {"environment.num_vec": 10, "rl.batch_size": 1000},
    ):
        config = build_config(AdversarialConfig, [], updates)
        assert (config.rl.batch_size, config.environment.num_vec) == (1000, 10)
        assert apply_overrides(AdversarialConfig(), updates) == config


def test_adversarial_cross_field_rules():
    message = refused(AdversarialConfig, {"rl.batch_size": 1000, "environment.num_vec": 3})
    assert message.startswith(
        "config keys 'rl.batch_size' and 'environment.num_vec': rl.batch_size (1000) must be a "
        "multiple of environment.num_vec (3)"
    )
    message = refused(AdversarialConfig, {"rl.batch_size": 32})
    assert message.startswith(
        "config keys 'rl.rl_kwargs.batch_size' and 'rl.batch_size': "
        "rl.rl_kwargs.batch_size (64) must not exceed rl.batch_size (32)"
    )


def test_apply_overrides_checks_against_the_existing_config():
    config = build_config(AdversarialConfig, [], {"environment.num_vec": 10, "rl.batch_size": 1000})
    assert "'rl.batch_size'" in str(
        pytest.raises(ConfigError, apply_overrides, config, {"environment.num_vec": 3}).value
    )


def test_direct_construction_is_checked():
    with pytest.raises(ConfigError, match="config key 'batch_size': 0 is out of range"):
        BCConfig(batch_size=0)
    with pytest.raises(ConfigError, match="'gamma'"):
        PPOKwargs(gamma=math.nan)
    with pytest.raises(ConfigError, match="'net_arch'"):
        PolicyConfig(net_arch=(32, -1))
    with pytest.raises(ConfigError, match="'environment': 'x' is not a valid EnvironmentConfig"):
        CommonConfig(environment="x")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="'n_epochs' and 'n_batches'"):
        BCConfig(n_epochs=None)
    with pytest.raises(ConfigError, match="'seed'"):
        ImitationConfig(seed=True)


def test_config_error_is_a_user_error_and_pickles():
    error = ConfigError(("a", "b"), "both are None")
    assert isinstance(error, UserError)
    copy = pickle.loads(pickle.dumps(error.under("x")))
    assert str(copy) == "config keys 'x.a' and 'x.b': both are None"


def test_checkpoint_interval_is_common():
    assert build_config(ImitationConfig, [], {"checkpoint_interval": 2}).checkpoint_interval == 2
    assert build_config(AdversarialConfig, [], {"checkpoint_interval": 3}).checkpoint_interval == 3


@pytest.mark.parametrize("name", list(named_configs()))
def test_every_named_config_builds_or_belongs_to_the_other_script(name):
    built = 0
    for config_cls in (ImitationConfig, AdversarialConfig):
        try:
            build_config(config_cls, [name])
            built += 1
        except UserError as exc:
            assert not isinstance(exc, ConfigError), exc
            assert str(exc).startswith("unknown config key"), exc
    assert built >= 1
