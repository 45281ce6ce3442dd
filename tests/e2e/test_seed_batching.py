"""Seeds trained together in one process: each its own run, the same as trained alone."""

from __future__ import annotations

import json
from pathlib import Path

import mlflow
import pytest
import torch
from mlflow.tracking import MlflowClient
from stable_baselines3 import PPO

from imitation_mlflow.config import build_config, starting_configs
from imitation_mlflow.config.sections import ImitationConfig
from imitation_mlflow.run import pipeline
from imitation_mlflow.run.request import RunRequest
from tests.e2e.conftest import TINY_BC, run_cli

pytestmark = pytest.mark.e2e


def _runs(experiment: str) -> dict[str, mlflow.entities.Run]:
    found = mlflow.search_runs(
        experiment_names=[experiment], output_format="list", filter_string="tags.algo != ''"
    )
    return {run.info.run_name: run for run in found}


def _policy(run_id: str) -> dict[str, torch.Tensor]:
    path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="policy.zip")
    return dict(PPO.load(path, device="cpu").policy.state_dict())


@pytest.mark.parametrize(
    ("algo", "budget"),
    [("bc", ["--set", "bc.n_batches=150"]), ("dagger", ["--set", "dagger.total_timesteps=1500"])],
)
def test_a_seed_trained_with_others_matches_it_alone(mlflow_store, tmp_path, cli_bin, algo, budget):
    base = [str(cli_bin), "train", algo, "seals_cartpole", "--no-progress", *TINY_BC, *budget]
    together = run_cli([*base, "--seeds", "0-2", "--experiment", "together"], tmp_path)
    assert together.returncode == 0, together.stderr[-3000:]
    alone = run_cli([*base, "--seed", "2", "--experiment", "alone"], tmp_path)
    assert alone.returncode == 0, alone.stderr[-3000:]
    runs = _runs("together")
    assert sorted(runs) == [f"{algo}-seals_cartpole-s{seed}" for seed in range(3)]
    assert {run.info.status for run in runs.values()} == {"FINISHED"}
    assert len(json.loads(together.stdout[together.stdout.index("{") :])) == 3
    batched, single = runs[f"{algo}-seals_cartpole-s2"], _runs("alone")[f"{algo}-seals_cartpole-s2"]
    assert batched.data.params == single.data.params
    for key in ("normalized_score", "imit_return_mean", "expert_return_mean"):
        assert batched.data.metrics[key] == single.data.metrics[key]
    curve = "bc/loss" if algo == "bc" else "dagger/n_transitions"
    client = MlflowClient()
    assert [m.step for m in client.get_metric_history(batched.info.run_id, curve)] == [
        m.step for m in client.get_metric_history(single.info.run_id, curve)
    ]
    for name, value in _policy(single.info.run_id).items():
        torch.testing.assert_close(_policy(batched.info.run_id)[name], value, rtol=0, atol=0)
    artifacts = {a.path for a in client.list_artifacts(batched.info.run_id)}
    assert {"config.json", "result.json", "cout.txt", "policy.zip"} <= artifacts


def test_suite_rerun_trains_only_the_missing_seeds_of_a_cell(mlflow_store, tmp_path, cli_bin):
    suite = [str(cli_bin), "benchmark", "run", "--algos", "bc", "--envs", "seals_cartpole"]
    first = run_cli([*suite, "--seeds", "3", "--no-progress", *TINY_BC], tmp_path)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "3 to run (1 processes)" in first.stdout and "finished 3, failed 0" in first.stdout
    runs = _runs("imitation")
    MlflowClient().set_terminated(runs["bc-seals_cartpole-s1"].info.run_id, "FAILED")
    again = run_cli([*suite, "--seeds", "3", "--no-progress", *TINY_BC], tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "1 to run (1 processes), 2 already FINISHED" in again.stdout
    seeds = [
        run.data.tags["seed"]
        for run in mlflow.search_runs(
            experiment_names=["imitation"], output_format="list", filter_string="tags.algo = 'bc'"
        )
    ]
    assert sorted(seeds) == ["0", "1", "1", "2"]


def test_a_failing_seed_fails_only_its_own_run(mlflow_store, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real_score = pipeline.score

    def score_failing_seed_1(policy, inputs):  # type: ignore[no-untyped-def]
        if inputs.config.seed == 1:
            raise RuntimeError("evaluation of seed 1 broke")
        return real_score(policy, inputs)

    monkeypatch.setattr(pipeline, "score", score_failing_seed_1)
    updates = {
        "demonstrations.n_expert_demos": 4,
        "bc.n_batches": 20,
        "policy_evaluation.n_episodes_eval": 3,
    }
    requests = [
        RunRequest(
            algo="bc",
            config=build_config(
                ImitationConfig, starting_configs("bc", "seals_cartpole"), {**updates, "seed": s}
            ),
            env_name="seals_cartpole",
            progress=False,
        )
        for s in range(3)
    ]
    outcomes = pipeline.run_experiments(requests)
    assert [o.status for o in outcomes] == ["COMPLETED", "FAILED", "COMPLETED"]
    assert "evaluation of seed 1 broke" in (outcomes[1].fail_trace or "")
    runs = _runs("imitation")
    statuses = {name: run.info.status for name, run in runs.items()}
    assert statuses == {
        "bc-seals_cartpole-s0": "FINISHED",
        "bc-seals_cartpole-s1": "FAILED",
        "bc-seals_cartpole-s2": "FINISHED",
    }
    failed = runs["bc-seals_cartpole-s1"].info.run_id
    cout = Path(mlflow.artifacts.download_artifacts(run_id=failed, artifact_path="cout.txt"))
    assert "evaluation of seed 1 broke" in cout.read_text()
    assert "normalized_score" in runs["bc-seals_cartpole-s2"].data.metrics
