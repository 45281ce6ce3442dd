"""Host, pid and heartbeat on live runs; phantoms told apart from live runs and reaped."""

from __future__ import annotations

import datetime
import os
import socket
import subprocess
import sys
import time

import mlflow
import pytest
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.suite.reap import phantom_reason, process_exists, reap
from imitation_mlflow.tracking.liveness import (
    HEARTBEAT_TAG,
    HOST_TAG,
    PID_TAG,
    REAPED_TAG,
    Heartbeat,
    RunningRun,
    running_runs,
)
from imitation_mlflow.tracking.run import tracked_run

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


def _running(host: str | None, pid: int | None, minutes_ago: float | None) -> RunningRun:
    seen = None if minutes_ago is None else NOW - datetime.timedelta(minutes=minutes_ago)
    return RunningRun("r", "bc-x-s0", "0", host, pid, seen)


def test_a_gone_process_on_this_host_is_a_phantom_at_once():
    run = _running("here", 4242, minutes_ago=0.1)
    reason = phantom_reason(run, now=NOW, older_than_s=600, host="here", exists=lambda pid: False)
    assert reason == "its process 4242 on here is gone"
    alive = phantom_reason(run, now=NOW, older_than_s=600, host="here", exists=lambda pid: True)
    assert alive is None


def test_other_hosts_are_judged_by_their_heartbeat():
    def never(pid: int) -> bool:
        raise AssertionError("another host's pid means nothing here")

    fresh = _running("elsewhere", 1, minutes_ago=9)
    stale = _running("elsewhere", 1, minutes_ago=11)
    assert phantom_reason(fresh, now=NOW, older_than_s=600, host="here", exists=never) is None
    assert phantom_reason(stale, now=NOW, older_than_s=600, host="here", exists=never) == (
        "no heartbeat for 11 min (host elsewhere)"
    )


def test_a_run_without_heartbeat_is_never_ours_to_reap():
    old = _running(None, None, minutes_ago=None)
    assert phantom_reason(old, now=NOW, older_than_s=60, host="here") is None


def test_process_exists_sees_this_process_and_not_an_ended_one():
    assert process_exists(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_exists(child.pid)


def test_a_tracked_run_carries_host_pid_and_a_beating_heart(mlflow_store, monkeypatch):
    beat = Heartbeat(interval_s=0.2)
    monkeypatch.setattr("imitation_mlflow.tracking.run.heartbeat", lambda: beat)
    with tracked_run(experiment="e", run_name="bc-x-s0", tags={}) as run:
        first = MlflowClient().get_run(run.run_id).data.tags[HEARTBEAT_TAG]
        time.sleep(1.5)  # the tag has second resolution
        tags = MlflowClient().get_run(run.run_id).data.tags
    assert tags[HOST_TAG] == socket.gethostname() and tags[PID_TAG] == str(os.getpid())
    assert tags[HEARTBEAT_TAG] > first
    ended = MlflowClient().get_run(run.run_id).data.tags[HEARTBEAT_TAG]
    time.sleep(0.6)
    assert MlflowClient().get_run(run.run_id).data.tags[HEARTBEAT_TAG] == ended  # stopped


def _phantom(client: MlflowClient, exp_id: str, name: str, tags: dict[str, str]) -> str:
    return str(client.create_run(exp_id, run_name=name, tags=tags).info.run_id)


def test_reap_ends_phantoms_killed_and_leaves_live_and_foreign_runs(mlflow_store):
    client = MlflowClient()
    exp_id = mlflow.create_experiment("e")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    here, beat = socket.gethostname(), datetime.datetime.now(datetime.UTC).isoformat()
    old_beat = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).isoformat()
    dead = _phantom(
        client, exp_id, "dead", {HOST_TAG: here, PID_TAG: str(gone.pid), HEARTBEAT_TAG: beat}
    )
    silent = _phantom(
        client, exp_id, "silent", {HOST_TAG: "far", PID_TAG: "1", HEARTBEAT_TAG: old_beat}
    )
    live = _phantom(
        client, exp_id, "live", {HOST_TAG: here, PID_TAG: str(os.getpid()), HEARTBEAT_TAG: beat}
    )
    foreign = _phantom(client, exp_id, "foreign", {})

    dry = reap(["e"], dry_run=True)
    assert sorted(run.run_name for run, _ in dry.killed) == ["dead", "silent"]
    assert client.get_run(dead).info.status == "RUNNING"

    found = reap(["e"])
    assert sorted(run.run_id for run, _ in found.killed) == sorted([dead, silent])
    assert [run.run_id for run in found.alive] == [live]
    assert [run.run_id for run in found.untracked] == [foreign]
    for run_id in (dead, silent):
        run = client.get_run(run_id)
        assert run.info.status == "KILLED" and "by " in run.data.tags[REAPED_TAG]
    assert (
        client.get_run(silent).info.end_time
        <= int(datetime.datetime.fromisoformat(old_beat).timestamp() * 1000) + 1000
    )  # ended when it was last seen, not now
    assert {r.run_id for r in running_runs(["e"])} == {live, foreign}


def test_reap_refuses_an_unknown_experiment_and_a_threshold_under_two_beats(mlflow_store):
    with pytest.raises(UserError, match="no MLflow experiment named 'nope'"):
        reap(["nope"])
    with pytest.raises(ValueError, match="at least 60 s"):
        reap(["nope"], older_than_s=10)
