"""The suite, the sacred exporter and importer, through the real CLI and a real store."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

import mlflow
import pytest

from tests.e2e.conftest import TINY, TINY_BC, run_cli
from tests.sacred_runs import write_run

pytestmark = pytest.mark.e2e


def _training_runs(experiment: str = "imitation") -> list[mlflow.entities.Run]:
    return mlflow.search_runs(
        experiment_names=[experiment], output_format="list", filter_string="tags.algo != ''"
    )


@pytest.fixture
def quick_suite(mlflow_store, tmp_path, cli_bin):
    done = run_cli([str(cli_bin), "benchmark", "run", "--quick", "--jobs", "2", *TINY], tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_local_suite_runs_skips_and_forces(quick_suite, tmp_path, cli_bin):
    runs = _training_runs()
    assert sorted(r.info.run_name for r in runs) == [
        f"{algo}-seals_cartpole-s{seed}"
        for algo in ("airl", "bc", "dagger", "gail")
        for seed in (0, 1)
    ]
    assert {r.info.status for r in runs} == {"FINISHED"}
    gail = next(r for r in runs if r.data.tags["algo"] == "gail")
    assert gail.data.params["total_timesteps"] == "1024"  # only the keys GAIL has reach it
    (parent_id,) = {r.data.tags["suite"] for r in runs}
    parent = mlflow.get_run(parent_id)
    assert parent.info.status == "FINISHED" and parent.data.tags["best_child"] in {
        r.info.run_id for r in runs
    }
    assert all(r.data.tags["mlflow.parentRunId"] == parent_id for r in runs)
    # BC's and DAgger's two seeds each train together: 6 processes make the 8 runs
    assert "8 to run (6 processes)" in quick_suite.stdout
    assert "done=6" in quick_suite.stderr and "remaining=0" in quick_suite.stderr
    again = run_cli([str(cli_bin), "benchmark", "run", "--quick", *TINY], tmp_path)
    assert "0 to run (0 processes), 8 already FINISHED" in again.stdout
    assert len(_training_runs()) == 8
    forced = run_cli(
        [str(cli_bin), "benchmark", "run", "--quick", "--force", "--jobs", "2", *TINY], tmp_path
    )
    assert forced.returncode == 0 and "8 to run" in forced.stdout
    assert len(_training_runs()) == 16
    bad = run_cli([str(cli_bin), "benchmark", "run", "--quick", "--set", "bc.bogus=1"], tmp_path)
    assert bad.returncode == 2 and "bc.batch_size" in bad.stderr


def test_command_lines_run_under_any_shell(mlflow_store, tmp_path, cli_bin):
    done = run_cli(
        [
            str(cli_bin),
            "benchmark",
            "commands",
            "--algos",
            "bc",
            "--envs",
            "seals_cartpole",
            "--seed-list",
            "5",
            *TINY_BC,
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (line,) = done.stdout.splitlines()
    assert " train bc seals_cartpole --seed 5 " in line
    subprocess.run(
        ["bash", "-c", line],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env=dict(os.environ),
        timeout=300,
    )
    (run,) = _training_runs()
    assert run.info.status == "FINISHED" and run.info.run_name == "bc-seals_cartpole-s5"
    assert run.data.tags["suite"]


def test_export_import_round_trip(quick_suite, tmp_path, cli_bin):
    out = tmp_path / "out"
    done = run_cli([str(cli_bin), "export", "sacred", str(out)], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    for script in ("train_imitation", "train_adversarial"):
        numbered = sorted(p.name for p in (out / "sacred" / script).iterdir())
        assert numbered == ["1", "2", "3", "4"]
    for algo, script in (("bc", "train_imitation"), ("gail", "train_adversarial")):
        run_dirs = sorted((out / algo / "seals-CartPole-v0").iterdir())
        assert len(run_dirs) == 2
        for run_dir in run_dirs:
            link = run_dir / "sacred"
            assert link.is_symlink()
            assert os.readlink(link).startswith(f"../../../sacred/{script}/")
            assert (link / "run.json").is_file() and (run_dir / "policy.zip").is_file()
    imitation = out / "sacred" / "train_imitation"
    bc_folder = next(  # numbered by start time: BC's and DAgger's batches start together
        imitation / n
        for n in "1234"
        if json.loads((imitation / n / "run.json").read_text())["command"] == "bc"
    )
    run = json.loads((bc_folder / "run.json").read_text())
    assert {
        "command",
        "status",
        "result",
        "start_time",
        "stop_time",
        "heartbeat",
        "host",
        "experiment",
        "meta",
    } <= set(run)
    assert run["status"] == "COMPLETED" and run["command"] == "bc"
    assert "monitor_return_mean" in run["result"]["imit_stats"]
    config = json.loads((bc_folder / "config.json").read_text())
    assert config["environment"]["gym_id"] == "seals/CartPole-v0" and "bc" in config
    metrics = json.loads((bc_folder / "metrics.json").read_text())
    assert len(metrics["bc/loss"]["values"]) == len(metrics["bc/loss"]["steps"]) >= 1

    again = run_cli([str(cli_bin), "export", "sacred", str(out)], tmp_path)
    assert "0 new and 8 updated" in again.stdout
    assert sorted(p.name for p in (out / "sacred" / "train_imitation").iterdir()) == list("1234")

    imported = run_cli(
        [str(cli_bin), "import", "sacred", str(out), "--experiment", "copy"], tmp_path
    )
    assert "imported 8 runs" in imported.stdout, imported.stderr[-2000:]
    twice = run_cli([str(cli_bin), "import", "sacred", str(out), "--experiment", "copy"], tmp_path)
    assert "imported 0 runs" in twice.stdout and len(_training_runs("copy")) == 8
    native = {r.info.run_name + r.data.tags["seed"]: r for r in _training_runs()}
    for copy in _training_runs("copy"):
        original = native[copy.info.run_name + copy.data.tags["seed"]]
        for tag in ("algo", "env_id", "env", "seed", "train_script"):
            assert copy.data.tags[tag] == original.data.tags[tag]
        for metric in (
            "imit_return_mean",
            "expert_return_mean",
            "random_return_mean",
            "normalized_score",
        ):
            assert copy.data.metrics[metric] == original.data.metrics[metric]

    out2 = tmp_path / "out2"
    run_cli([str(cli_bin), "export", "sacred", str(out2), "--experiment", "copy"], tmp_path)
    for script in ("train_imitation", "train_adversarial"):
        for n in ("1", "2", "3", "4"):
            for name in ("run.json", "config.json"):
                first = json.loads((out / "sacred" / script / n / name).read_text())
                second = json.loads((out2 / "sacred" / script / n / name).read_text())
                assert first == second, (script, n, name)


def test_import_refuses_hostile_input(mlflow_store, tmp_path, cli_bin):
    tree = tmp_path / "tree"
    good = write_run(
        tree, 1, algo="gail", env_id="seals/CartPole-v0", seed=0, score=400.0, expert=500.0
    )
    bad = write_run(tree, 2, algo="gail", env_id="seals/CartPole-v0", seed=1, score=1.0)
    (bad / "config.json").write_text("{broken")
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"environment": {"gym_id": "x"}, "seed": 0}))
    escaping = tree / "sacred" / "train_adversarial" / "3"
    escaping.mkdir(parents=True)
    (escaping / "run.json").write_text((good / "run.json").read_text())
    (escaping / "config.json").symlink_to(secret)
    archive = tmp_path / "runs.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(good / "run.json", "a/run.json")
        zf.write(good / "config.json", "a/config.json")
        zf.writestr("../evil/run.json", "{}")
        zf.writestr("/abs/config.json", "{}")
        link = zipfile.ZipInfo("b/run.json")
        link.external_attr = 0o120777 << 16
        zf.writestr(link, "/etc/passwd")

    done = run_cli([str(cli_bin), "import", "sacred", str(tree)], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "imported 1 runs" in done.stdout
    assert "refused 1 entries" in done.stderr and "skipped 2 corrupt" in done.stderr
    from_zip = run_cli(
        [str(cli_bin), "import", "sacred", str(archive), "--experiment", "z"], tmp_path
    )
    assert "imported 1 runs" in from_zip.stdout
    assert "refused 3 entries" in from_zip.stderr
    (run,) = _training_runs("z")
    assert run.data.tags["algo"] == "gail" and run.data.metrics["imit_return_mean"] == 400.0
    assert run.info.run_name == "gail-seals_cartpole-s0" and run.info.status == "FINISHED"
    assert not Path("/evil").exists()


def test_a_suite_without_an_expert_stops_before_its_parent(mlflow_store, tmp_path, cli_bin):
    args = ["benchmark", "run", "--algos", "bc", "--envs", "seals_mountain_car", "--seeds", "1"]
    done = run_cli([str(cli_bin), *args], tmp_path)
    assert done.returncode == 2 and "--expert-path" in done.stderr
    assert mlflow.get_experiment_by_name("imitation") is None
