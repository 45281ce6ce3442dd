"""Experts from the stand-in hub through the real entry point: ``expert pull`` and a run."""

from __future__ import annotations

import mlflow
import numpy as np
import pytest

from imitation_mlflow.experts.shipped import shipped_expert_path
from imitation_mlflow.experts.store import file_sha256
from tests.e2e.conftest import TINY_BC, run_cli

pytestmark = pytest.mark.e2e

REPO = "HumanCompatibleAI/ppo-seals-CartPole-v0"
ZIP = "ppo-seals-CartPole-v0.zip"


def _shipped_bytes() -> bytes:
    path = shipped_expert_path("seals/CartPole-v0")
    assert path is not None
    return path.read_bytes()


def test_cli_pull_then_offline_run_uses_the_hub_expert(hub, mlflow_store, tmp_path, cli_bin):
    hub.add_file(REPO, ZIP, _shipped_bytes())
    pulled = run_cli([str(cli_bin), "expert", "pull", "seals_cartpole"], tmp_path)
    assert pulled.returncode == 0, pulled.stderr[-3000:]
    commit = hub.repos[("model", REPO)].commit
    assert f"{REPO}@{commit}" in pulled.stdout
    assert len(hub.gets(f"/{ZIP}")) == 1

    hub.stop()  # the run must find the pulled expert in the hub cache, offline
    done = run_cli(
        [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
        + ["--set", "expert.source=hub"],
        tmp_path,
        env={"HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    tags = run.data.tags
    assert tags["expert_source"] == "hub" and tags["expert_repo_id"] == REPO
    assert tags["expert_revision"] == commit
    assert tags["expert_sha256"] == file_sha256(shipped_expert_path("seals/CartPole-v0"))


def test_cli_run_offline_without_cache_fails_before_starting(mlflow_store, tmp_path, cli_bin):
    done = run_cli(
        [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
        + ["--set", "expert.source=hub"],
        tmp_path,
    )
    assert done.returncode == 2
    assert "imitation-mlflow expert train" in done.stderr and "HF_ENDPOINT" in done.stderr
    assert mlflow.search_runs(experiment_names=["imitation"], output_format="list") == []


def test_demonstrations_are_cached_logged_and_read_from_the_hub(
    hub, mlflow_store, tmp_path, cli_bin
):
    train = [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
    env = {"IMITATION_MLFLOW_CACHE": str(tmp_path / "cache")}
    for _ in range(2):
        done = run_cli(train, tmp_path, env=env)
        assert done.returncode == 0, done.stderr[-3000:]
    rolled, cached = sorted(
        mlflow.search_runs(experiment_names=["imitation"], output_format="list"),
        key=lambda run: run.info.start_time,
    )
    assert rolled.data.tags["demonstrations_source"] == "rollout"
    assert cached.data.tags["demonstrations_source"] == "cache"
    digest = rolled.data.tags["demonstrations_digest"]
    assert cached.data.tags["demonstrations_digest"] == digest
    for run in (rolled, cached):
        (dataset_input,) = run.inputs.dataset_inputs
        assert dataset_input.dataset.digest == digest[:16]
        assert dataset_input.dataset.name == "ppo-seals-CartPole-v0-demonstrations"
        assert float(run.data.tags["expert_return"]) == pytest.approx(
            run.data.metrics["expert_return_mean"]
        )
    # Same seed, same demonstrations: the cached run reproduces the rolled-out one.
    assert cached.data.metrics == rolled.data.metrics | {
        k: cached.data.metrics[k] for k in cached.data.metrics if k.startswith("time/")
    }

    # The cached file published as the hub dataset gives the same demonstrations.
    (parquet,) = (tmp_path / "cache" / "demonstrations" / digest).glob("data/*.parquet")
    hub.add_file(REPO, f"data/{parquet.name}", parquet.read_bytes(), repo_type="dataset")
    done = run_cli([*train, "--set", "demonstrations.source=hub"], tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    (from_hub,) = mlflow.search_runs(
        experiment_names=["imitation"],
        filter_string="tags.demonstrations_source = 'hub'",
        output_format="list",
    )
    assert from_hub.data.metrics["expert_return_mean"] == rolled.data.metrics["expert_return_mean"]
    (dataset_input,) = from_hub.inputs.dataset_inputs
    assert hub.url in dataset_input.dataset.source


def test_random_score_from_the_hub_random_dataset(hub, mlflow_store, tmp_path, cli_bin):
    from imitation_mlflow.data import Trajectory
    from imitation_mlflow.data.parquet import write_trajectories

    random_repo = "HumanCompatibleAI/random-seals-CartPole-v0"
    trajectories = [
        Trajectory(
            obs=np.zeros((n + 1, 4)), acts=np.zeros(n, dtype=int), rews=np.ones(n), terminal=True
        )
        for n in (3, 9, 100)
    ]
    name = "data/train-00000-of-00001.parquet"
    path = write_trajectories(trajectories, tmp_path / name)
    hub.add_file(random_repo, name, path.read_bytes(), repo_type="dataset")
    train = [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
    hub_random = ["--set", "policy_evaluation.random_source=hub"]
    too_many = run_cli([*train, *hub_random], tmp_path)  # default: 100 episodes, it holds 3
    assert too_many.returncode == 2
    assert "policy_evaluation.random_episodes=100" in too_many.stderr
    assert not mlflow.search_runs(experiment_names=["imitation"], output_format="list")

    done = run_cli([*train, *hub_random, "--set", "policy_evaluation.random_episodes=2"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    assert run.data.metrics["random_return_mean"] == pytest.approx(6.0)  # first two: 3 and 9
    commit = hub.repos[("dataset", random_repo)].commit
    assert run.data.tags["random_source"].endswith(f"/datasets/{random_repo}/tree/{commit}")
    metrics = run.data.metrics
    expected = (metrics["imit_return_mean"] - 6.0) / (metrics["expert_return_mean"] - 6.0)
    assert metrics["normalized_score"] == pytest.approx(expected)


def test_random_score_from_a_missing_hub_dataset_names_the_local_measurement(
    hub, mlflow_store, tmp_path, cli_bin
):
    train = [str(cli_bin), "train", "bc", "seals_cartpole", "--no-progress", *TINY_BC]
    done = run_cli([*train, "--set", "policy_evaluation.random_source=hub"], tmp_path)
    assert done.returncode == 2
    assert "policy_evaluation.random_source=rollout" in done.stderr
