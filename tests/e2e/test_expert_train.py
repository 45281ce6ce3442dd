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
    tiny = [str(cli_bin), "expert", "train", "seals_cartpole", "--timesteps", "2048"]
    tiny += ["--eval-episodes", "4", "--select-every", "1024", "--select-episodes", "2"]
    tiny += ["--no-progress"]
    weak = run_cli(tiny, tmp_path)
    assert weak.returncode == 0, weak.stderr[-3000:]
    # Weaker than the shipped 500-return expert: kept by its hash, not what runs use.
    assert "not promoted: runs keep using the shipped expert (return 500)" in weak.stderr
    stored = store_expert_path("seals/CartPole-v0")
    assert not stored.exists() and resolve_expert("seals/CartPole-v0").origin == "shipped"
    mlflow.delete_run(
        mlflow.search_runs(experiment_names=["experts"], output_format="list")[0].info.run_id
    )
    client = MlflowClient()
    client.delete_registered_model("expert-seals-CartPole-v0")

    done = run_cli([*tiny, "--promote"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"saved {stored}" in done.stdout and "not promoted" not in done.stderr

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

    # Without the local copy (another machine on the same tracking server), `auto` takes the
    # stronger shipped expert; asked for the registry, runs get the registered version.
    stored.unlink()
    assert resolve_expert("seals/CartPole-v0").origin == "shipped"
    train = [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
    bc = run_cli([*train, "--set", "expert.source=registry"], tmp_path)
    # The registered version is the 2048-step expert: barely better than random, so the run
    # is refused before it starts (its normalized score would be meaningless).
    assert bc.returncode == 2
    (line,) = [x for x in bc.stderr.splitlines() if x.startswith("Error:")]
    assert "the registry expert" in line and "expert-seals-CartPole-v0/1" in line
    assert "not clearly above the random policy" in line
    assert not mlflow.search_runs(experiment_names=["imitation"], output_format="list")


def test_registry_source_without_a_registered_expert_is_a_user_error(mlflow_store):
    with pytest.raises(UserError, match="expert train"):
        resolve_expert("seals/CartPole-v0", ExpertConfig(source="registry"))


def test_select_every_below_one_is_a_user_error(mlflow_store, tmp_path, cli_bin):
    done = run_cli(
        [str(cli_bin), "expert", "train", "seals_cartpole", "--select-every", "0"], tmp_path
    )
    assert done.returncode == 2 and "--select-every" in done.stderr
    assert not mlflow.search_runs(experiment_names=["experts"], output_format="list")
