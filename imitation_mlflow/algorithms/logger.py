"""The small logging interface algorithms write training curves to."""

from __future__ import annotations

from typing import Protocol


class MetricLogger(Protocol):
    """Receives scalar training curves keyed ``<namespace>/<name>`` (e.g. ``bc/loss``)."""

    def record(self, key: str, value: float, step: int) -> None:
        """Record ``value`` of curve ``key`` at ``step``; may buffer."""


class MemoryLogger:
    """Keeps every recorded point in memory; for tests and for callers that log later."""

    def __init__(self) -> None:
        self.points: dict[str, list[tuple[int, float]]] = {}

    def record(self, key: str, value: float, step: int) -> None:
        """Append ``(step, value)`` to the curve ``key``."""
        self.points.setdefault(key, []).append((step, float(value)))
