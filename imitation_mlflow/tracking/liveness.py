"""Which RUNNING runs are still alive: host, pid and a heartbeat on every run while it lives.

A process killed with SIGKILL (or a machine that lost power) cannot end its runs, so they
would show RUNNING forever. Every run this platform opens carries the ``host`` and ``pid``
of its process and a ``heartbeat`` tag rewritten every :data:`BEAT_INTERVAL_S` by a
background thread of that process. Whoever finds a RUNNING run can then tell a live one
from a phantom: on the same host its process is gone; elsewhere its heartbeat is old.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import socket
import threading
from collections.abc import Iterable

from mlflow.entities import RunTag
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.tracking.store import end_run, existing_experiment

log = logging.getLogger(__name__)

HOST_TAG = "host"
PID_TAG = "pid"
HEARTBEAT_TAG = "heartbeat"
"""UTC time (ISO 8601) of the run's latest sign of life."""
REAPED_TAG = "reaped"
"""On a run marked KILLED by a reaper: why, and by which host and process."""

BEAT_INTERVAL_S = 30.0
"""How often a live process rewrites the heartbeat of each of its runs."""


def now_iso() -> str:
    """The current UTC time as the heartbeat tag writes it."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def this_process() -> dict[str, str]:
    """The ``host``, ``pid`` and a first ``heartbeat`` tag of a run opened by this process."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid()), HEARTBEAT_TAG: now_iso()}


class Heartbeat:
    """A daemon thread that rewrites the heartbeat tag of this process's open runs.

    One per process (:func:`heartbeat`); runs join with :meth:`add` when they open and
    leave with :meth:`discard` when they end. A failed write (the store briefly away) is
    logged and tried again at the next beat: it never fails a run.
    """

    def __init__(self, interval_s: float = BEAT_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._runs: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, run_id: str) -> None:
        """Beat for ``run_id`` from now on (starting the thread on first use)."""
        with self._lock:
            self._runs.add(run_id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="heartbeat", daemon=True)
                self._thread.start()

    def discard(self, run_id: str) -> None:
        """Stop beating for ``run_id`` (it ended)."""
        with self._lock:
            self._runs.discard(run_id)

    def _loop(self) -> None:
        client = MlflowClient()
        while not self._wake.wait(self.interval_s):
            with self._lock:
                runs = sorted(self._runs)
            for run_id in runs:
                self._beat(client, run_id)

    def _beat(self, client: MlflowClient, run_id: str) -> None:
        try:
            client.log_batch(run_id, tags=[RunTag(HEARTBEAT_TAG, now_iso())], synchronous=True)
        except Exception as exc:  # noqa: BLE001  the next beat tries again
            log.warning("heartbeat of run %s not written (%s); trying again", run_id, exc)


_HEARTBEAT = Heartbeat()


def heartbeat() -> Heartbeat:
    """The heartbeat thread of this process."""
    return _HEARTBEAT


@dataclasses.dataclass(frozen=True)
class RunningRun:
    """A run whose status is RUNNING, with what tells whether it is still alive."""

    run_id: str
    run_name: str
    experiment_id: str
    host: str | None
    pid: int | None
    last_seen: datetime.datetime | None
    """Its latest heartbeat; ``None`` for a run without one (opened by other tools)."""


def running_runs(experiments: Iterable[str], *, where: str = "") -> list[RunningRun]:
    """Every RUNNING run of the named experiments (matching the extra filter ``where``).

    Raises:
        UserError: An experiment that does not exist (or is deleted), naming it.
    """
    client = MlflowClient()
    ids = []
    for name in experiments:
        experiment = existing_experiment(client, name)
        if experiment is None:
            raise UserError(f"no MLflow experiment named {name!r}; pass an existing --experiment")
        ids.append(str(experiment.experiment_id))
    if not ids:
        return []
    query = "attributes.status = 'RUNNING'" + (f" and {where}" if where else "")
    found: list[RunningRun] = []
    token: str | None = None
    while True:
        page = client.search_runs(ids, query, max_results=1000, page_token=token)
        found.extend(_running(run) for run in page)
        token = page.token
        if not token:
            return found


def _running(run: object) -> RunningRun:
    info, tags = run.info, run.data.tags  # type: ignore[attr-defined]
    pid = tags.get(PID_TAG, "")
    return RunningRun(
        run_id=str(info.run_id),
        run_name=str(info.run_name),
        experiment_id=str(info.experiment_id),
        host=tags.get(HOST_TAG),
        pid=int(pid) if pid.isdigit() else None,
        last_seen=_last_seen(tags.get(HEARTBEAT_TAG)),
    )


def _last_seen(beat: str | None) -> datetime.datetime | None:
    try:
        seen = datetime.datetime.fromisoformat(beat or "")
    except ValueError:
        return None
    return seen if seen.tzinfo else seen.replace(tzinfo=datetime.UTC)


def end_killed(run: RunningRun, reason: str) -> None:
    """End a phantom run KILLED, tagged with why and by whom, at the time it was last seen."""
    client = MlflowClient()
    by = f"{socket.gethostname()} pid {os.getpid()}"
    client.set_tag(run.run_id, REAPED_TAG, f"{reason} (by {by} at {now_iso()})")
    seen = run.last_seen.timestamp() if run.last_seen is not None else None
    end_run(client, run.run_id, "KILLED", end_time=int(seen * 1000) if seen else None)
