"""One MLflow run's lifecycle: start (or resume under ``mlflow run``), log, always end."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mlflow
from mlflow.entities import Param, RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.writer import BufferedMetricWriter

MAX_PARAMS_PER_BATCH = 100


class TrackedRun:
    """Handle on the active MLflow run for the experiment layer."""

    def __init__(self, run_id: str, client: MlflowClient) -> None:
        self.run_id = run_id
        self.client = client
        self.metrics = BufferedMetricWriter(client, run_id)

    def log_params(self, params: dict[str, str]) -> None:
        """Log flattened config params once, in batches (values capped at 500 chars by MLflow)."""
        items = [Param(k, v[:500]) for k, v in params.items()]
        for start in range(0, len(items), MAX_PARAMS_PER_BATCH):
            chunk = items[start : start + MAX_PARAMS_PER_BATCH]
            self.client.log_batch(self.run_id, params=chunk, synchronous=True)

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
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / filename
            path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
            self.client.log_artifact(self.run_id, str(path))

    def log_dataset(self, *, name: str, source_uri: str, digest: str) -> None:
        """Record a training dataset (e.g. the demonstrations) as an input of the run."""
        from imitation_mlflow.tracking.datasets import log_dataset_input

        log_dataset_input(self.client, self.run_id, name=name, source_uri=source_uri, digest=digest)

    def log_artifact(self, path: Path, artifact_path: str | None = None) -> None:
        """Upload a local file to the run."""
        self.client.log_artifact(self.run_id, str(path), artifact_path)


def experiment_id(client: MlflowClient, name: str) -> str:
    """Id of the experiment ``name``, created if missing (safe when workers race to create it)."""
    for _ in range(2):
        found = client.get_experiment_by_name(name)
        if found is not None:
            if found.lifecycle_stage == "deleted":
                raise UserError(
                    f"MLflow experiment {name!r} is deleted; restore it with "
                    f"`mlflow experiments restore --experiment-id {found.experiment_id}` "
                    "or pick another --experiment"
                )
            return str(found.experiment_id)
        try:
            return str(client.create_experiment(name))
        except MlflowException:
            continue  # another process created it first
    raise RuntimeError(f"could not create or find MLflow experiment {name!r}")


@contextlib.contextmanager
def tracked_run(
    *, experiment: str, run_name: str, tags: dict[str, str], resume_run_id: str | None = None
) -> Iterator[TrackedRun]:
    """Open an MLflow run and always close it as FINISHED, FAILED or KILLED.

    Under ``mlflow run`` (``MLFLOW_RUN_ID`` set) the launcher's run is reused and renamed;
    ``resume_run_id`` reopens an earlier run; otherwise a new run is created in ``experiment``.
    """
    client = MlflowClient()
    if resume_run_id:
        run = mlflow.start_run(run_id=resume_run_id)
    elif os.environ.get("MLFLOW_RUN_ID"):
        run = mlflow.start_run()
    else:
        run = mlflow.start_run(
            experiment_id=experiment_id(client, experiment),
            run_name=run_name,
            nested=mlflow.active_run() is not None,
        )
    tracked = TrackedRun(run.info.run_id, client)
    tracked.set_tags({"mlflow.runName": run_name, **tags})
    status = RunStatus.to_string(RunStatus.FAILED)
    try:
        yield tracked
        status = RunStatus.to_string(RunStatus.FINISHED)
    except KeyboardInterrupt:
        status = RunStatus.to_string(RunStatus.KILLED)
        raise
    finally:
        try:
            tracked.metrics.flush()
        finally:
            mlflow.end_run(status=status)
