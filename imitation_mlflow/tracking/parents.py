"""Parent runs with child runs: a suite and its training runs, a tuning study and its trials.

A parent is found again by one identifying tag, so reruns and other workers share it; when
several workers create it at the same moment they all keep the oldest and delete their own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from mlflow.entities import Run
from mlflow.tracking import MlflowClient

from imitation_mlflow.tracking.contract import PARENT_TAG
from imitation_mlflow.tracking.store import experiment_id, log_params

PAGE = 1000


SETTLE_S = 2.0
"""How long a worker that created a parent waits before looking for older ones. A racing
worker's run is stamped before it is committed; without the wait, a worker could miss an
older run still being written, keep its own, and leave two parents."""


def open_parent(
    experiment: str,
    *,
    identity: dict[str, str],
    run_name: str,
    tags: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """The run of ``experiment`` carrying all ``identity`` tags; its id.

    Created (with ``tags`` and ``params`` too) when there is none; an existing one keeps its
    status (callers mark it RUNNING while they add children).
    """
    client = MlflowClient()
    exp_id = experiment_id(client, experiment)
    existing = _parents(client, exp_id, identity)
    if not existing:
        mine = client.create_run(exp_id, run_name=run_name, tags={**identity, **(tags or {})})
        time.sleep(SETTLE_S)  # let racing workers' runs (maybe older, stamped earlier) commit
        existing = _parents(client, exp_id, identity)
        if existing[0] != mine.info.run_id:
            client.delete_run(mine.info.run_id)  # another worker's is older: share theirs
        else:
            log_params(client, mine.info.run_id, params or {})
    return existing[0]


def _parents(client: MlflowClient, exp_id: str, identity: dict[str, str]) -> list[str]:
    query = " and ".join(f"tags.{key} = '{value}'" for key, value in identity.items())
    found = client.search_runs([exp_id], filter_string=query, max_results=PAGE)
    oldest_first = sorted(found, key=lambda r: (r.info.start_time, r.info.run_id))
    return [str(r.info.run_id) for r in oldest_first]


def start_child(parent_run_id: str, run_name: str, tags: dict[str, str]) -> str:
    """Create a RUNNING child run of ``parent_run_id`` (a trial, a re-evaluation); its id."""
    client = MlflowClient()
    parent = client.get_run(parent_run_id)
    run = client.create_run(
        parent.info.experiment_id, run_name=run_name, tags={PARENT_TAG: parent_run_id, **tags}
    )
    return str(run.info.run_id)


def children(
    parent_run_id: str, *, where: str = "", order_by: list[str] | None = None
) -> Iterator[Run]:
    """The child runs of ``parent_run_id`` matching the extra filter ``where``, page by page."""
    client = MlflowClient()
    experiment = client.get_run(parent_run_id).info.experiment_id
    query = f"tags.`{PARENT_TAG}` = '{parent_run_id}'" + (f" and {where}" if where else "")
    token = None
    while True:
        page = client.search_runs(
            [experiment], filter_string=query, order_by=order_by, max_results=PAGE, page_token=token
        )
        yield from page
        token = page.token
        if not token:
            return


def mark_best(
    parent_run_id: str, child_run_id: str, *, parent_tag: str, value: str, child_tag: str
) -> None:
    """Tag the best child ``child_tag=true`` and its parent ``parent_tag=value``."""
    client = MlflowClient()
    client.set_tag(child_run_id, child_tag, "true")
    client.set_tag(parent_run_id, parent_tag, value)
