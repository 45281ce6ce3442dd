"""Suite parent runs: one MLflow run per suite, children linked to it by tags."""

from __future__ import annotations

from mlflow.entities import RunStatus
from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking.run import experiment_id

SUITE_NAME_TAG = "suite_name"
SUITE_TAG = "suite"
PARENT_TAG = "mlflow.parentRunId"


def open_suite_run(experiment: str, name: str, params: dict[str, str]) -> str:
    """The parent run of suite ``name``: reused when it exists (reruns), else created.

    The parent is marked RUNNING while a launcher works on it.
    """
    client = MlflowClient()
    exp_id = experiment_id(client, experiment)
    found = client.search_runs(
        [exp_id],
        filter_string=f"tags.{SUITE_NAME_TAG} = '{name}'",
        max_results=1,
        order_by=["attributes.start_time DESC"],
    )
    if found:
        run_id = str(found[0].info.run_id)
        client.update_run(run_id, status="RUNNING")
        return run_id
    run = client.create_run(exp_id, run_name=name, tags={SUITE_NAME_TAG: name})
    for key, value in params.items():
        client.log_param(run.info.run_id, key, value[:500])
    return str(run.info.run_id)


def close_suite_run(run_id: str, *, finished: int, failed: int, killed: bool = False) -> None:
    """End the parent run: FINISHED when no child failed, else FAILED (KILLED if interrupted)."""
    client = MlflowClient()
    client.log_metric(run_id, "suite/finished", finished)
    client.log_metric(run_id, "suite/failed", failed)
    best = _best_child(run_id)
    if best:
        client.set_tag(run_id, "best_child", best)
    status = RunStatus.FINISHED if failed == 0 else RunStatus.FAILED
    if killed:
        status = RunStatus.KILLED
    client.set_terminated(run_id, status=RunStatus.to_string(status))


def child_statuses(experiment: str, suite_run_id: str) -> dict[str, str]:
    """Run name -> MLflow status of the suite's children (the latest run of each name)."""
    client = MlflowClient()
    exp_id = experiment_id(client, experiment)
    statuses: dict[str, str] = {}
    page_token = None
    while True:
        page = client.search_runs(
            [exp_id],
            filter_string=f"tags.{SUITE_TAG} = '{suite_run_id}'",
            order_by=["attributes.start_time ASC"],
            max_results=1000,
            page_token=page_token,
        )
        for run in page:
            statuses[str(run.info.run_name)] = str(run.info.status)
        page_token = page.token
        if not page_token:
            return statuses


def _best_child(suite_run_id: str) -> str | None:
    client = MlflowClient()
    parent = client.get_run(suite_run_id)
    runs = client.search_runs(
        [parent.info.experiment_id],
        filter_string=f"tags.{SUITE_TAG} = '{suite_run_id}' and attributes.status = 'FINISHED'",
        order_by=["metrics.normalized_score DESC"],
        max_results=1,
    )
    if not runs:
        return None
    client.set_tag(runs[0].info.run_id, "best_in_suite", "true")
    return str(runs[0].info.run_id)
