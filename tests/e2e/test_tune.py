"""`imitation-mlflow tune` for real: two workers share one study, phase 2 runs once, a
SIGTERM'd worker leaves a resumable study, and the tuned config trains through `train`."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import optuna
import pytest
from mlflow.tracking import MlflowClient
from optuna.trial import TrialState

from imitation_mlflow.tuning.storage import open_storage
from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.e2e

BUDGET = [
    "--set",
    "demonstrations.n_expert_demos=4",
    "--set",
    "policy_evaluation.n_episodes_eval=5",
]


def _tune_args(cli_bin: Path, storage: str, trials: int, *extra: str) -> list[str]:
    return [
        str(cli_bin),
        "tune",
        "bc",
        "seals_cartpole",
        "--trials",
        str(trials),
        "--repeat",
        "2",
        "--eval-seeds",
        "2",
        "--storage",
        storage,
        "--study-name",
        "cartpole-bc",
        "--sampler",
        "random",
        "--no-progress",
        *BUDGET,
        *extra,
    ]


def _runs(client: MlflowClient, **tags: str) -> list:
    experiment = client.get_experiment_by_name("tuning")
    assert experiment is not None
    query = " and ".join(f"tags.{k} = '{v}'" for k, v in tags.items())
    return list(
        client.search_runs([experiment.experiment_id], filter_string=query, max_results=500)
    )


def test_two_workers_share_one_study_and_phase2_runs_once(
    mlflow_store: str, tmp_path: Path, cli_bin: Path
) -> None:
    storage = f"sqlite:///{tmp_path / 'optuna.db'}"
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_RUN_ID"}
    MlflowClient().search_experiments()  # create the store's schema before two writers race
    workers = [
        subprocess.Popen(
            _tune_args(cli_bin, storage, 5, "--seed", str(i)),
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [w.communicate(timeout=600)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    study = optuna.load_study(study_name="cartpole-bc", storage=open_storage(storage))
    done = study.get_trials(states=(TrialState.COMPLETE, TrialState.PRUNED))
    assert len(study.trials) == 5 and len(done) == 5
    assert sorted(t.number for t in study.trials) == list(range(5))
    phase2 = optuna.load_study(study_name="cartpole-bc.phase2", storage=storage)
    assert [t.state for t in phase2.trials] == [TrialState.COMPLETE] * 2  # ran once

    client = MlflowClient()
    (parent,) = _runs(client, tuning_study="cartpole-bc", tuning_kind="study")
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics["phase2/return_mean"] > 400  # CartPole's expert gets 500
    trial_runs = _runs(client, **{"mlflow.parentRunId": parent.info.run_id, "tuning_kind": "trial"})
    assert sorted(int(r.data.tags["trial"]) for r in trial_runs) == list(range(5))
    best = [r for r in trial_runs if r.data.tags.get("best_trial") == "true"]
    assert len(best) == 1 and best[0].data.tags["trial"] == parent.data.tags["best_trial"]
    reevaluations = _runs(client, tuning_kind="reevaluation")
    assert len(reevaluations) == 2
    assert {r.data.tags["mlflow.parentRunId"] for r in reevaluations} == {parent.info.run_id}
    completed = [r for r in trial_runs if r.data.tags["optuna_state"] == "COMPLETE"]
    for run in completed:  # each trial's training runs are its children, one per seed
        children = _runs(client, **{"mlflow.parentRunId": run.info.run_id})
        assert len(children) == 2 and all(c.info.status == "FINISHED" for c in children)
    config_file = tmp_path / "bc_seals_cartpole.toml"
    assert config_file.is_file()
    artifacts = {a.path for a in client.list_artifacts(parent.info.run_id)}
    assert {"bc_seals_cartpole.toml", "tuning_result.json"} <= artifacts

    # A third run of the command with the study complete only reports.
    n_runs = len(_runs(client, tuning_study="cartpole-bc"))
    report = run_cli(_tune_args(cli_bin, storage, 5), cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "phase 2: return" in report.stdout and "already has its 5 trials" in report.stderr
    assert len(_runs(client, tuning_study="cartpole-bc")) == n_runs
    assert MlflowClient().get_run(parent.info.run_id).info.status == "FINISHED"

    # The tuned config runs through `train`.
    trained = run_cli(
        [str(cli_bin), "train", "bc", "seals_cartpole", "--config-file", str(config_file)],
        cwd=tmp_path,
    )
    assert trained.returncode == 0, trained.stderr
    assert "status: COMPLETED" in trained.stdout


def test_sigterm_keeps_completed_trials_and_rerun_resumes(
    mlflow_store: str, tmp_path: Path, cli_bin: Path
) -> None:
    storage = f"journal:{tmp_path / 'study.journal'}"
    args = _tune_args(cli_bin, storage, 2, "--set", "bc.n_epochs=10", "--pruner", "none")
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_RUN_ID"}
    worker = subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    deadline = time.monotonic() + 300
    study = None
    while time.monotonic() < deadline:
        time.sleep(0.5)
        try:
            study = optuna.load_study(study_name="cartpole-bc", storage=open_storage(storage))
        except KeyError:
            continue
        running = [t.number for t in study.trials if t.state == TrialState.RUNNING]
        if not running or TrialState.COMPLETE not in [t.state for t in study.trials]:
            continue
        training = _runs(MlflowClient(), tuning_trial=str(running[0]))
        if any(r.info.status == "RUNNING" for r in training):
            break  # the running trial's training run has started
    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=120)[0]
    assert worker.returncode == 130, output
    assert "run the same command again to resume" in output

    study = optuna.load_study(study_name="cartpole-bc", storage=open_storage(storage))
    states = {t.number: t.state for t in study.trials}
    assert TrialState.COMPLETE in states.values()
    assert TrialState.RUNNING not in states.values()
    interrupted = [n for n, s in states.items() if s == TrialState.FAIL]
    assert len(interrupted) == 1
    client = MlflowClient()
    (killed,) = _runs(client, tuning_kind="trial", trial=str(interrupted[0]))
    assert killed.info.status == "KILLED"
    children = _runs(client, **{"mlflow.parentRunId": killed.info.run_id})
    # The stop lands in the running seed's training (KILLED) or just after it ended (FINISHED).
    assert children and {c.info.status for c in children} <= {"FINISHED", "KILLED"}

    resumed = run_cli(args, cwd=tmp_path, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    study = optuna.load_study(study_name="cartpole-bc", storage=open_storage(storage))
    done = study.get_trials(states=(TrialState.COMPLETE,))
    assert len(done) == 2  # the interrupted trial was made up for
    assert "phase 2: return" in resumed.stdout
