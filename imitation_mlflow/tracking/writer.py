"""Training curves to MLflow in batches: one database write per thousand points, not per point."""

from __future__ import annotations

import time

from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

MAX_METRICS_PER_BATCH = 1000
"""MLflow's limit on metrics in one ``log_batch`` call."""


class BufferedMetricWriter:
    """A ``MetricLogger`` that buffers points and writes them with ``log_batch``.

    Buffered points are written when the buffer is full, on ``flush()``, and at the end of
    the run, so a crash loses at most the points since the last write.
    """

    def __init__(self, client: MlflowClient, run_id: str, max_buffer: int = MAX_METRICS_PER_BATCH):
        self.client = client
        self.run_id = run_id
        self.max_buffer = max_buffer
        self._buffer: list[Metric] = []

    def record(self, key: str, value: float, step: int) -> None:
        """Buffer one point of curve ``key``."""
        self._buffer.append(Metric(key, float(value), int(time.time() * 1000), int(step)))
        if len(self._buffer) >= self.max_buffer:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered."""
        while self._buffer:
            chunk = self._buffer[:MAX_METRICS_PER_BATCH]
            self.client.log_batch(self.run_id, metrics=chunk, synchronous=True)
            del self._buffer[: len(chunk)]
