"""Suites and SIGKILL: a child killed outright is reaped by the next `benchmark run` and
continues from its newest checkpoint into the same MLflow run; a suite killed outright leaves
no child training on, and `runs reap` ends its phantom parent."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from mlflow import MlflowClient

from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.e2e

SUITE = [
    "benchmark", "run", "--algos", "gail", "--envs", "seals_cartpole", "--seeds", "1",
    "--no-progress",
    "--set", "total_timesteps=40960", "--set", "checkpoint_minutes=0.00001",
    "--set", "demonstrations.n_expert_demos=4", "--set", "policy_evaluation.n_episodes_eval=5",
]  # fmt: skip


def _child_with_a_checkpoint(client: MlflowClient, deadline: float) -> tuple[str, int]:
    while time.monotonic() < deadline:
        time.sleep(0.5)
        found = client.get_experiment_by_name("imitation")
        runs = client.search_runs([found.experiment_id], "tags.algo = 'gail'") if found else []
        for run in runs:
            rounds = client.list_artifacts(run.info.run_id, "checkpoints")
            if len(rounds) >= 2 and run.info.status == "RUNNING":
                return run.info.run_id, int(run.data.tags["pid"])
    raise AssertionError("no child run wrote checkpoints in time")


def test_a_sigkilled_child_resumes_into_the_same_run(mlflow_store, tmp_path: Path, cli_bin):
    suite = subprocess.Popen(
        [str(cli_bin), *SUITE], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={k: v for k, v in os.environ.items() if k != "MLFLOW_RUN_ID"},
    )  # fmt: skip
    client = MlflowClient()
    run_id, pid = _child_with_a_checkpoint(client, time.monotonic() + 300)
    os.kill(pid, signal.SIGKILL)
    output = suite.communicate(timeout=300)[0]
    assert suite.returncode != 0, output  # the suite saw its child die
    assert client.get_run(run_id).info.status == "RUNNING"  # a phantom until reaped

    again = run_cli([str(cli_bin), *SUITE], tmp_path, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "1 phantom RUNNING runs marked KILLED" in again.stdout
    assert "1 resumed from their checkpoints" in again.stdout
    runs = client.search_runs([client.get_experiment_by_name("imitation").experiment_id],
                              "tags.algo = 'gail'")  # fmt: skip
    assert [r.info.run_id for r in runs] == [run_id]  # continued, not started over
    finished = client.get_run(run_id)
    assert finished.info.status == "FINISHED"
    assert int(finished.data.tags["resumed_from_round"]) >= 2
    assert finished.data.metrics["normalized_score"] > 0


def _process_gone(pid: int, deadline: float) -> bool:
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return False


def test_a_sigkilled_suite_stops_its_children(mlflow_store, tmp_path: Path, cli_bin):
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_RUN_ID"}
    suite = subprocess.Popen(
        [str(cli_bin), *SUITE], cwd=tmp_path, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    client = MlflowClient()
    run_id, child_pid = _child_with_a_checkpoint(client, time.monotonic() + 300)
    suite.kill()
    suite.wait(timeout=30)
    assert _process_gone(child_pid, time.monotonic() + 60)  # it noticed its parent was gone
    child = client.get_run(run_id)
    assert child.info.status == "KILLED"  # it ended its own run, as on SIGTERM
    parent_id = child.data.tags["suite"]
    assert client.get_run(parent_id).info.status == "RUNNING"  # the killed suite's phantom

    reaped = run_cli([str(cli_bin), "runs", "reap"], tmp_path)
    assert reaped.returncode == 0, reaped.stderr
    assert client.get_run(parent_id).info.status == "KILLED"
    assert client.get_run(parent_id).data.tags["reaped"]
