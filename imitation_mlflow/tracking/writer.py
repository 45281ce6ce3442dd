"""Training curves to MLflow in batches, not one database write per point.

A batch is written per thousand points or per half minute, so slow runs show live curves.
A tracking server that stays down through MLflow's own request retries costs no points: the
writer keeps them, training goes on, and the write is tried again later with a growing pause;
only the final flush, after its last retry, gives up and fails the run.
"""

from __future__ import annotations

import logging
import time

from mlflow.entities import Metric
from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

logger = logging.getLogger(__name__)

MAX_METRICS_PER_BATCH = 1000
"""MLflow's limit on metrics in one ``log_batch`` call."""
MAX_DELAY_S = 30.0
"""Longest a recorded point waits before it is written, so the UI follows a slow run."""
RETRY_PAUSES_S = (5.0, 15.0, 30.0, 60.0, 120.0, 240.0)
"""Pauses between failed writes (each failure already spent MLflow's own retries)."""


class BufferedMetricWriter:
    """A ``MetricLogger`` that buffers points and writes them with ``log_batch``.

    Buffered points are written when the buffer is full, when its oldest point has waited
    ``max_delay_s``, on ``flush()``, and at the end of the run, so a crash loses at most
    the points since the last write.
    """

    def __init__(
        self,
        client: MlflowClient,
        run_id: str,
        max_buffer: int = MAX_METRICS_PER_BATCH,
        max_delay_s: float = MAX_DELAY_S,
    ):
        self.client = client
        self.run_id = run_id
        self.max_buffer = max_buffer
        self.max_delay_s = max_delay_s
        self._buffer: list[Metric] = []
        self._oldest = 0.0
        self._logged: set[tuple[str, int, float]] = set()
        self._failures = 0
        self._retry_at = 0.0
        self.retry_pauses_s = RETRY_PAUSES_S

    def skip_logged(self) -> None:
        """Drop points the run already holds (same key, step and value).

        A resumed run computes again the points of the rounds between its checkpoint and
        the kill, with the same values; this keeps them from appearing twice.
        """
        self._logged = {
            (key, point.step, point.value)
            for key in self.client.get_run(self.run_id).data.metrics
            for point in self.client.get_metric_history(self.run_id, key)
        }

    def record(self, key: str, value: float, step: int) -> None:
        """Buffer one point of curve ``key``."""
        if (key, int(step), float(value)) in self._logged:
            return
        if not self._buffer:
            self._oldest = time.monotonic()
        self._buffer.append(Metric(key, float(value), int(time.time() * 1000), int(step)))
        full = len(self._buffer) >= self.max_buffer
        due = full or time.monotonic() - self._oldest >= self.max_delay_s
        if due and time.monotonic() >= self._retry_at:
            try:
                self._write()
            except MlflowException as exc:
                self._note_failure(exc)

    def flush(self) -> None:
        """Write everything buffered, pausing and retrying while the store fails.

        Raises the store's error once :data:`RETRY_PAUSES_S` are spent; the points stay
        buffered, so a later ``flush`` can still write them.
        """
        for pause in (*self.retry_pauses_s, None):
            try:
                self._write()
                return
            except MlflowException as exc:
                if pause is None:
                    raise
                self._note_failure(exc)
                time.sleep(pause)

    def _write(self) -> None:
        while self._buffer:
            chunk = self._buffer[:MAX_METRICS_PER_BATCH]
            self.client.log_batch(self.run_id, metrics=chunk, synchronous=True)
            del self._buffer[: len(chunk)]
        self._failures = 0

    def _note_failure(self, exc: MlflowException) -> None:
        pause = self.retry_pauses_s[min(self._failures, len(self.retry_pauses_s) - 1)]
        self._failures += 1
        self._retry_at = time.monotonic() + pause
        logger.warning(
            "could not write %d curve points (%s); keeping them, next try in %.0f s",
            len(self._buffer),
            str(exc).splitlines()[0][:200],
            pause,
        )
