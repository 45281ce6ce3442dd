"""DAgger, GAIL and AIRL end to end: the published spellings, curves, artifacts, scores."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient
from stable_baselines3 import PPO

from imitation_mlflow.scripts.train_adversarial import train_adversarial_ex
from imitation_mlflow.scripts.train_imitation import train_imitation_ex
from tests.e2e.conftest import run_cli

pytestmark = pytest.mark.e2e


def test_dagger_solves_cartpole_through_the_sacred_spelling(mlflow_store, tmp_path):
    done = run_cli(
        [
            sys.executable,
            "-m",
            "imitation_mlflow.scripts.train_imitation",
            "dagger",
            "with",
            "dagger_seals_cartpole",
            "seed=0",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    assert run.info.run_name == "dagger-seals_cartpole-s0" and run.info.status == "FINISHED"
    assert run.data.tags["train_script"] == "train_imitation"
    assert run.data.metrics["normalized_score"] >= 0.9
    client = MlflowClient()
    rounds = client.get_metric_history(run.info.run_id, "dagger/round")
    betas = [m.value for m in client.get_metric_history(run.info.run_id, "dagger/beta")]
    assert len(rounds) >= 3 and betas[0] == 1.0 and betas[-1] == 0.0
    assert client.get_metric_history(run.info.run_id, "dagger/n_transitions")[-1].value >= 6000


@pytest.mark.parametrize("algo", ["gail", "airl"])
def test_adversarial_runs_log_curves_reward_and_checkpoints(mlflow_store, algo):
    run = train_adversarial_ex.run(
        command_name=algo,
        named_configs=["seals_cartpole", "fast_adversarial"],
        config_updates={
            "total_timesteps": 1024,
            "checkpoint_interval": 2,
            "environment.max_episode_steps": 50,
        },
    )
    assert run.status == "COMPLETED", run.fail_trace
    stored = mlflow.get_run(run.run_id)
    assert stored.data.tags["train_script"] == "train_adversarial"
    assert {
        "disc/loss",
        "disc/accuracy",
        "disc/expert_accuracy",
        "disc/generated_accuracy",
        "time/fps",
        "gen/train/value_loss",
        "gen/rollout/ep_rew_mean",
    } <= set(stored.data.metrics)
    client = MlflowClient()
    reward = {a.path for a in client.list_artifacts(run.run_id, "reward")}
    assert "reward/reward_net.pt" in reward and "reward/policy.zip" in reward
    assert ("reward/reward_g.pt" in reward) == (algo == "airl")
    checkpoints = {a.path for a in client.list_artifacts(run.run_id, "checkpoints")}
    assert checkpoints == {"checkpoints/00002", "checkpoints/00004"}


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(1e-9, {f"checkpoints/0000{r}" for r in range(1, 5)}), (0.0, set())],
)
def test_checkpoints_by_time(mlflow_store, minutes, expected):
    """A round that ends ``checkpoint_minutes`` after the last checkpoint writes one (here:
    every round); 0 turns it off, leaving only ``checkpoint_interval``'s (none here)."""
    run = train_adversarial_ex.run(
        command_name="gail",
        named_configs=["seals_cartpole", "fast_adversarial"],
        config_updates={
            "total_timesteps": 1024,
            "checkpoint_minutes": minutes,
            "environment.max_episode_steps": 50,
        },
    )
    assert run.status == "COMPLETED", run.fail_trace
    client = MlflowClient()
    checkpoints = {a.path for a in client.list_artifacts(run.run_id, "checkpoints")}
    assert checkpoints == expected


def test_adversarial_user_errors(mlflow_store):
    from imitation_mlflow.errors import UserError

    with pytest.raises(UserError, match="multiple of environment.num_vec"):
        train_adversarial_ex.run(
            command_name="gail",
            named_configs=["seals_cartpole"],
            config_updates={"rl.batch_size": 1001},
        )
    with pytest.raises(UserError, match="bc.batch_size"):
        train_adversarial_ex.run(command_name="gail", config_updates={"bc.batch_size": 3})
    with pytest.raises(UserError, match="valid choices: bc, dagger"):
        train_imitation_ex.run(command_name="gail")


