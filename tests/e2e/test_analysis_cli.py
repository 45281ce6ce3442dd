"""summarize / compare through the real CLI on real MLflow runs and sacred folders; the notebook."""

from __future__ import annotations

import json
import os
import sys

import mlflow
import nbformat
import pytest
from nbclient import NotebookClient

from imitation_mlflow.scripts.train_imitation import train_imitation_ex
from tests.e2e.conftest import REPO, run_cli
from tests.sacred_runs import write_run

pytestmark = pytest.mark.e2e

QUICK = {
    "demonstrations.n_expert_demos": 4,
    "bc.n_epochs": 4,
    "policy_evaluation.n_episodes_eval": 8,
}


@pytest.fixture
def bc_runs(mlflow_store):
    """Two real BC runs on CartPole in the test store (experiment 'imitation')."""
    for seed in (0, 1):
        run = train_imitation_ex.run(
            command_name="bc",
            named_configs=["bc_seals_cartpole"],
            config_updates={"seed": seed, **QUICK},
        )
        assert run.status == "COMPLETED", run.fail_trace
    return mlflow_store


@pytest.fixture
def baseline_folder(tmp_path):
    """Published-style sacred runs of 'gail' on CartPole (no random score recorded)."""
    root = tmp_path / "baseline"
    for seed, score in enumerate([120.0, 480.0, 300.0]):
        write_run(
            root,
            seed + 1,
            algo="gail",
            env_id="seals/CartPole-v0",
            seed=seed,
            score=score,
            expert=500.0,
            random=None,
        )
    return root


def test_summarize_csv_from_mlflow_and_folder(bc_runs, tmp_path, cli_bin, baseline_folder):
    done = run_cli([str(cli_bin), "summarize", "csv", "--experiment", "imitation"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "algo, env, score, expert_score" and len(lines) == 3
    assert all(line.startswith("bc, seals/CartPole-v0, ") for line in lines[1:])
    done = run_cli([str(cli_bin), "summarize", "csv", str(baseline_folder)], tmp_path)
    assert done.stdout.splitlines()[1:] == [
        "gail, seals/CartPole-v0, 120.0, 500.0",  # ordered by seed
        "gail, seals/CartPole-v0, 480.0, 500.0",
        "gail, seals/CartPole-v0, 300.0, 500.0",
    ]


def test_summarize_markdown_writes_plots_and_logs_them(bc_runs, tmp_path, cli_bin):
    out = tmp_path / "report" / "summary.md"
    done = run_cli(
        [str(cli_bin), "summarize", "markdown", "imitation", "--output", str(out), "--reps", "200"],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text()
    assert "## bc" in text and "| seals/CartPole-v0 |" in text and "IQM" in text
    images = [line[line.index("(") + 1 : -1] for line in text.splitlines() if line.startswith("![")]
    assert len(images) == 3 and all((out.parent / image).is_file() for image in images)
    (summary,) = mlflow.search_runs(
        experiment_names=["imitation"],
        output_format="list",
        filter_string="tags.analysis = 'summary'",
    )
    logged = {a.path for a in mlflow.MlflowClient().list_artifacts(summary.info.run_id)}
    assert "summary.md" in logged
    again = tmp_path / "again.md"
    run_cli(
        [
            str(cli_bin),
            "summarize",
            "markdown",
            "imitation",
            "--output",
            str(again),
            "--reps",
            "200",
            "--no-plots",
        ],
        tmp_path,
    )
    without_plots = again.read_text().rstrip()
    assert without_plots == text.split("## Plots")[0].rstrip()


def test_compare_mlflow_runs_with_a_sacred_baseline(bc_runs, tmp_path, cli_bin, baseline_folder):
    done = run_cli(
        [
            str(cli_bin),
            "compare",
            "imitation",
            str(baseline_folder),
            "--baseline-algo",
            "gail",
            "--json",
            "--reps",
            "300",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    estimate = result["probability_of_improvement"]["seals/CartPole-v0"]
    assert result["algo"] == "bc" and estimate["runs"] == [2, 3]
    assert 0.0 <= estimate["ci_low"] <= estimate["point"] <= estimate["ci_high"] <= 1.0
    assert "unequal" not in done.stderr


def test_compare_needs_algo_when_several(tmp_path, cli_bin, baseline_folder):
    write_run(
        baseline_folder, 9, algo="airl", env_id="seals/CartPole-v0", seed=0, score=1.0, expert=500.0
    )
    done = run_cli(
        [
            str(cli_bin),
            "compare",
            str(baseline_folder),
            str(baseline_folder),
            "--baseline-algo",
            "gail",
        ],
        tmp_path,
    )
    assert done.returncode == 2 and "airl, gail" in done.stderr


def test_corrupt_folders_warn_and_missing_source_fails(tmp_path, cli_bin, baseline_folder):
    (baseline_folder / "sacred" / "train_adversarial" / "2" / "run.json").write_text("{")
    done = run_cli([str(cli_bin), "summarize", "csv", str(baseline_folder)], tmp_path)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 3
    assert "skipped 1 corrupt or partial run folder" in done.stderr
    env = {"MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/empty.db"}
    os.environ.update(env)
    done = run_cli([str(cli_bin), "summarize", "csv", "no-such-experiment"], tmp_path)
    assert done.returncode == 2 and "is no folder or .zip, and no MLflow experiment" in done.stderr


def test_notebook_executes_against_a_store(bc_runs, tmp_path, baseline_folder, monkeypatch):
    monkeypatch.setenv("ANALYSIS_SOURCE", "imitation")
    monkeypatch.setenv("ANALYSIS_BASELINE", str(baseline_folder))
    monkeypatch.setenv("ANALYSIS_BASELINE_ALGO", "gail")
    monkeypatch.setenv("ANALYSIS_REPS", "200")
    monkeypatch.setenv("ANALYSIS_PLOTS", str(tmp_path / "plots"))
    notebook = nbformat.read(REPO / "notebooks" / "benchmark_analysis.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    assert (tmp_path / "plots" / "probability_of_improvement.png").is_file()
    assert sys.executable  # the kernel is this environment's (ipykernel installed with it)
