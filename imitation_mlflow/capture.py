"""Capture a run's console output (stdout, stderr, logging) into a file, still showing it live."""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class _Tee:
    """A text stream that writes to the terminal and to a file."""

    def __init__(self, stream: IO[str], sink: IO[str]) -> None:
        self._stream = stream
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink.write(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._sink.flush()
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def capture_output(path: Path) -> Iterator[None]:
    """Tee ``sys.stdout``, ``sys.stderr`` and the ``imitation_mlflow`` logger into ``path``."""
    with path.open("a", encoding="utf-8") as sink:
        handler = logging.StreamHandler(sink)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger = logging.getLogger("imitation_mlflow")
        logger.addHandler(handler)
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = _Tee(old_out, sink)  # type: ignore[assignment]
        sys.stderr = _Tee(old_err, sink)  # type: ignore[assignment]
        try:
            yield
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            logger.removeHandler(handler)