@pytest.mark.parametrize("algo", ["gail", "airl"])
def test_adversarial_solves_cartpole(mlflow_store, tmp_path, cli_bin, algo):
    done = run_cli(
        [str(cli_bin), "train", algo, "seals_cartpole", "--seed", "0", "--no-progress"], tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = mlflow.search_runs(experiment_names=["imitation"], output_format="list")
    assert run.data.metrics["normalized_score"] >= 0.9
    accuracy = [
        m.value for m in MlflowClient().get_metric_history(run.info.run_id, "disc/accuracy")
    ]
    assert 0.5 < max(accuracy) and min(accuracy[len(accuracy) // 2 :]) < 1.0


FAST_GAIL = [
    "--config",
    "fast_adversarial",
    "--set",
    "checkpoint_interval=3",
    "--set",
    "environment.max_episode_steps=50",
    "--no-progress",
]


def _train_until_checkpoints(cli_bin, tmp_path, count: int) -> str:
    """Start a long GAIL run, wait for ``count`` checkpoints, SIGTERM it; its run id."""
    env = {k: v for k, v in os.environ.items() if k != "MLFLOW_RUN_ID"}
    args = [str(cli_bin), "train", "gail", "seals_cartpole", *FAST_GAIL]
    process = subprocess.Popen(
        [*args, "--set", "total_timesteps=1000000"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = MlflowClient()
    deadline = time.time() + 180
    run_id = None
    while time.time() < deadline and run_id is None:
        time.sleep(1)
        runs = (
            mlflow.search_runs(experiment_names=["imitation"], output_format="list")
            if mlflow.get_experiment_by_name("imitation")
            else []
        )
        if runs and len(client.list_artifacts(runs[0].info.run_id, "checkpoints")) >= count:
            run_id = runs[0].info.run_id
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=120) == 1
    assert run_id, "no checkpoint appeared"
    return str(run_id)


def _policy_parameters(run_id: str) -> dict[str, torch.Tensor]:
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="policy.zip")
    return PPO.load(path, device="cpu").policy.state_dict()


def _last_values(run_id: str) -> dict[str, dict[int, float]]:
    """Every training curve but the wall-clock ones: step -> the value logged last there."""
    client = MlflowClient()
    curves = {}
    for key in mlflow.get_run(run_id).data.metrics:
        if "/" in key and "time/" not in key:
            curves[key] = {m.step: m.value for m in client.get_metric_history(run_id, key)}
    return curves


def test_killed_gail_run_resumes_exactly_as_if_never_stopped(mlflow_store, tmp_path, cli_bin):
    run_id = _train_until_checkpoints(cli_bin, tmp_path, count=2)
    client = MlflowClient()
    assert mlflow.get_run(run_id).info.status == "KILLED"
    last = max(int(a.path.rsplit("/", 1)[-1]) for a in client.list_artifacts(run_id, "checkpoints"))
    total = f"total_timesteps={256 * (last + 4)}"

    resume = ["train", "gail", "seals_cartpole", "--resume", run_id, "--set", total]
    done = run_cli([str(cli_bin), *resume, "--no-progress"], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    resumed = mlflow.get_run(run_id)
    assert resumed.info.status == "FINISHED"
    assert resumed.data.tags["resumed_from_round"] == str(last)
    assert resumed.data.tags["resume_overrides"] == total
    rounds = [int(m.value) for m in client.get_metric_history(run_id, "gen/round")]
    assert rounds[-4:] == [last + 1, last + 2, last + 3, last + 4]

    # The same run never stopped: same parameters, same scores, same curves.
    straight = run_cli(
        [str(cli_bin), "train", "gail", "seals_cartpole", *FAST_GAIL, "--set", total], tmp_path
    )
    assert straight.returncode == 0, straight.stderr[-3000:]
    (twin,) = [
        r
        for r in mlflow.search_runs(experiment_names=["imitation"], output_format="list")
        if r.info.run_id != run_id
    ]
    expected, got = _policy_parameters(twin.info.run_id), _policy_parameters(run_id)
    assert expected.keys() == got.keys()
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=0, atol=0, msg=key)
    for key in ("imit_return_mean", "normalized_score", "expert_return_mean"):
        assert resumed.data.metrics[key] == twin.data.metrics[key], key
    assert _last_values(run_id) == _last_values(twin.info.run_id)

    wrong = run_cli([str(cli_bin), "train", "airl", "seals_cartpole", "--resume", run_id], tmp_path)
    assert wrong.returncode == 2 and "is a gail run" in wrong.stderr
