"""A run's console output (stdout, stderr, logging) teed into ``cout.txt``, still shown live."""

from __future__ import annotations

import contextlib
import logging
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from imitation_mlflow.tracking.run import TrackedRun

COUT = "cout.txt"
CAPTURE = "console.log"


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
def captured(directory: Path) -> Iterator[Path]:
    """Tee stdout, stderr and the ``imitation_mlflow`` logger into ``directory/console.log``.

    The capture lasts while the block runs; yields the file's path.
    """
    path = directory / CAPTURE
    with path.open("a", encoding="utf-8") as sink:
        handler = logging.StreamHandler(sink)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger = logging.getLogger("imitation_mlflow")
        logger.addHandler(handler)
        old_out, old_err = sys.stdout, sys.stderr
        sys.stdout = _Tee(old_out, sink)  # type: ignore[assignment]
        sys.stderr = _Tee(old_err, sink)  # type: ignore[assignment]
        try:
            yield path
        finally:
            sys.stdout, sys.stderr = old_out, old_err
            logger.removeHandler(handler)


@contextlib.contextmanager
def logged_at_exit(tracked: TrackedRun, console: Path, earlier: str = "") -> Iterator[None]:
    """Upload the captured ``console`` as ``cout.txt`` when the block ends.

    The ``earlier`` output of a resumed run comes first; the traceback of whatever ended the
    block is printed into it, so a failed run shows why.
    """
    try:
        yield
    except BaseException:
        traceback.print_exc()
        raise
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        for handler in logging.getLogger("imitation_mlflow").handlers:
            handler.flush()
        cout = console.with_name(COUT)
        cout.write_text(earlier + console.read_text(encoding="utf-8"), encoding="utf-8")
        tracked.log_artifact(cout)
