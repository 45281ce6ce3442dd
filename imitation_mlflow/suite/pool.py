"""Child processes run a few at a time: the local suite's runs and ``tune --jobs``'s workers.

Stopping (Ctrl-C, a stop signal, an exception) terminates the running children and waits
for them, so their MLflow runs end KILLED instead of being left RUNNING; children of a pool
that is killed outright stop themselves (:func:`~imitation_mlflow.run.signals.stop_with_parent`).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from imitation_mlflow.run.signals import PARENT_PID_ENV

STOP_TIMEOUT_S = 60.0
"""How long a terminated child may take to end its run before it is killed."""


@dataclasses.dataclass
class PoolResult:
    """Which commands ended with exit code 0 and which did not."""

    finished: list[str]
    failed: list[str]


class ProcessPool:
    """Runs named commands as child processes, at most ``jobs`` at once.

    With ``log_dir`` each child writes ``log_dir/<name>.log``; without, children share this
    process's terminal. Use as a context manager so that leaving the block early stops them.
    """

    def __init__(self, jobs: int, *, log_dir: Path | None = None) -> None:
        self.jobs = jobs
        self.log_dir = log_dir
        self.pending: list[tuple[str, list[str]]] = []
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.result = PoolResult([], [])

    def __enter__(self) -> ProcessPool:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if kind is not None:
            self.stop()

    def submit(self, commands: dict[str, list[str]]) -> None:
        """Queue ``name -> command`` and start as many as ``jobs`` allows."""
        self.pending.extend(commands.items())
        self.poll()

    def poll(self) -> bool:
        """Collect the children that ended and start queued ones; whether anything changed."""
        changed = False
        for name, process in list(self.running.items()):
            if process.poll() is None:
                continue
            del self.running[name]
            (self.result.finished if process.returncode == 0 else self.result.failed).append(name)
            changed = True
        while self.pending and len(self.running) < self.jobs:
            name, command = self.pending.pop(0)
            self.running[name] = self._start(name, command)
            changed = True
        return changed

    def wait(self, on_change: Callable[[], None] | None = None) -> PoolResult:
        """Run everything queued to its end; ``on_change`` after each start or end."""
        while self.pending or self.running:
            if self.poll() and on_change is not None:
                on_change()
            time.sleep(0.2)
        return self.result

    def stop(self) -> None:
        """Terminate the running children (they end their runs KILLED) and drop the queue."""
        self.pending.clear()
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.running.clear()

    def counts(self) -> dict[str, int]:
        """Done / running / failed / remaining, for progress displays."""
        return {
            "done": len(self.result.finished),
            "running": len(self.running),
            "failed": len(self.result.failed),
            "remaining": len(self.pending),
        }

    def _start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", PARENT_PID_ENV: str(os.getpid())}
        if self.log_dir is None:
            return subprocess.Popen(command, env=env)
        with (self.log_dir / f"{name}.log").open("wb") as log:
            return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
