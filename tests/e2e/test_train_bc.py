"""BC end to end through every launch path, against a real SQLite MLflow store."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from pathlib import Path

import mlflow
import numpy as np
import pytest
from mlflow.tracking import MlflowClient

from imitation_mlflow.config import registry
from imitation_mlflow.scripts.train_imitation import train_imitation_ex
from imitation_mlflow.tracking import contract
from tests.e2e.conftest import REPO, run_cli

pytestmark = pytest.mark.e2e

FINAL_METRICS = set(contract.FINAL_METRICS)


def _runs(experiment: str = "imitation") -> list[mlflow.entities.Run]:
    return mlflow.search_runs(experiment_names=[experiment], output_format="list")


def _artifact(run_id: str, name: str) -> str:
    return Path(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=name)).read_text()


def test_cli_run_follows_the_tracking_contract(mlflow_store, tmp_path, cli_bin, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path / "cache"))  # rolls out its own
    done = run_cli(
        [str(cli_bin), "train", "bc", "seals_cartpole", "--seed", "0", "--no-progress"], tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = _runs()
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "bc-seals_cartpole-s0"
    tags = run.data.tags
    assert tags["algo"] == "bc" and tags["env"] == "seals_cartpole"
    assert tags["env_id"] == "seals/CartPole-v0" and tags["seed"] == "0"
    assert tags["train_script"] == "train_imitation" and tags["expert_source"] == "shipped"
    assert FINAL_METRICS <= set(run.data.metrics)
    assert run.data.metrics["normalized_score"] >= 0.9
    assert run.data.params["bc.batch_size"] == "64"  # from the tuned bc_seals_cartpole
    client = MlflowClient()
    assert len(client.get_metric_history(run.info.run_id, "bc/loss")) >= 2
    config = json.loads(_artifact(run.info.run_id, "config.json"))
    assert config["environment"]["gym_id"] == "seals/CartPole-v0" and config["seed"] == 0
    result = json.loads(_artifact(run.info.run_id, "result.json"))
    assert result["imit_stats"]["n_traj"] == 50
    assert result["expert_stats"]["n_traj"] == 20
    assert result["imit_stats"]["monitor_return_mean"] == run.data.metrics["imit_return_mean"]
    assert "rolling out 20 expert demonstrations" in _artifact(run.info.run_id, "cout.txt")
    model = mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/policy")
    actions = model.predict(np.zeros((3, 4), dtype=np.float32))
    assert actions.shape == (3,) and set(actions.tolist()) <= {0, 1}


def test_sacred_spelling_gives_the_same_result(mlflow_store, tmp_path, cli_bin):
    args = ["bc", "with", "bc_seals_cartpole", "seed=0"]
    sacred = run_cli(
        [sys.executable, "-m", "imitation_mlflow.scripts.train_imitation", *args], tmp_path
    )
    assert sacred.returncode == 0, sacred.stderr[-3000:]
    click = run_cli([str(cli_bin), "train", "bc", "seals_cartpole", "--seed", "0"], tmp_path)
    assert click.returncode == 0, click.stderr[-3000:]
    first, second = _runs()
    assert first.info.run_name == second.info.run_name == "bc-seals_cartpole-s0"
    for key in FINAL_METRICS:
        assert first.data.metrics[key] == second.data.metrics[key], key


def test_python_api_three_seeds_reach_expert_level_and_repeat(mlflow_store):
    scores = []
    for seed in (0, 1, 2):
        run = train_imitation_ex.run(
            command_name="bc", named_configs=["bc_seals_cartpole"], config_updates={"seed": seed}
        )
        assert run.status == "COMPLETED", run.fail_trace
        assert set(run.result) >= {"imit_stats", "expert_stats"}
        scores.append(run.metrics["normalized_score"])
    assert np.mean(scores) >= 0.9, scores
    again = train_imitation_ex.run(
        command_name="bc", named_configs=["bc_seals_cartpole"], config_updates={"seed": 2}
    )
    assert again.result == run.result


def test_mlflow_projects_entry_point(mlflow_store, tmp_path):
    mlflow_bin = Path(sys.executable).parent / "mlflow"
    done = run_cli(
        [
            str(mlflow_bin),
            "run",
            str(REPO),
            "-e",
            "bc",
            "-P",
            "env=seals_cartpole",
            "-P",
            "seed=1",
            "-P",
            "overrides=policy_evaluation.n_episodes_eval=10",
            "--env-manager",
            "local",
            "--experiment-name",
            "imitation",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = _runs()
    assert run.info.status == "FINISHED" and run.info.run_name == "bc-seals_cartpole-s1"
    assert run.data.params["policy_evaluation.n_episodes_eval"] == "10"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "bc", "seals_cartpol"], "valid choices: seals_ant"),
        (["train", "gail2", "seals_cartpole"], "unknown algorithm 'gail2'"),
        (["train", "bc", "seals_cartpole", "--set", "bc.bach_size=3"], "bc.batch_size"),
        (["train", "bc", "seals_mountain_car"], "--expert-path"),
        (["train", "bc", "seals_cartpole", "--expert-path", "/nope.zip"], "does not exist"),
    ],
)
def test_user_errors_exit_2_before_any_run(mlflow_store, tmp_path, cli_bin, args, message):
    done = run_cli([str(cli_bin), *args], tmp_path)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert mlflow.get_experiment_by_name("imitation") is None  # no run was started


def test_sacred_spelling_user_error(mlflow_store, tmp_path):
    done = run_cli(
        [sys.executable, "-m", "imitation_mlflow.scripts.train_imitation", "bc", "with", "nope"],
        tmp_path,
    )
    assert done.returncode == 2 and "unknown named config 'nope'" in done.stderr


def test_expert_for_another_env_is_refused(mlflow_store, tmp_path, cli_bin):
    from imitation_mlflow.experts.shipped import shipped_expert_path

    expert = tmp_path / "cartpole.zip"
    shutil.copy(shipped_expert_path("seals/CartPole-v0"), expert)
    done = run_cli(
        [str(cli_bin), "train", "bc", "seals_swimmer", "--expert-path", str(expert)], tmp_path
    )
    assert done.returncode == 2 and "pass an expert for seals/Swimmer-v1" in done.stderr


def broken_builder(ctx):
    raise RuntimeError("diverged on purpose")


def test_crash_leaves_failed_run_with_traceback(mlflow_store, monkeypatch):
    broken = dataclasses.replace(
        registry.ALGORITHMS["bc"], builder="tests.e2e.test_train_bc:broken_builder"
    )
    monkeypatch.setitem(registry.ALGORITHMS, "bc", broken)
    run = train_imitation_ex.run(
        command_name="bc", named_configs=["bc_seals_cartpole"], config_updates={"seed": 0}
    )
    assert run.status == "FAILED" and "diverged on purpose" in run.fail_trace
    (stored,) = _runs()
    assert stored.info.status == "FAILED"
    assert "RuntimeError: diverged on purpose" in _artifact(stored.info.run_id, "cout.txt")


def test_a_deleted_experiment_is_refused_before_any_run(mlflow_store, tmp_path, cli_bin):
    client = MlflowClient()
    client.delete_experiment(client.create_experiment("gone"))
    args = ["train", "bc", "seals_cartpole", "--experiment", "gone"]
    done = run_cli([str(cli_bin), *args], tmp_path)
    assert done.returncode == 2 and "'gone' is deleted; restore it" in done.stderr
    assert "Traceback" not in done.stderr
    assert not mlflow.search_runs(search_all_experiments=True, output_format="list")
