"""Small writes to the tracking store shared by every kind of run (training, suite, study).

Params are cut to MLflow's own length limit here and nowhere else.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from mlflow.entities import Experiment, Metric, Param, RunStatus
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient
from mlflow.utils.validation import (
    MAX_METRICS_PER_BATCH,
    MAX_PARAM_VAL_LENGTH,
    MAX_PARAMS_TAGS_PER_BATCH,
)

from imitation_mlflow.errors import UserError


def existing_experiment(client: MlflowClient, name: str) -> Experiment | None:
    """The experiment ``name``, or ``None`` when there is none.

    A deleted one is a ``UserError``: runs cannot be created in it.
    """
    found = client.get_experiment_by_name(name)
    if found is not None and found.lifecycle_stage == "deleted":
        raise UserError(
            f"MLflow experiment {name!r} is deleted; restore it with "
            f"`mlflow experiments restore --experiment-id {found.experiment_id}` "
            "or pick another --experiment"
        )
    return found


def experiment_id(client: MlflowClient, name: str) -> str:
    """Id of the experiment ``name``, created if missing (safe when workers race to create it)."""
    for _ in range(2):
        found = existing_experiment(client, name)
        if found is not None:
            return str(found.experiment_id)
        try:
            return str(client.create_experiment(name))
        except MlflowException:
            continue  # another process created it first
    raise RuntimeError(f"could not create or find MLflow experiment {name!r}")


def log_params(client: MlflowClient, run_id: str, params: dict[str, Any]) -> None:
    """Log params in batches, each value as a string cut to MLflow's length limit."""
    items = [Param(key, str(value)[:MAX_PARAM_VAL_LENGTH]) for key, value in params.items()]
    for start in range(0, len(items), MAX_PARAMS_TAGS_PER_BATCH):
        chunk = items[start : start + MAX_PARAMS_TAGS_PER_BATCH]
        client.log_batch(run_id, params=chunk, synchronous=True)


def log_metrics(client: MlflowClient, run_id: str, metrics: list[Metric]) -> None:
    """Log metric points in batches of MLflow's maximum size."""
    for start in range(0, len(metrics), MAX_METRICS_PER_BATCH):
        chunk = metrics[start : start + MAX_METRICS_PER_BATCH]
        client.log_batch(run_id, metrics=chunk, synchronous=True)


def log_values(
    client: MlflowClient,
    run_id: str,
    *,
    metrics: dict[str, float] | None = None,
    tags: dict[str, str] | None = None,
    step: int = 0,
) -> None:
    """Log metrics at ``step`` and set tags on a run."""
    now = now_ms()
    log_metrics(
        client, run_id, [Metric(k, float(v), now, step) for k, v in (metrics or {}).items()]
    )
    for key, value in (tags or {}).items():
        client.set_tag(run_id, key, value)


def log_text(client: MlflowClient, run_id: str, text: str, filename: str) -> None:
    """Store ``text`` as the artifact ``filename`` at the run's artifact root."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_text(text)
        client.log_artifact(run_id, str(path))


def log_json(client: MlflowClient, run_id: str, data: Any, filename: str) -> None:
    """Store ``data`` as the JSON artifact ``filename`` at the run's artifact root."""
    log_text(client, run_id, json.dumps(data, indent=2, sort_keys=True, default=str), filename)


def end_run(client: MlflowClient, run_id: str, status: str, end_time: int | None = None) -> None:
    """End a run as FINISHED, FAILED or KILLED."""
    status = RunStatus.to_string(RunStatus.from_string(status))
    client.set_terminated(run_id, status=status, end_time=end_time)


def now_ms() -> int:
    """The current time in MLflow's epoch milliseconds."""
    return int(time.time() * 1000)
