"""Runs as plain records, out of and into MLflow: what export, import and analysis exchange."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Metric
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.connection import check_tracking_store
from imitation_mlflow.tracking.contract import CURVE_PREFIXES, IMPORT_DIGEST_TAG, RunRecord
from imitation_mlflow.tracking.store import (
    end_run,
    experiment_id,
    log_metrics,
    log_params,
    now_ms,
)

# Export downloads a few small files per run; a progress bar for each is noise.
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


class NoSuchExperiment(UserError):
    """The tracking store has no experiment of that name."""


def training_runs(
    experiment: str,
    *,
    suite: str | None = None,
    artifact_names: tuple[str, ...] = (),
    curves: bool = True,
) -> Iterator[RunRecord]:
    """The training runs (runs with an ``algo`` tag) of ``experiment``, oldest first, lazily.

    An unknown experiment or suite is a ``UserError`` at the call, before anything is read or
    written. ``curves`` fetches every training curve (one request per curve);
    ``artifact_names`` downloads those files of each run. Without either, a page of runs is
    one request.
    """
    check_tracking_store()
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise NoSuchExperiment(
            f"no MLflow experiment named {experiment!r} in {mlflow.get_tracking_uri()}; "
            "pass an existing --experiment (or set MLFLOW_TRACKING_URI for another store)"
        )
    if suite is not None:
        _check_suite(client, suite, found.experiment_id, experiment)
    query = "tags.algo != ''" + (f" and tags.suite = '{suite}'" if suite else "")
    return _pages(client, found.experiment_id, query, artifact_names, curves)


def _check_suite(client: MlflowClient, suite: str, experiment_id: str, experiment: str) -> None:
    try:
        run = client.get_run(suite)
    except MlflowException:
        run = None
    if run is None or run.info.experiment_id != experiment_id:
        raise UserError(
            f"no suite run {suite!r} in experiment {experiment!r}; pass the parent run id "
            "that `benchmark run` printed (or the experiment it ran in)"
        )


def _pages(
    client: MlflowClient, experiment_id: str, query: str, names: tuple[str, ...], curves: bool
) -> Iterator[RunRecord]:
    token = None
    while True:
        page = client.search_runs(
            [experiment_id],
            filter_string=query,
            max_results=500,
            page_token=token,
            order_by=["attributes.start_time ASC"],
        )
        for run in page:
            yield _record(client, run, names, curves)
        token = page.token
        if not token:
            return


def _record(client: MlflowClient, run: Any, names: tuple[str, ...], curves: bool) -> RunRecord:
    run_id = run.info.run_id
    history = {
        key: [(m.step, m.timestamp, m.value) for m in client.get_metric_history(run_id, key)]
        for key in run.data.metrics
        if curves and key.startswith(CURVE_PREFIXES)
    }
    return RunRecord(
        run_id=run_id,
        run_name=run.info.run_name,
        status=run.info.status,
        start_time_ms=run.info.start_time,
        end_time_ms=run.info.end_time,
        tags={k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
        params=dict(run.data.params),
        metrics={k: v for k, v in run.data.metrics.items() if not k.startswith(CURVE_PREFIXES)},
        curves=history,
        artifacts=_artifacts(client, run_id, names) if names else {},
    )


def _artifacts(client: MlflowClient, run_id: str, names: tuple[str, ...]) -> dict[str, bytes]:
    present = {a.path for a in client.list_artifacts(run_id)}
    artifacts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            if name in present:
                artifacts[name] = Path(client.download_artifacts(run_id, name, tmp)).read_bytes()
    return artifacts


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
        log_params(client, run_id, record.params)
        ended = record.end_time_ms or now_ms()
        metrics = [Metric(k, v, ended, 0) for k, v in record.metrics.items()]
        metrics += [
            Metric(key, value, stamp, step)
            for key, points in record.curves.items()
            for step, stamp, value in points
        ]
        log_metrics(client, run_id, metrics)
        with tempfile.TemporaryDirectory() as tmp:
            for name, content in record.artifacts.items():
                path = Path(tmp) / name
                path.write_bytes(content)
                client.log_artifact(run_id, str(path))
    except (MlflowException, OSError):
        end_run(client, run_id, "FAILED")
        raise
    end_run(client, run_id, record.status, end_time=record.end_time_ms)
    return str(run_id)


def json_artifact(record: RunRecord, name: str) -> Any:
    """Parse the JSON artifact ``name`` of ``record`` (``None`` when it was not logged)."""
    content = record.artifacts.get(name)
    return None if content is None else json.loads(content)
