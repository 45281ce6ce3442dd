import sys

import pytest

from imitation_mlflow.config.env_ids import MUJOCO_ENVS
from imitation_mlflow.errors import UserError
from imitation_mlflow.suite.matrix import (
    SuiteTask,
    expand_matrix,
    suite_name,
    suite_tasks,
    train_command,
)
from imitation_mlflow.suite.slurm import slurm_script


def test_matrix_is_the_cross_product():
    entries = expand_matrix("bc", "all", 3)
    assert len(entries) == 5 * 3
    assert {e.env for e in entries} == set(MUJOCO_ENVS)
    assert [e.seed for e in entries[:3]] == [0, 1, 2]
    assert entries[0].run_name == "bc-seals_ant-s0"


def test_seed_list_and_errors():
    assert [e.seed for e in expand_matrix("bc", "seals_cartpole", 10, "3,7")] == [3, 7]
    with pytest.raises(UserError, match="valid choices: airl, bc, dagger, gail"):
        expand_matrix("bc,gaill", "seals_cartpole", 1)
    with pytest.raises(UserError, match="seals_hopper"):
        expand_matrix("bc", "seals_hoper", 1)
    with pytest.raises(UserError, match="integers"):
        expand_matrix("bc", "seals_cartpole", 1, "1,x")


def test_suite_name_is_stable_across_processes():
    entries = expand_matrix("bc", "seals_cartpole,seals_hopper", 2)
    name = suite_name(entries, ["bc.batch_size=8"])
    assert name == suite_name(list(reversed(entries)), ["bc.batch_size=8"])
    assert name.startswith("suite-bc-seals_cartpole+seals_hopper-2seeds-")
    assert name != suite_name(entries, [])


def test_train_command_runs_this_interpreter():
    command = train_command(
        SuiteTask("bc", "seals_hopper", (4,)),
        experiment="e",
        suite_run_id="abc",
        sets=["bc.lr=0.1"],
    )
    assert command[:3] == [sys.executable, "-m", "imitation_mlflow"]
    assert command[3:6] == ["train", "bc", "seals_hopper"]
    assert ["--seed", "4"] == command[6:8] and "--suite" in command and "bc.lr=0.1" in command


def test_seeds_of_bc_and_dagger_cells_go_together():
    entries = expand_matrix("bc,gail", "seals_cartpole,seals_hopper", 3)
    tasks = suite_tasks(entries, batch_seeds=True)
    names = [task.name for task in tasks]
    assert "bc-seals_cartpole-s0-2" in names and "gail-seals_cartpole-s1" in names
    assert len(tasks) == 2 + 2 * 3
    together = next(t for t in tasks if t.name == "bc-seals_hopper-s0-2")
    assert together.run_names == [f"bc-seals_hopper-s{s}" for s in range(3)]
    command = train_command(together, experiment="e", suite_run_id="p", sets=[])
    assert command[6:8] == ["--seeds", "0-2"]
    assert len(suite_tasks(entries, batch_seeds=False)) == len(entries)


def test_slurm_script_is_a_job_array(tmp_path):
    script = slurm_script(
        ["echo a", "echo 'b c'", "echo d"],
        job_name="j",
        concurrency=2,
        log_dir=tmp_path,
        workdir=tmp_path,
        tracking_uri="sqlite:////x/mlflow.db",
    )
    assert script.startswith("#!/bin/bash\n")
    assert "#SBATCH --array=0-2%2" in script
    assert f"#SBATCH --output={tmp_path}/%x-%A_%a.out" in script
    assert "export MLFLOW_TRACKING_URI=sqlite:////x/mlflow.db" in script
    assert "'echo '\"'\"'b c'\"'\"''" in script
    with pytest.raises(UserError, match="already FINISHED"):
        slurm_script(
            [], job_name="j", concurrency=1, log_dir=tmp_path, workdir=tmp_path, tracking_uri=None
        )
