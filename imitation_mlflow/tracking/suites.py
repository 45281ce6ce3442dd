"""Suite parent runs: one MLflow run per suite, found again by its name; children tagged."""

from __future__ import annotations

from typing import Any

from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking.checkpoints import newest_complete_checkpoint
from imitation_mlflow.tracking.contract import SUITE_TAG
from imitation_mlflow.tracking.liveness import heartbeat, this_process
from imitation_mlflow.tracking.parents import children, mark_best, open_parent
from imitation_mlflow.tracking.store import end_run, log_values

SUITE_NAME_TAG = "suite_name"


def open_suite_run(experiment: str, name: str, params: dict[str, Any]) -> str:
    """The parent run of suite ``name``: reused when it exists (reruns), else created.

    It shows RUNNING, with this process's host, pid and heartbeat, until
    :func:`close_suite_run` ends it.
    """
    run_id = open_parent(experiment, identity={SUITE_NAME_TAG: name}, run_name=name, params=params)
    client = MlflowClient()
    client.update_run(run_id, status="RUNNING")
    for key, value in this_process().items():
        client.set_tag(run_id, key, value)
    heartbeat().add(run_id)
    return run_id


def close_suite_run(run_id: str, *, finished: int, failed: int, killed: bool = False) -> None:
    """End the parent run: FINISHED when no child failed, else FAILED (KILLED if interrupted).

    The child with the highest normalized score is tagged ``best_in_suite`` and named by
    the parent's ``best_child`` tag.
    """
    heartbeat().discard(run_id)
    client = MlflowClient()
    log_values(client, run_id, metrics={"suite/finished": finished, "suite/failed": failed})
    best = next(
        children(
            run_id,
            where=f"tags.{SUITE_TAG} = '{run_id}' and attributes.status = 'FINISHED'",
            order_by=["metrics.normalized_score DESC"],
        ),
        None,
    )
    if best is not None:
        best_id = str(best.info.run_id)
        mark_best(
            run_id, best_id, parent_tag="best_child", value=best_id, child_tag="best_in_suite"
        )
    status = "KILLED" if killed else ("FINISHED" if failed == 0 else "FAILED")
    end_run(client, run_id, status)


def child_statuses(suite_run_id: str) -> dict[str, str]:
    """Run name -> MLflow status of the suite's children (the latest run of each name)."""
    return {name: status for name, (_, status) in latest_children(suite_run_id).items()}


def latest_children(suite_run_id: str) -> dict[str, tuple[str, str]]:
    """Run name -> (run id, MLflow status) of the latest child of each name."""
    latest: dict[str, tuple[str, str]] = {}
    newest_last = children(
        suite_run_id,
        where=f"tags.{SUITE_TAG} = '{suite_run_id}'",
        order_by=["attributes.start_time ASC"],
    )
    for run in newest_last:
        latest[str(run.info.run_name)] = (str(run.info.run_id), str(run.info.status))
    return latest


def resumable_children(latest: dict[str, tuple[str, str]], marker: str) -> dict[str, str]:
    """Run name -> id of the children in ``latest`` that can continue from a checkpoint.

    ``latest`` is :func:`latest_children`'s answer. Those are KILLED (stopped, or reaped as
    phantoms) and left a complete checkpoint (one holding ``marker``).
    """
    client = MlflowClient()
    return {
        name: run_id
        for name, (run_id, status) in latest.items()
        if status == "KILLED" and newest_complete_checkpoint(client, run_id, marker) is not None
    }
