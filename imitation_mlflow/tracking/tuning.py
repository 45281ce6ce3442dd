"""Tuning jobs in MLflow: one parent run per study, a child run per trial and per re-evaluation.

Several workers (processes or machines) of one study share its parent run; the training
runs of a trial are children of the trial's run.
"""

from __future__ import annotations

from typing import Any

from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking import store
from imitation_mlflow.tracking.parents import mark_best, open_parent, start_child

STUDY_TAG = "tuning_study"
KIND_TAG = "tuning_kind"


def open_study_run(
    experiment: str, study: str, tags: dict[str, str], params: dict[str, Any]
) -> str:
    """The parent run of tuning study ``study``, shared by every worker; marked RUNNING."""
    return open_parent(
        experiment,
        identity={STUDY_TAG: study, KIND_TAG: "study"},
        run_name=f"tune-{study}",
        tags=tags,
        params=params,
    )


def start_trial_run(study_run_id: str, name: str, tags: dict[str, str]) -> str:
    """Create a RUNNING child of the study's run (a trial, or a re-evaluation seed)."""
    study = MlflowClient().get_run(study_run_id).data.tags.get(STUDY_TAG, "")
    return start_child(study_run_id, name, {STUDY_TAG: study, **tags})


def log_values(
    run_id: str,
    *,
    params: dict[str, Any] | None = None,
    metrics: dict[str, float] | None = None,
    tags: dict[str, str] | None = None,
    step: int = 0,
) -> None:
    """Log params, metrics (at ``step``) and tags to a run."""
    client = MlflowClient()
    store.log_params(client, run_id, params or {})
    store.log_values(client, run_id, metrics=metrics, tags=tags, step=step)


def mark_running(run_id: str) -> None:
    """Show a (re)opened study run as RUNNING while workers add trials to it."""
    MlflowClient().update_run(run_id, status="RUNNING")


def end_run(run_id: str, status: str) -> None:
    """End a run as FINISHED, FAILED or KILLED."""
    store.end_run(MlflowClient(), run_id, status)


def log_text_artifact(run_id: str, text: str, filename: str) -> None:
    """Store ``text`` as the artifact ``filename`` of the run."""
    store.log_text(MlflowClient(), run_id, text, filename)


def log_json_artifact(run_id: str, data: Any, filename: str) -> None:
    """Store ``data`` as the JSON artifact ``filename`` of the run."""
    store.log_json(MlflowClient(), run_id, data, filename)


def mark_best_trial(study_run_id: str, trial_run_id: str, trial_number: int) -> None:
    """Tag the best trial's run ``best_trial=true`` and the study's run with its number."""
    mark_best(
        study_run_id,
        trial_run_id,
        parent_tag="best_trial",
        value=str(trial_number),
        child_tag="best_trial",
    )
