"""``expert train`` through the real entry point: an MLflow run, a registered model version,
and an expert in the local store that runs then resolve offline."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from imitation_mlflow.config import ExpertConfig
from imitation_mlflow.errors import UserError
from imitation_mlflow.experts.resolve import resolve_expert
from imitation_mlflow.experts.store import file_sha256, store_expert_path
from tests.e2e.conftest import TINY_BC, run_cli

pytestmark = pytest.mark.e2e


def test_expert_train_records_registers_and_stores(mlflow_store, tmp_path, cli_bin, monkeypatch):
    monkeypatch.setenv("IMITATION_MLFLOW_CACHE", str(tmp_path / "cache"))
    done = run_cli(
        [str(cli_bin), "expert", "train", "seals_cartpole", "--timesteps", "2048"]
        + ["--eval-episodes", "4", "--select-every", "1024", "--select-episodes", "2"]
        + ["--no-progress"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stored = store_expert_path("seals/CartPole-v0")
    assert f"saved {stored}" in done.stdout

    (run,) = mlflow.search_runs(experiment_names=["experts"], output_format="list")
    assert run.info.status == "FINISHED"
    assert run.data.tags["expert_sha256"] == file_sha256(stored)
    client = MlflowClient()
    assert client.get_metric_history(run.info.run_id, "ppo/train/policy_gradient_loss")
    assert run.data.params["recipe.n_steps"] == "256" and run.data.params["timesteps"] == "2048"
    evaluations = client.get_metric_history(run.info.run_id, "ppo/eval/mean_reward")
    assert sorted(m.step for m in evaluations) == [1024, 2048]
    (chosen,) = client.get_metric_history(run.info.run_id, "select/best_step")
    assert chosen.step in (1024, 2048) and run.data.params["select_every"] == "1024"

    (version,) = client.search_model_versions("name = 'expert-seals-CartPole-v0'")
    assert version.run_id == run.info.run_id
    assert float(version.tags["return"]) == pytest.approx(run.data.metrics["expert_return_mean"])
    assert version.tags["sha256"] == file_sha256(stored)

    ref = resolve_expert("seals/CartPole-v0")  # offline: the store wins over the shipped one
    assert ref.origin == "store" and ref.path == stored
    assert run.data.metrics["expert_return_deterministic_mean"] > 0

    # Without the local copy (another machine on the same tracking server), runs take the
    # newest registered version, downloaded from the registry.
    stored.unlink()
    train = [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
    bc = run_cli(train, tmp_path)
    assert bc.returncode == 0, bc.stderr[-3000:]
    (bc_run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    tags = bc_run.data.tags
    assert tags["expert_source"] == "registry"
    assert tags["expert_model_uri"] == "models:/expert-seals-CartPole-v0/1"
    assert tags["expert_sha256"] == version.tags["sha256"]


def test_registry_source_without_a_registered_expert_is_a_user_error(mlflow_store):
    with pytest.raises(UserError, match="expert train"):
        resolve_expert("seals/CartPole-v0", ExpertConfig(source="registry"))


def test_select_every_below_one_is_a_user_error(mlflow_store, tmp_path, cli_bin):
    done = run_cli(
        [str(cli_bin), "expert", "train", "seals_cartpole", "--select-every", "0"], tmp_path
    )
    assert done.returncode == 2 and "--select-every" in done.stderr
    assert not mlflow.search_runs(experiment_names=["experts"], output_format="list")
