"""One MLflow run's lifecycle: start (or resume, or adopt ``mlflow run``'s), log, always end.

Runs are opened and ended through the client, not MLflow's one-active-run stack, so one
process can hold several at once (seeds trained together).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient
from mlflow.tracking.context.registry import resolve_tags
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID

from imitation_mlflow.tracking import store
from imitation_mlflow.tracking.contract import RUN_NAME_TAG
from imitation_mlflow.tracking.liveness import heartbeat, this_process
from imitation_mlflow.tracking.writer import BufferedMetricWriter


class TrackedRun:
    """Handle on an open MLflow run: what the run pipeline records through."""

    def __init__(self, run_id: str, client: MlflowClient) -> None:
        self.run_id = run_id
        self.client = client
        self.metrics = BufferedMetricWriter(client, run_id)
        self.failed = False
        """Set by :meth:`mark_failed`: the run ends FAILED even if its block ends normally."""

    def mark_failed(self) -> None:
        """End this run FAILED when its ``tracked_run`` block ends (a step of it failed)."""
        self.failed = True

    def log_params(self, params: dict[str, Any]) -> None:
        """Log flattened config params once, in batches."""
        store.log_params(self.client, self.run_id, params)

    def set_tags(self, tags: dict[str, str]) -> None:
        """Set (or overwrite) run tags."""
        for key, value in tags.items():
            self.client.set_tag(self.run_id, key, value)

    def log_final_metrics(self, metrics: dict[str, float]) -> None:
        """Log the run's final scores (flat names of the tracking contract) in one batch."""
        for key, value in metrics.items():
            self.metrics.record(key, value, 0)
        self.metrics.flush()

    def log_json(self, data: Any, filename: str) -> None:
        """Store ``data`` as the JSON artifact ``filename`` at the run's artifact root."""
        store.log_json(self.client, self.run_id, data, filename)

    def log_dataset(self, *, name: str, source_uri: str, digest: str) -> None:
        """Record a training dataset (e.g. the demonstrations) as an input of the run."""
        from imitation_mlflow.tracking.datasets import log_dataset_input

        log_dataset_input(self.client, self.run_id, name=name, source_uri=source_uri, digest=digest)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        """Upload a local file to the run (under the folder ``artifact_path``)."""
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def log_policy_model(
        self, zip_path: Path, obs_example: np.ndarray, act_example: np.ndarray, name: str
    ) -> str:
        """Log an SB3 zip as the run's pyfunc model ``name``; returns the model's URI."""
        from imitation_mlflow.tracking.models import log_policy_model

        return log_policy_model(self.run_id, zip_path, obs_example, act_example, name)


def check_experiment(name: str) -> None:
    """Refuse, before a run starts, an experiment runs cannot be created in (deleted)."""
    store.existing_experiment(MlflowClient(), name)


@contextlib.contextmanager
def tracked_run(
    *, experiment: str, run_name: str, tags: dict[str, str], resume_run_id: str | None = None
) -> Iterator[TrackedRun]:
    """Open an MLflow run and always close it as FINISHED, FAILED or KILLED.

    Under ``mlflow run`` (``MLFLOW_RUN_ID`` set) the launcher's run is reused and renamed;
    ``resume_run_id`` reopens an earlier run; otherwise a new run is created in ``experiment``.
    While open, the run carries this process's host and pid and a heartbeat
    (:mod:`~imitation_mlflow.tracking.liveness`), so a reaper can tell it from a phantom.
    """
    client = MlflowClient()
    run_id = _open_run(client, experiment, run_name, resume_run_id)
    tracked = TrackedRun(run_id, client)
    if resume_run_id:
        tracked.metrics.skip_logged()
    tracked.set_tags({RUN_NAME_TAG: run_name, **this_process(), **tags})
    heartbeat().add(run_id)
    status = RunStatus.to_string(RunStatus.FAILED)
    try:
        yield tracked
        status = RunStatus.to_string(RunStatus.FAILED if tracked.failed else RunStatus.FINISHED)
    except KeyboardInterrupt:
        status = RunStatus.to_string(RunStatus.KILLED)
        raise
    finally:
        heartbeat().discard(run_id)
        try:
            tracked.metrics.flush()
        finally:
            client.set_terminated(run_id, status)


def _open_run(
    client: MlflowClient, experiment: str, run_name: str, resume_run_id: str | None
) -> str:
    """Reopen ``resume_run_id`` or ``mlflow run``'s run, else create one; its id."""
    existing = resume_run_id or os.environ.pop("MLFLOW_RUN_ID", None)
    if existing:
        client.update_run(existing, status=RunStatus.to_string(RunStatus.RUNNING))
        return existing
    tags = {}
    active = mlflow.active_run()
    if active is not None:  # started inside a caller's run: its child, as MLflow nests
        tags[MLFLOW_PARENT_RUN_ID] = active.info.run_id
    run = client.create_run(
        store.experiment_id(client, experiment), run_name=run_name, tags=resolve_tags(tags)
    )
    return str(run.info.run_id)
