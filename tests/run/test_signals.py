"""Stop signals: raised as ``KeyboardInterrupt``, but never inside the tracking store's code."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from mlflow import MlflowClient
from mlflow.entities import Metric

from imitation_mlflow.run.signals import STOP_SIGNALS, interrupt_on_stop_signals


@pytest.fixture
def stop_signals() -> Iterator[None]:
    """The platform's handlers for this test, the previous ones restored afterwards."""
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    interrupt_on_stop_signals()
    yield
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def _in_module(module: str, body: Callable[[], None], finished: list[str]) -> Callable[[], None]:
    """A function whose frame belongs to ``module``: it runs ``body``, works on for 0.1 s, and
    notes in ``finished`` that it got to its end."""
    namespace: dict[str, object] = {"__name__": module, "body": body, "time": time}
    namespace["ended"] = finished
    exec("def call():\n    body()\n    time.sleep(0.1)\n    ended.append('end')\n", namespace)
    return namespace["call"]  # type: ignore[return-value]


def _send_stop() -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def test_stop_outside_the_store_raises_at_once(stop_signals: None) -> None:
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        _send_stop()
        time.sleep(5)


def test_stop_inside_the_store_is_held_until_the_call_returns(stop_signals: None) -> None:
    finished: list[str] = []
    after_the_call: list[str] = []
    with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
        _in_module("sqlalchemy.orm.fake", _send_stop, finished)()
        after_the_call.append("ran on")
    assert finished == ["end"] and after_the_call == []


def test_second_stop_while_one_is_held_raises_at_once(stop_signals: None) -> None:
    def two_stops() -> None:
        _send_stop()
        time.sleep(0.05)
        _send_stop()
        time.sleep(5)

    finished: list[str] = []
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        _in_module("mlflow.store.fake", two_stops, finished)()
    assert finished == [] and time.monotonic() - started < 2


def test_run_interrupted_during_writes_can_still_be_ended(
    stop_signals: None, mlflow_store: str
) -> None:
    """A stop landing anywhere in a stream of SQLite writes leaves the store writable (it used
    to leave an open statement whose lock made ending the run KILLED time out)."""
    client = MlflowClient()
    experiment = client.create_experiment("interrupts")
    delays = np.random.default_rng(0).uniform(0.001, 0.05, size=12)
    for delay in delays:
        run_id = client.create_run(experiment).info.run_id
        threading.Timer(float(delay), _send_stop).start()
        with pytest.raises(KeyboardInterrupt):
            for step in range(100_000):
                metrics = [Metric("m", 1.0, 0, step * 50 + i) for i in range(50)]
                client.log_batch(run_id, metrics=metrics, synchronous=True)
                client.get_run(run_id)
        started = time.monotonic()
        client.set_terminated(run_id, "KILLED")
        assert time.monotonic() - started < 5
        assert client.get_run(run_id).info.status == "KILLED"
