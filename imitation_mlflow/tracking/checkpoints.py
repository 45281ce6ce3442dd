"""Find and fetch a run's latest checkpoint, so a killed run can continue where it stopped."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError

CHECKPOINTS = "checkpoints"


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """The newest checkpoint of a run, downloaded, with what is needed to continue it."""

    run_id: str
    round: int
    directory: Path
    """Holds ``policy.zip`` and ``reward_net.pt``."""
    config: dict[str, Any]
    tags: dict[str, str]
    cout: str
    """Console output so far (the resumed run appends to it)."""


def latest_checkpoint(run_id: str, destination: Path) -> Checkpoint:
    """Download the newest ``checkpoints/<round>`` of ``run_id`` into ``destination``."""
    client = MlflowClient()
    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        raise UserError(f"no MLflow run {run_id!r} in this store ({exc.message})") from None
    rounds = [a.path for a in client.list_artifacts(run_id, CHECKPOINTS) if a.is_dir]
    if not rounds:
        raise UserError(
            f"run {run_id} has no checkpoint to resume from; train with checkpoint_interval > 0"
        )
    latest = max(rounds, key=lambda path: int(path.rsplit("/", 1)[-1]))
    directory = Path(client.download_artifacts(run_id, latest, str(destination)))
    config = json.loads(
        Path(client.download_artifacts(run_id, "config.json", str(destination))).read_text()
    )
    present = {a.path for a in client.list_artifacts(run_id)}
    cout = (
        Path(client.download_artifacts(run_id, "cout.txt", str(destination))).read_text()
        if "cout.txt" in present
        else ""
    )
    return Checkpoint(
        run_id=run_id,
        round=int(latest.rsplit("/", 1)[-1]),
        directory=directory,
        config=config,
        tags=dict(run.data.tags),
        cout=cout,
    )
