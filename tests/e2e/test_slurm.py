"""`benchmark slurm` writes an array script that a real SLURM runs to FINISHED runs."""

from __future__ import annotations

import subprocess
import time

import mlflow
import pytest

from tests.e2e.conftest import TINY_BC, run_cli
from tests.e2e.slurm_cluster import missing_tools, slurm_cluster

pytestmark = [pytest.mark.e2e, pytest.mark.slurm]


@pytest.mark.skipif(bool(missing_tools()), reason=f"SLURM/munge not installed: {missing_tools()}")
def test_job_array_runs_every_task(mlflow_store, tmp_path, cli_bin):
    script = tmp_path / "run_all.sbatch"
    done = run_cli(
        [
            str(cli_bin),
            "benchmark",
            "slurm",
            "--algos",
            "bc",
            "--envs",
            "seals_cartpole",
            "--seeds",
            "2",
            "--max-concurrent",
            "2",
            "--output",
            str(script),
            "--log-dir",
            str(tmp_path / "logs"),
            "--no-batch-seeds",  # one array task per run
            *TINY_BC,
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "#SBATCH --array=0-1%2" in script.read_text()
    with slurm_cluster(tmp_path / "slurm") as env:
        submitted = subprocess.run(
            ["sbatch", str(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert submitted.returncode == 0, submitted.stderr
        deadline = time.time() + 420
        while time.time() < deadline:
            runs = mlflow.search_runs(
                experiment_names=["imitation"],
                output_format="list",
                filter_string="tags.algo != ''",
            )
            if len(runs) == 2 and all(r.info.status != "RUNNING" for r in runs):
                break
            time.sleep(3)
    assert sorted(r.info.run_name for r in runs) == ["bc-seals_cartpole-s0", "bc-seals_cartpole-s1"]
    assert {r.info.status for r in runs} == {"FINISHED"}, [
        p.read_text()[-2000:] for p in (tmp_path / "logs").glob("*")
    ]
    assert len(list((tmp_path / "logs").glob("imitation-suite-*_*.out"))) == 2
