"""Resuming through the CLI: what it refuses (one line, exit 2, the run untouched), a torn
newest checkpoint, and a BC run continued from an epoch checkpoint as if never stopped."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.e2e

BC = [
    "train",
    "bc",
    "seals_cartpole",
    "--set",
    "demonstrations.n_expert_demos=4",
    "--set",
    "bc.n_epochs=4",
    "--set",
    "checkpoint_interval=1",
    "--set",
    "policy_evaluation.n_episodes_eval=5",
    "--no-progress",
]


def _bc_run(cli_bin, tmp_path) -> mlflow.entities.Run:
    done = run_cli([str(cli_bin), *BC], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    return run


def _artifact_file(run_id: str, path: str) -> Path:
    root = urlparse(mlflow.get_run(run_id).info.artifact_uri).path
    return Path(root) / path


def test_resume_refuses_what_cannot_continue(mlflow_store, tmp_path, cli_bin):
    run = _bc_run(cli_bin, tmp_path)
    run_id = run.info.run_id
    resume = [str(cli_bin), "train", "bc", "seals_cartpole", "--resume", run_id]
    finished = run_cli(resume, tmp_path)
    assert finished.returncode == 2 and "FINISHED; --resume continues" in finished.stderr
    MlflowClient().set_terminated(run_id, status="KILLED")  # as a kill would have left it
    refused = {
        "environment.num_vec=4": "cannot change environment.num_vec",
        "policy.net_arch=[8]": "cannot change policy.net_arch",
        "seed=3": "cannot change seed",
    }
    for assignment, message in refused.items():
        done = run_cli([*resume, "--set", assignment], tmp_path)
        assert done.returncode == 2 and message in done.stderr, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
    other_env = run_cli([str(cli_bin), "train", "bc", "seals_hopper", "--resume", run_id], tmp_path)
    assert other_env.returncode == 2 and "trained on seals_cartpole" in other_env.stderr
    assert mlflow.get_run(run_id).info.status == "KILLED"  # untouched by the refusals


def test_bc_resumes_from_the_newest_complete_checkpoint(mlflow_store, tmp_path, cli_bin):
    run = _bc_run(cli_bin, tmp_path)
    run_id, straight = run.info.run_id, run.data.metrics
    client = MlflowClient()
    assert {a.path for a in client.list_artifacts(run_id, "checkpoints")} == {
        f"checkpoints/0000{i}" for i in range(1, 5)
    }
    # Killed while uploading epoch 4's checkpoint: its state.pt never arrived.
    _artifact_file(run_id, "checkpoints/00004/state.pt").unlink()
    client.set_terminated(run_id, status="KILLED")
    done = run_cli(
        [str(cli_bin), "train", "bc", "seals_cartpole", "--resume", run_id, "--no-progress"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    resumed = mlflow.get_run(run_id)
    assert resumed.info.status == "FINISHED" and resumed.data.tags["resumed_from_round"] == "3"
    for key in ("imit_return_mean", "normalized_score", "bc/loss", "bc/prob_true_act"):
        assert resumed.data.metrics[key] == straight[key], key
    losses = client.get_metric_history(run_id, "bc/loss")
    assert len(losses) == len({m.step for m in losses})  # no point logged twice
