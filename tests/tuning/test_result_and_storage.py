"""The tuned config file round-trips through `train --config-file`; storages open from URLs."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest

from imitation_mlflow.config import build_config, load_config_file
from imitation_mlflow.config.registry import ALGORITHMS
from imitation_mlflow.errors import UserError
from imitation_mlflow.tuning.job import TuningJob
from imitation_mlflow.tuning.result import TuningResult, trials_table, write_named_config
from imitation_mlflow.tuning.spaces import load_space
from imitation_mlflow.tuning.storage import mask_url, open_storage


def _job(tmp_path: Path, algo: str = "gail") -> TuningJob:
    return TuningJob(
        algo=algo,
        env="seals_half_cheetah",
        study_name="s",
        storage_url="sqlite:///x.db",
        n_trials=4,
        repeat=2,
        eval_seeds=3,
        sampler="tpe",
        pruner="median",
        space=load_space(algo, ALGORITHMS[algo].config_class),
        named=("seals_half_cheetah", f"{algo}_seals_half_cheetah"),
        sets={"demonstrations.n_expert_demos": 7, "expert.path": None},
        extra_named={},
        experiment="tuning",
        output_dir=tmp_path,
    )


def test_named_config_file_rebuilds_the_evaluated_config(tmp_path: Path) -> None:
    job = _job(tmp_path)
    values = {
        "algorithm_kwargs.demo_batch_size": 128,
        "rl.rl_kwargs.learning_rate": 3.3e-4,
        "total_timesteps": 10_000_000,
    }
    result = TuningResult(
        job=job,
        best_trial=2,
        best_params={},
        config_values=job.config_values(values),
        phase1_return=1.0,
        returns=[1.0, 3.0],
        normalized_scores=[0.5, 0.7],
    )
    path = write_named_config(result)
    assert path.name == "gail_seals_half_cheetah.toml"
    extra = load_config_file(path)
    from_file = build_config(
        ALGORITHMS["gail"].config_class,
        ["seals_half_cheetah", "gail_seals_half_cheetah"],
        {},
        extra,
    )
    assert from_file == job.run_config(values, seed=0)
    # The tuned config's other values (not searched) are kept, e.g. PPO's gamma.
    assert from_file.rl.rl_kwargs.gamma == 0.95
    assert result.return_mean == 2.0 and result.return_std == 1.0


def test_trial_and_phase2_seeds_never_overlap(tmp_path: Path) -> None:
    job = _job(tmp_path)
    seeds = [s for n in range(100) for s in job.trial_seeds(n)]
    assert len(set(seeds)) == len(seeds)
    assert not set(seeds) & set(job.phase2_seeds())


def test_trials_table_ranks_by_value() -> None:
    rows = [
        {"number": 0, "state": "COMPLETE", "value": 1.0, "params": {"bc.lr": 0.1}},
        {"number": 1, "state": "FAIL", "value": None, "params": {"bc.lr": 0.2}},
        {"number": 2, "state": "COMPLETE", "value": 5.0, "params": {"bc.lr": 0.3}},
    ]
    lines = trials_table(rows).splitlines()
    assert [line.split("|")[1].strip() for line in lines[2:]] == ["2", "0", "1"]


def test_journal_and_rdb_storages(tmp_path: Path) -> None:
    for url in (f"journal:{tmp_path / 'study.journal'}", f"sqlite:///{tmp_path / 'o.db'}"):
        storage = open_storage(url)
        study = optuna.create_study(study_name="x", storage=storage, load_if_exists=True)
        study.optimize(lambda t: t.suggest_float("a", 0, 1), n_trials=2)
        again = optuna.load_study(study_name="x", storage=open_storage(url))
        assert len(again.trials) == 2


def test_bad_storage_urls_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="neither a database URL"):
        open_storage("optuna.db")
    with pytest.raises(UserError, match="does not exist"):
        open_storage(f"journal:{tmp_path / 'missing' / 'x.journal'}")
    assert "secret" not in mask_url("postgresql://me:secret@db.example/optuna")
