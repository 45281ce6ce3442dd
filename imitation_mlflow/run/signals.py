"""Stop signals handled like Ctrl-C, and children that stop when their parent dies.

A scheduler's stop (SIGTERM), a closed terminal (SIGHUP) or ``kill -QUIT/-USR1/-USR2`` raises
``KeyboardInterrupt`` in the main thread, so a run ends KILLED and a suite stops its children.
SIGKILL cannot be caught: a child started by a suite or tuning pool (which names itself in
:data:`PARENT_PID_ENV`) watches for its parent to disappear and then stops itself the same way.
"""

from __future__ import annotations

import os
import signal
import threading
import time

STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
"""Signals that stop a command (SIGINT already raises ``KeyboardInterrupt``)."""
PARENT_PID_ENV = "IMITATION_MLFLOW_PARENT_PID"
"""Set by a pool for its children: the pid whose disappearance stops them."""
PARENT_CHECK_S = 1.0
"""How often a child checks that its parent is still there."""


def interrupt_on_stop_signals() -> None:
    """From now on each of :data:`STOP_SIGNALS` raises ``KeyboardInterrupt`` in the main thread."""
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_interrupt)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


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
