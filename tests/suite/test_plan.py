"""Planning a suite against a real store: killed runs with a checkpoint continue, others rerun."""

from __future__ import annotations

from pathlib import Path

from mlflow import MlflowClient

from imitation_mlflow.suite.launch import SuiteMatrix, plan_suite
from imitation_mlflow.tracking.contract import PARENT_TAG, SUITE_TAG

MATRIX = SuiteMatrix(
    algos="gail",
    envs="seals_cartpole",
    seeds=2,
    sets=("total_timesteps=2048", "demonstrations.n_expert_demos=4"),
)


def _killed_child(parent: str, name: str, tmp_path: Path, files: list[str]) -> str:
    client = MlflowClient()
    experiment = client.get_run(parent).info.experiment_id
    run_id = client.create_run(
        experiment, run_name=name, tags={SUITE_TAG: parent, PARENT_TAG: parent}
    ).info.run_id
    for file in files:
        local = tmp_path / run_id / file
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(b"x")
        client.log_artifact(run_id, str(local), "checkpoints/00002")
    client.set_terminated(run_id, "KILLED")
    return run_id


def test_a_killed_run_with_a_complete_checkpoint_is_resumed(mlflow_store, tmp_path):
    first = plan_suite(MATRIX)
    assert first.run_count == 2 and first.resumed == 0
    resumable = _killed_child(
        first.parent_run_id, "gail-seals_cartpole-s0", tmp_path, ["policy.zip", "state.pt"]
    )
    _killed_child(first.parent_run_id, "gail-seals_cartpole-s1", tmp_path, ["policy.zip"])

    again = plan_suite(MATRIX)
    assert again.parent_run_id == first.parent_run_id and again.resumed == 1
    resume = again.commands["gail-seals_cartpole-s0"]
    assert resume[resume.index("--resume") + 1] == resumable
    assert "--seed" not in resume and "--suite" not in resume
    # Only what --resume may change travels: the budget, not the demonstration count.
    assert "total_timesteps=2048" in resume and "demonstrations.n_expert_demos=4" not in resume
    fresh = again.commands["gail-seals_cartpole-s1"]  # its checkpoint never finished uploading
    assert "--resume" not in fresh and "demonstrations.n_expert_demos=4" in fresh

    forced = plan_suite(SuiteMatrix(**{**MATRIX.__dict__, "force": True}))
    assert forced.resumed == 0 and all("--resume" not in c for c in forced.commands.values())
