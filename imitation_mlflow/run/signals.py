"""SIGTERM (a scheduler's stop, ``kill``) handled like Ctrl-C, so a run ends KILLED."""

from __future__ import annotations

import signal


def interrupt_on_sigterm() -> None:
    """From now on SIGTERM raises ``KeyboardInterrupt`` in the main thread."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
