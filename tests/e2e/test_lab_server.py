"""The lab setup: runs, suites, analysis, export and tuning through ``mlflow server`` on
PostgreSQL, basic auth, a server restart mid-run, and eight runs writing at once."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import mlflow
import optuna
import pytest
from mlflow import MlflowClient
from optuna.trial import TrialState

from tests.e2e.conftest import TINY_BC, run_cli
from tests.e2e.lab_servers import ADMIN, MlflowServer, PostgresServer, postgres_bin

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.server,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL not installed"),
]


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MlflowServer]:
    """One tracking server for the module (each test uses experiments of its own)."""
    server = MlflowServer(postgres.create_database("lab"), tmp_path_factory.mktemp("lab")).start()
    yield server
    server.stop()


@pytest.fixture
def on_server(lab: MlflowServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """This test's commands and client talk to the lab server; cwd is a fresh folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", lab.url)
    monkeypatch.delenv("MLFLOW_RUN_ID", raising=False)
    mlflow.set_tracking_uri(lab.url)
    yield lab.url
    mlflow.set_tracking_uri(None)  # type: ignore[arg-type]


def _training_runs(client: MlflowClient, experiment: str) -> list[mlflow.entities.Run]:
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    return client.search_runs([found.experiment_id], "tags.algo != ''", max_results=1000)


def _points(client: MlflowClient, run: mlflow.entities.Run) -> dict[str, list[int]]:
    """Every curve of ``run``: its steps, in order."""
    return {
        key: sorted(p.step for p in client.get_metric_history(run.info.run_id, key))
        for key in run.data.metrics
    }


HF_SECRET = "hf_lab_token_never_stored_9f3a"
DB_SECRET = "db-password-never-stored-7c21"


def _artifact_texts(client: MlflowClient, run_id: str, path: str | None = None) -> Iterator[str]:
    """Every artifact file of a run, downloaded and read as text (bytes decoded leniently)."""
    for item in client.list_artifacts(run_id, path):
        if item.is_dir:
            yield from _artifact_texts(client, run_id, item.path)
        else:
            local = Path(
                mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=item.path)
            )
            yield local.read_bytes().decode("utf-8", errors="replace")


def _assert_secrets_never_stored(experiment: str, *secrets: str) -> int:
    """No param, tag or artifact of any run of ``experiment`` holds one of ``secrets``; the
    number of runs checked."""
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    assert found is not None
    runs = client.search_runs([found.experiment_id], max_results=1000)
    for run in runs:
        stored = [*run.data.params.values(), *run.data.tags.values()]
        stored += list(_artifact_texts(client, run.info.run_id))
        for secret in secrets:
            assert not any(secret in text for text in stored), (run.info.run_name, secret)
    return len(runs)


