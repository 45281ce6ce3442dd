"""Stop signals handled like Ctrl-C, and children that stop when their parent dies.

A scheduler's stop (SIGTERM), a closed terminal (SIGHUP) or ``kill -QUIT/-USR1/-USR2`` raises
``KeyboardInterrupt`` in the main thread, so a run ends KILLED and a suite stops its children.
SIGKILL cannot be caught: a child started by a suite or tuning pool (which names itself in
:data:`PARENT_PID_ENV`) watches for its parent to disappear and then stops itself the same way.

The interrupt is never raised inside the tracking store's own code. An exception thrown
through SQLAlchemy in the middle of a query leaves an open SQLite statement holding its lock,
and the very writes that end the run KILLED then wait out the busy timeout and fail. A signal
that arrives while the main thread is inside :data:`STORE_MODULES` is held and raised as soon
as that call returns; a second stop signal while one is held raises at once (a hung server
must not make Ctrl-C useless).
"""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
import time
from types import FrameType

STOP_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)
"""Signals that stop a command."""
STORE_MODULES = ("mlflow", "sqlalchemy", "sqlite3", "alembic", "psycopg2", "urllib3", "requests")
"""Packages a stop is never raised inside (their connections and locks must be left whole)."""
PARENT_PID_ENV = "IMITATION_MLFLOW_PARENT_PID"
"""Set by a pool for its children: the pid whose disappearance stops them."""
PARENT_CHECK_S = 1.0
"""How often a child checks that its parent is still there."""


_held: list[str] = []
"""The stop held until the current store call returns (at most one; main thread only)."""


def interrupt_on_stop_signals() -> None:
    """From now on each of :data:`STOP_SIGNALS` raises ``KeyboardInterrupt`` in the main thread."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _on_stop_signal)


def _on_stop_signal(signum: int, frame: FrameType | None) -> None:
    reason = f"signal {signal.Signals(signum).name}"
    store_call = _outermost_store_frame(frame)
    if _held or store_call is None:
        _held.clear()
        sys.setprofile(None)
        raise KeyboardInterrupt(reason)
    _held.append(reason)
    sys.setprofile(functools.partial(_raise_on_return, store_call))


def _raise_on_return(store_call: FrameType, frame: FrameType, event: str, arg: object) -> None:
    """Profile hook: once ``store_call`` returns, raise the held stop in its caller."""
    if event == "return" and frame is store_call:
        sys.setprofile(None)
        raise KeyboardInterrupt(_held.pop())


def _outermost_store_frame(frame: FrameType | None) -> FrameType | None:
    """The outermost frame of the interrupted stack in one of :data:`STORE_MODULES`, if any."""
    outermost = None
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).partition(".")[0] in STORE_MODULES:
            outermost = frame
        frame = frame.f_back
    return outermost


def stop_with_parent() -> None:
    """If a pool started this process, stop it (as SIGTERM would) once that pool is gone.

    Reads and removes :data:`PARENT_PID_ENV` (so this process's own children do not
    inherit it); without it, does nothing. Call after :func:`interrupt_on_stop_signals`.
    """
    named = os.environ.pop(PARENT_PID_ENV, "")
    if not named.isdigit():
        return
    watcher = threading.Thread(
        target=_watch_parent, args=(int(named),), name="parent-watch", daemon=True
    )
    watcher.start()


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGTERM)  # reparented: the pool died without stopping us
