"""The tracking contract as data: the tag and metric names tools rely on, runs as records.

No MLflow import, so analysis and export can use it without loading MLflow.
"""

from __future__ import annotations

import dataclasses

PARENT_TAG = "mlflow.parentRunId"
"""MLflow's own tag linking a child run to its parent (the UI nests children under it)."""
RUN_NAME_TAG = "mlflow.runName"
SUITE_TAG = "suite"
"""On a suite's training runs: the suite parent's run id."""
IMPORT_DIGEST_TAG = "sacred_import_digest"
"""On imported runs: the digest of their sacred ``run.json`` and ``config.json``."""

FINAL_METRICS = (
    "imit_return_mean",
    "imit_return_std",
    "expert_return_mean",
    "expert_return_std",
    "random_return_mean",
    "normalized_score",
)
"""The flat final scores of a training run."""

CURVE_PREFIXES = ("bc/", "dagger/", "disc/", "gen/", "time/")
"""Metric namespaces of training curves; flat names are final scores."""


@dataclasses.dataclass
class RunRecord:
    """One training run as plain data: what export and import exchange, and analysis reads."""

    run_id: str
    run_name: str
    status: str
    """MLflow status: FINISHED, FAILED, KILLED, RUNNING."""
    start_time_ms: int
    end_time_ms: int | None
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, float]
    curves: dict[str, list[tuple[int, int, float]]]
    """name -> (step, timestamp ms, value) points."""
    artifacts: dict[str, bytes]
    """file name -> content, for the files of the run's artifact root."""