def _eight_concurrent_runs(cli_bin: Path, cwd: Path, experiment: str) -> list[mlflow.entities.Run]:
    """A suite of 8 BC seeds as 8 processes at once; asserts each run arrived whole."""
    done = run_cli(
        [
            str(cli_bin), "benchmark", "run", "--algos", "bc", "--envs", "seals_cartpole",
            "--seeds", "8", "--jobs", "8", "--no-batch-seeds", "--experiment", experiment,
            "--no-progress", *TINY_BC, "--set", "bc.log_interval=5",
        ],
        cwd,
        timeout=900,
        env={"HF_TOKEN": HF_SECRET},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    client = MlflowClient()
    runs = _training_runs(client, experiment)
    assert sorted(r.data.tags["seed"] for r in runs) == [str(s) for s in range(8)]
    assert {r.info.status for r in runs} == {"FINISHED"}
    reference = runs[0]
    curves = {key: len(steps) for key, steps in _points(client, reference).items()}
    assert len(reference.data.params) > 20 and sum(curves.values()) > 50
    artifacts = {a.path for a in client.list_artifacts(reference.info.run_id)}
    assert {"policy.zip", "result.json", "cout.txt", "config.json"} <= artifacts
    for run in runs[1:]:  # every param, every metric point and every artifact of every run
        assert set(run.data.params) == set(reference.data.params)
        assert {key: len(steps) for key, steps in _points(client, run).items()} == curves
        assert {a.path for a in client.list_artifacts(run.info.run_id)} == artifacts
    return runs


def test_eight_concurrent_runs_on_sqlite(mlflow_store: str, tmp_path: Path, cli_bin: Path) -> None:
    _eight_concurrent_runs(cli_bin, tmp_path, "concurrent")


def test_suite_analysis_and_export_through_the_server(
    on_server: str, lab: MlflowServer, tmp_path: Path, cli_bin: Path
) -> None:
    runs = _eight_concurrent_runs(cli_bin, tmp_path, "lab-suite")
    served = list((lab.root / "artifacts").rglob("result.json"))
    assert len(served) >= 8  # artifacts went through the server into its folder
    assert _assert_secrets_never_stored("lab-suite", HF_SECRET) == 9  # 8 runs and the suite

    summary = run_cli([str(cli_bin), "summarize", "csv", "--experiment", "lab-suite"], tmp_path)
    assert summary.returncode == 0, summary.stderr
    rows = list(csv.DictReader(io.StringIO(summary.stdout)))
    assert len(rows) == 8 and {row["algo"] for row in rows} == {"bc"}

    compared = run_cli(
        [str(cli_bin), "compare", "lab-suite", "lab-suite", "--baseline-algo", "bc",
         "--reps", "50", "--json"],
        tmp_path,
    )  # fmt: skip
    assert compared.returncode == 0, compared.stderr
    assert '"probability_of_improvement"' in compared.stdout

    exported = run_cli(
        [str(cli_bin), "export", "sacred", str(tmp_path / "sacred"), "--experiment", "lab-suite"],
        tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    assert len(list((tmp_path / "sacred").rglob("run.json"))) == len(runs)


def test_tuning_workers_share_a_postgres_study(
    on_server: str, postgres: PostgresServer, tmp_path: Path, cli_bin: Path
) -> None:
    # The server trusts loopback, so any password works; it must never reach the store.
    storage = postgres.create_database("optuna_tune").replace("postgres@", f"postgres:{DB_SECRET}@")
    done = run_cli(
        [
            str(cli_bin), "tune", "bc", "seals_cartpole", "--trials", "2", "--jobs", "2",
            "--repeat", "1", "--eval-seeds", "1", "--storage", storage, "--study-name", "lab-bc",
            "--sampler", "random", "--no-progress", "--experiment", "lab-tune",
            *TINY_BC,
        ],
        tmp_path,
        timeout=900,
        env={"HF_TOKEN": HF_SECRET},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert _assert_secrets_never_stored("lab-tune", HF_SECRET, DB_SECRET) >= 4
    study = optuna.load_study(study_name="lab-bc", storage=storage)
    assert len(study.get_trials(states=(TrialState.COMPLETE,))) == 2
    trial_runs = MlflowClient().search_runs(
        [MlflowClient().get_experiment_by_name("lab-tune").experiment_id],
        "tags.tuning_kind = 'trial'",
    )
    assert len(trial_runs) == 2 and {r.info.status for r in trial_runs} == {"FINISHED"}


def test_basic_auth_refuses_a_client_without_credentials(
    postgres: PostgresServer, tmp_path: Path, cli_bin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = MlflowServer(postgres.create_database("lab_auth"), tmp_path, auth=True).start()
    try:
        env = {"MLFLOW_TRACKING_URI": server.url}
        train = [str(cli_bin), "train", "bc", "seals_cartpole", *TINY_BC, "--experiment", "auth"]
        refused = run_cli(train, tmp_path, env=env)
        assert refused.returncode == 2
        assert refused.stderr.strip().splitlines() == [
            f"Error: tracking server {server.url} refused the request (not authenticated or not "
            "allowed); set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to an account "
            "it knows"
        ]
        wrong = run_cli(train, tmp_path, env={**env, "MLFLOW_TRACKING_USERNAME": ADMIN[0],
                                               "MLFLOW_TRACKING_PASSWORD": "wrong"})  # fmt: skip
        assert wrong.returncode == 2 and "refused the request" in wrong.stderr

        credentials = {"MLFLOW_TRACKING_USERNAME": ADMIN[0], "MLFLOW_TRACKING_PASSWORD": ADMIN[1]}
        for key, value in credentials.items():
            monkeypatch.setenv(key, value)
        client = MlflowClient(server.url)
        assert client.get_experiment_by_name("auth") is None  # the refused runs left nothing
        done = run_cli(train, tmp_path, env={**env, **credentials})
        assert done.returncode == 0, done.stderr[-3000:]
        (run,) = client.search_runs([client.get_experiment_by_name("auth").experiment_id])
        assert run.info.status == "FINISHED"
        assert ADMIN[1] not in str(run.data.params) + str(run.data.tags)
    finally:
        server.stop()


def test_server_restart_mid_run_loses_no_metric_point(
    on_server: str, lab: MlflowServer, tmp_path: Path, cli_bin: Path
) -> None:
    n_batches, log_interval = 6000, 10
    budget = ["--set", f"bc.n_batches={n_batches}", "--set", f"bc.log_interval={log_interval}"]
    args = [str(cli_bin), "train", "bc", "seals_cartpole", *TINY_BC, *budget,
            "--experiment", "restart"]  # fmt: skip
    outage: list[float] = []

    def restart_once_training() -> None:
        client = MlflowClient()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            time.sleep(0.5)
            found = client.get_experiment_by_name("restart")
            runs = client.search_runs([found.experiment_id]) if found else []
            if runs and any(key.startswith("bc/") for key in runs[0].data.metrics):
                break  # the first batch of curve points has arrived
        started = time.monotonic()
        lab.stop()
        time.sleep(3)
        lab.start()
        outage.append(time.monotonic() - started)

    restarter = threading.Thread(target=restart_once_training)
    restarter.start()
    done = run_cli(args, tmp_path, timeout=900)
    restarter.join()
    assert done.returncode == 0, done.stderr[-3000:]
    assert outage and outage[0] >= 3
    client = MlflowClient()
    (run,) = _training_runs(client, "restart")
    assert run.info.status == "FINISHED"
    curves = {key: steps for key, steps in _points(client, run).items() if key.startswith("bc/")}
    expected = sorted({step + 1 for step in range(0, n_batches, log_interval)} | {n_batches})
    assert curves and all(steps == expected for steps in curves.values()), {
        key: (len(steps), steps[:3]) for key, steps in curves.items()
    }
    assert os.environ["MLFLOW_TRACKING_URI"] == lab.url
