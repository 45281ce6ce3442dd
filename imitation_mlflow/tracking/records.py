"""Runs as plain records, out of and into MLflow: what export and import exchange."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Metric, Param
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.run import experiment_id

CURVE_PREFIXES = ("bc/", "dagger/", "disc/", "gen/", "time/")
"""Metric namespaces exported as curves (``metrics.json``); flat names are final scores."""

IMPORT_DIGEST_TAG = "sacred_import_digest"

# Export downloads a few small files per run; a progress bar for each is noise.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


@dataclasses.dataclass
class RunRecord:
    """One training run as plain data."""

    run_id: str
    run_name: str
    status: str
    """MLflow status: FINISHED, FAILED, KILLED, RUNNING."""
    start_time_ms: int
    end_time_ms: int | None
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, float]
    curves: dict[str, list[tuple[int, int, float]]]
    """name -> (step, timestamp ms, value) points."""
    artifacts: dict[str, bytes]
    """file name -> content, for the files of the run's artifact root."""


def training_runs(
    experiment: str, *, suite: str | None = None, artifact_names: tuple[str, ...] = ()
) -> Iterator[RunRecord]:
    """Yield the training runs (runs with an ``algo`` tag) of ``experiment``, oldest first."""
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise UserError(f"no MLflow experiment named {experiment!r} in {mlflow.get_tracking_uri()}")
    query = "tags.algo != ''" + (f" and tags.suite = '{suite}'" if suite else "")
    token = None
    while True:
        page = client.search_runs(
            [found.experiment_id],
            filter_string=query,
            max_results=500,
            page_token=token,
            order_by=["attributes.start_time ASC"],
        )
        for run in page:
            yield _record(client, run, artifact_names)
        token = page.token
        if not token:
            return


def _record(client: MlflowClient, run: Any, names: tuple[str, ...]) -> RunRecord:
    run_id = run.info.run_id
    curves = {
        key: [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]
        for key in run.data.metrics
        if key.startswith(CURVE_PREFIXES)
    }
    artifacts = {}
    present = {a.path for a in client.list_artifacts(run_id)}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if name in present:
                artifacts[name] = Path(client.download_artifacts(run_id, name, tmp)).read_bytes()
    return RunRecord(
        run_id=run_id,
        run_name=run.info.run_name,
        status=run.info.status,
        start_time_ms=run.info.start_time,
        end_time_ms=run.info.end_time,
        tags={k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
        params=dict(run.data.params),
        metrics={k: v for k, v in run.data.metrics.items() if not k.startswith(CURVE_PREFIXES)},
        curves=curves,
        artifacts=artifacts,
    )


def imported_digests(experiment: str) -> set[str]:
    """Digests of the sacred runs already imported into ``experiment`` (to skip duplicates)."""
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        return set()
    digests, token = set(), None
    while True:
        page = client.search_runs(
            [found.experiment_id],
            filter_string=f"tags.{IMPORT_DIGEST_TAG} != ''",
            max_results=1000,
            page_token=token,
        )
        digests |= {r.data.tags[IMPORT_DIGEST_TAG] for r in page}
        token = page.token
        if not token:
            return digests


def create_run(experiment: str, record: RunRecord) -> str:
    """Write ``record`` as a new, already terminated MLflow run; returns its id."""
    client = MlflowClient()
    exp_id = experiment_id(client, experiment)
    run = client.create_run(
        exp_id, start_time=record.start_time_ms, run_name=record.run_name, tags=record.tags
    )
    run_id = run.info.run_id
    try:
        now = int(time.time() * 1000)
        params = [Param(k, v[:500]) for k, v in record.params.items()]
        for start in range(0, len(params), 100):
            client.log_batch(run_id, params=params[start : start + 100])
        metrics = [Metric(k, v, record.end_time_ms or now, 0) for k, v in record.metrics.items()]
        metrics += [
            Metric(key, value, stamp, step)
            for key, points in record.curves.items()
            for step, stamp, value in points
        ]
        for start in range(0, len(metrics), 1000):
            client.log_batch(run_id, metrics=metrics[start : start + 1000])
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in record.artifacts.items():
                path = Path(tmp) / name
                path.write_bytes(content)
                client.log_artifact(run_id, str(path))
    except (MlflowException, OSError):
        client.set_terminated(run_id, status="FAILED")
        raise
    client.set_terminated(run_id, status=record.status, end_time=record.end_time_ms)
    return str(run_id)


def json_artifact(record: RunRecord, name: str) -> Any:
    """Parse the JSON artifact ``name`` of ``record`` (``None`` when it was not logged)."""
    content = record.artifacts.get(name)
    return None if content is None else json.loads(content)
