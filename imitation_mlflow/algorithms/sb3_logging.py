"""Forward SB3's own training metrics (PPO losses, rollout returns) to a MetricLogger."""

from __future__ import annotations

from typing import Any

from stable_baselines3.common.logger import KVWriter, Logger

from imitation_mlflow.algorithms.logger import MetricLogger


class MetricLoggerWriter(KVWriter):
    """An SB3 output format that records every numeric value as ``<prefix>/<sb3 key>``."""

    def __init__(self, logger: MetricLogger, prefix: str) -> None:
        self.logger = logger
        self.prefix = prefix

    def write(
        self,
        key_values: dict[str, Any],
        key_excluded: dict[str, tuple[str, ...]],
        step: int = 0,
    ) -> None:
        """Record the numeric values of one SB3 dump."""
        for key, value in key_values.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.logger.record(f"{self.prefix}/{key}", float(value), step)

    def close(self) -> None:
        """Nothing to release."""


def sb3_logger(logger: MetricLogger, prefix: str) -> Logger:
    """An SB3 Logger whose only output is ``logger`` (e.g. ``gen/train/policy_loss``)."""
    return Logger(folder=None, output_formats=[MetricLoggerWriter(logger, prefix)])
