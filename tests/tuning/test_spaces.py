"""Search spaces: the published ones load for every algorithm, user files are checked."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from imitation_mlflow.config import build_config
from imitation_mlflow.config.registry import ALGORITHMS
from imitation_mlflow.errors import UserError
from imitation_mlflow.tuning.spaces import load_space


@pytest.mark.parametrize("algo", list(ALGORITHMS))
def test_published_space_samples_valid_configs(algo: str) -> None:
    space = load_space(algo, ALGORITHMS[algo].config_class)
    assert space.params
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        trial = study.ask()
        values = space.suggest(trial)
        config = build_config(ALGORITHMS[algo].config_class, ["seals_cartpole"], values)
        assert config.seed == 0
        # What optuna stored maps back to the same config values (phase 2 rebuilds from it).
        assert space.config_values(trial.params) == values
        study.tell(trial, 0.0)


def test_dagger_beta_schedule_options_set_values_together() -> None:
    space = load_space("dagger", ALGORITHMS["dagger"].config_class)
    trial = optuna.trial.FixedTrial(
        {
            "bc.n_epochs": 5,
            "dagger.rollout_round_min_episodes": 3,
            "beta_schedule": "exponential_0_3",
        }
    )
    values = space.suggest(trial)
    assert values["dagger.beta_schedule"] == "exponential"
    assert values["dagger.decay_probability"] == 0.3
    assert values["dagger.total_timesteps"] == 100_000  # fixed as in the published tuning
    assert values["bc.batch_size"] == 16


def test_without_drops_params_and_fixed_values_the_user_sets() -> None:
    space = load_space("dagger", ALGORITHMS["dagger"].config_class)
    narrowed = space.without({"dagger.beta_schedule", "bc.batch_size"})
    names = {p.name for p in narrowed.params}
    assert "beta_schedule" not in names and "bc.n_epochs" in names
    assert "bc.batch_size" not in narrowed.fixed


def test_user_space_file(tmp_path: Path) -> None:
    path = tmp_path / "space.toml"
    path.write_text(
        '[bc]\n"bc.lr" = { log_uniform = [1e-4, 1e-2] }\n"bc.n_epochs" = { int = [1, 3] }\n'
    )
    space = load_space("bc", ALGORITHMS["bc"].config_class, path)
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1)).ask()
    values = space.suggest(trial)
    assert 1e-4 <= values["bc.lr"] <= 1e-2 and values["bc.n_epochs"] in (1, 2, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bc]\n"bc.learning_rate" = { choices = [1] }\n', "unknown config key"),
        ('[bc]\n"bc.lr" = { loguniform = [1e-4, 1e-2] }\n', "exactly one of"),
        ('[bc]\n"bc.lr" = { log_uniform = [0, 1e-2] }\n', "low > 0"),
        ('[bc]\n"bc.lr" = { uniform = [1, 0] }\n', "low < high"),
        ('[gail]\n"rl.batch_size" = { choices = [1] }\n', "no search space for 'bc'"),
        ("[bc\n", "not valid TOML"),
    ],
)
def test_bad_space_files_are_user_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "space.toml"
    path.write_text(text)
    with pytest.raises(UserError, match=message):
        load_space("bc", ALGORITHMS["bc"].config_class, path)


def test_missing_space_file_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read"):
        load_space("bc", ALGORITHMS["bc"].config_class, tmp_path / "nope.toml")
