"""Phantom runs: RUNNING runs whose process is gone, ended KILLED.

``imitation-mlflow runs reap`` does it for whole experiments; a suite does it for its own
children before it reruns them. A run is a phantom when, on this host, its process no
longer exists, or, on any host, its heartbeat is older than the threshold. Runs without a
heartbeat were not opened by this platform and are left alone.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import socket
from collections.abc import Callable, Iterable
from pathlib import Path

from imitation_mlflow.tracking.liveness import BEAT_INTERVAL_S, RunningRun, end_killed, running_runs

DEFAULT_OLDER_THAN_S = 600.0
"""A heartbeat older than this (20 missed beats) marks a run of another host as a phantom."""
MIN_OLDER_THAN_S = 2 * BEAT_INTERVAL_S
"""The shortest threshold: anything less could take a live run between two beats for dead."""


@dataclasses.dataclass(frozen=True)
class Reaping:
    """What a reaper found among the RUNNING runs it looked at."""

    killed: list[tuple[RunningRun, str]]
    """Phantoms (ended KILLED unless this was a dry run), each with why."""
    alive: list[RunningRun]
    """Runs whose process is alive or whose heartbeat is recent."""
    untracked: list[RunningRun]
    """RUNNING runs without a heartbeat (not opened by this platform): left alone."""


def process_exists(pid: int) -> bool:
    """Whether process ``pid`` exists on this host and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:  # a zombie (exited, not yet waited for) is gone for our purposes
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def phantom_reason(
    run: RunningRun,
    *,
    now: datetime.datetime,
    older_than_s: float,
    host: str,
    exists: Callable[[int], bool] = process_exists,
) -> str | None:
    """Why ``run`` is a phantom, or ``None`` while it may be alive (or is not ours)."""
    if run.last_seen is None:
        return None
    if run.host == host and run.pid is not None and not exists(run.pid):
        return f"its process {run.pid} on {host} is gone"
    age_s = (now - run.last_seen).total_seconds()
    if age_s > older_than_s:
        return f"no heartbeat for {age_s / 60:.0f} min (host {run.host or '?'})"
    return None


def reap(
    experiments: Iterable[str],
    *,
    older_than_s: float = DEFAULT_OLDER_THAN_S,
    where: str = "",
    dry_run: bool = False,
) -> Reaping:
    """End KILLED every phantom among the RUNNING runs of the named experiments.

    ``where`` narrows the runs looked at (an MLflow filter, e.g. one suite's children).

    Raises:
        ValueError: ``older_than_s`` shorter than two heartbeats (live runs would be killed).
    """
    if older_than_s < MIN_OLDER_THAN_S:
        raise ValueError(f"older_than_s must be at least {MIN_OLDER_THAN_S:.0f} s")
    now = datetime.datetime.now(datetime.UTC)
    host = socket.gethostname()
    found = Reaping([], [], [])
    for run in running_runs(experiments, where=where):
        if run.last_seen is None:
            found.untracked.append(run)
            continue
        reason = phantom_reason(run, now=now, older_than_s=older_than_s, host=host)
        if reason is None:
            found.alive.append(run)
            continue
        if not dry_run:
            end_killed(run, reason)
        found.killed.append((run, reason))
    return found
