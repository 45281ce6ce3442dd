"""Analysis outputs (markdown summaries, plots) logged as runs of their own."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.contract import PARENT_TAG, RUN_NAME_TAG
from imitation_mlflow.tracking.store import end_run


def log_analysis_run(
    experiment: str, name: str, files: Sequence[Path], *, parent_run_id: str | None = None
) -> str:
    """Log summary files (markdown, plots) as artifacts of a new ``analysis`` run; its id.

    With ``parent_run_id`` (a suite), the run is shown among that suite's children.
    """
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise UserError(f"no MLflow experiment named {experiment!r}")
    tags = {"analysis": "summary", RUN_NAME_TAG: name}
    if parent_run_id:
        tags[PARENT_TAG] = parent_run_id
    run_id = str(client.create_run(found.experiment_id, tags=tags).info.run_id)
    for path in files:
        client.log_artifact(run_id, str(path))
    end_run(client, run_id, "FINISHED")
    return run_id
