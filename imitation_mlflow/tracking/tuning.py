"""Tuning jobs in MLflow: one parent run per study, a child run per trial and per re-evaluation.

Several workers (processes or machines) of one study share its parent run; the training
runs of a trial are children of the trial's run.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from mlflow.entities import Metric, Param, RunStatus
from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking.run import experiment_id

STUDY_TAG = "tuning_study"
PARENT_TAG = "mlflow.parentRunId"
KIND_TAG = "tuning_kind"


def open_study_run(
    experiment: str, study: str, tags: dict[str, str], params: dict[str, str]
) -> str:
    """The parent run of tuning study ``study``, shared by every worker; marked RUNNING.

    Workers that start at once may each create one; all then agree on the oldest and the
    others delete theirs, so the study keeps a single parent.
    """
    client = MlflowClient()
    exp_id = experiment_id(client, experiment)
    existing = _study_runs(client, exp_id, study)
    if existing:
        return existing[0]
    mine = client.create_run(
        exp_id, run_name=f"tune-{study}", tags={STUDY_TAG: study, KIND_TAG: "study", **tags}
    )
    run_id = str(mine.info.run_id)
    winner = _study_runs(client, exp_id, study)[0]
    if winner != run_id:
        client.delete_run(run_id)
        return winner
    client.log_batch(run_id, params=[Param(k, v[:500]) for k, v in params.items()])
    return run_id


def _study_runs(client: MlflowClient, exp_id: str, study: str) -> list[str]:
    found = client.search_runs(
        [exp_id], filter_string=f"tags.{STUDY_TAG} = '{study}' and tags.{KIND_TAG} = 'study'"
    )
    runs = sorted(found, key=lambda r: (r.info.start_time, r.info.run_id))
    return [str(r.info.run_id) for r in runs]


def start_child_run(parent_run_id: str, name: str, tags: dict[str, str]) -> str:
    """Create a RUNNING child of ``parent_run_id`` (a trial, or a re-evaluation seed)."""
    client = MlflowClient()
    parent = client.get_run(parent_run_id)
    run = client.create_run(
        parent.info.experiment_id,
        run_name=name,
        tags={PARENT_TAG: parent_run_id, STUDY_TAG: parent.data.tags.get(STUDY_TAG, ""), **tags},
    )
    return str(run.info.run_id)


def log_values(
    run_id: str,
    *,
    params: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    tags: dict[str, str] | None = None,
    step: int = 0,
) -> None:
    """Log params, metrics (at ``step``) and tags to a run in one batch."""
    client = MlflowClient()
    client.log_batch(
        run_id,
        metrics=[Metric(k, float(v), _now_ms(), step) for k, v in (metrics or {}).items()],
        params=[Param(k, str(v)[:500]) for k, v in (params or {}).items()],
    )
    for key, value in (tags or {}).items():
        client.set_tag(run_id, key, value)


def mark_running(run_id: str) -> None:
    """Show a (re)opened study run as RUNNING while workers add trials to it."""
    MlflowClient().update_run(run_id, status="RUNNING")


def end_run(run_id: str, status: str) -> None:
    """End a run as FINISHED, FAILED or KILLED."""
    MlflowClient().set_terminated(run_id, status=RunStatus.to_string(RunStatus.from_string(status)))


def log_text_artifact(run_id: str, text: str, filename: str) -> None:
    """Store ``text`` as the artifact ``filename`` of the run."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_text(text)
        MlflowClient().log_artifact(run_id, str(path))


def log_json_artifact(run_id: str, data: Any, filename: str) -> None:
    """Store ``data`` as the JSON artifact ``filename`` of the run."""
    log_text_artifact(run_id, json.dumps(data, indent=2, sort_keys=True, default=str), filename)


def trial_runs(parent_run_id: str) -> dict[int, str]:
    """Trial number -> run id of the study's trial runs (to tag the best one)."""
    client = MlflowClient()
    parent = client.get_run(parent_run_id)
    runs = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.{PARENT_TAG} = '{parent_run_id}' and tags.{KIND_TAG} = 'trial'",
        max_results=10_000,
    )
    return {int(r.data.tags["trial"]): str(r.info.run_id) for r in runs}


def _now_ms() -> int:
    return int(time.time() * 1000)
