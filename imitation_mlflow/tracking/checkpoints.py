"""Read back what a killed run left: its config and tags, and its newest checkpoint."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import mlflow
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError

CHECKPOINTS = "checkpoints"
"""Artifact folder holding one ``<round, 5 digits>`` folder per checkpoint."""


@dataclasses.dataclass(frozen=True)
class StoredRun:
    """A run as it was started: its resolved config (``config.json``) and its tags."""

    run_id: str
    status: str
    """MLflow status: FINISHED, FAILED, KILLED or RUNNING."""
    config: dict[str, Any]
    tags: dict[str, str]


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """The newest checkpoint of a run, downloaded, and the console output so far."""

    run_id: str
    round: int
    directory: Path
    """The downloaded ``checkpoints/<round>`` folder."""
    cout: str
    """Console output so far (the resumed run appends to it)."""


def stored_run(run_id: str) -> StoredRun:
    """The config and tags of run ``run_id``; a run that is not there is a ``UserError``."""
    client = MlflowClient()
    try:
        run = client.get_run(run_id)
        present = {a.path for a in client.list_artifacts(run_id)}
    except MlflowException as exc:
        raise UserError(f"no MLflow run {run_id!r} in this store ({exc.message})") from None
    if "config.json" not in present:
        raise UserError(f"run {run_id} has no config.json; only training runs can be resumed")
    config = json.loads(mlflow.artifacts.load_text(f"runs:/{run_id}/config.json"))
    return StoredRun(
        run_id=run_id, status=str(run.info.status), config=config, tags=dict(run.data.tags)
    )


def newest_complete_checkpoint(client: MlflowClient, run_id: str, marker: str) -> str | None:
    """The artifact path of the newest ``checkpoints/<round>`` holding ``marker``, if any."""
    rounds = [a.path for a in client.list_artifacts(run_id, CHECKPOINTS) if a.is_dir]
    newest_first = sorted(rounds, key=lambda path: int(path.rsplit("/", 1)[-1]), reverse=True)
    return next(
        (
            folder
            for folder in newest_first
            if f"{folder}/{marker}" in {a.path for a in client.list_artifacts(run_id, folder)}
        ),
        None,
    )


def latest_checkpoint(run_id: str, destination: Path, marker: str) -> Checkpoint:
    """Download the newest complete ``checkpoints/<round>`` of ``run_id`` into ``destination``.

    A checkpoint is complete when it holds ``marker``, the file uploaded last; a newer one
    cut short by a kill during its upload is passed over.
    """
    client = MlflowClient()
    complete = newest_complete_checkpoint(client, run_id, marker)
    if complete is None:
        raise UserError(
            f"run {run_id} has no complete checkpoint to resume from (none holds {marker}, "
            "including any written before full-state checkpoints); train with "
            "checkpoint_interval > 0 or a checkpoint_minutes shorter than the run"
        )
    directory = Path(client.download_artifacts(run_id, complete, str(destination)))
    present = {a.path for a in client.list_artifacts(run_id)}
    cout = ""
    if "cout.txt" in present:
        cout = Path(client.download_artifacts(run_id, "cout.txt", str(destination))).read_text()
    return Checkpoint(
        run_id=run_id, round=int(complete.rsplit("/", 1)[-1]), directory=directory, cout=cout
    )
