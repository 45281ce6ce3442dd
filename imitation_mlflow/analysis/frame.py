"""The tidy runs DataFrame every analysis consumes, built from run records."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from imitation_mlflow.export import SACRED_STATUS
from imitation_mlflow.tracking.contract import RunRecord

log = logging.getLogger(__name__)

COLUMNS = [
    "algo",
    "env_id",
    "seed",
    "status",
    "score",
    "expert_score",
    "random_score",
    "normalized_score",
    "source",
]
"""Columns of a runs frame; ``status`` uses sacred's names (COMPLETED, FAILED, ...)."""

SCORE_METRICS = {
    "score": "imit_return_mean",
    "expert_score": "expert_return_mean",
    "random_score": "random_return_mean",
    "normalized_score": "normalized_score",
}
"""Frame column -> the final metric of the tracking contract it holds."""


def runs_frame(records: Iterable[RunRecord]) -> pd.DataFrame:
    """One row per training run: its algorithm, environment, seed, status and scores.

    ``source`` is ``runs:/<id>`` for MLflow runs, the folder for sacred ones; missing
    scores are NaN.
    """
    rows = [
        {
            "algo": record.tags.get("algo"),
            "env_id": record.tags.get("env_id"),
            "seed": int(record.tags.get("seed", -1)),
            "status": SACRED_STATUS.get(record.status, record.status),
            **{
                column: float(record.metrics.get(metric, np.nan))
                for column, metric in SCORE_METRICS.items()
            },
            "source": f"runs:/{record.run_id}" if record.run_id else record.tags["imported_from"],
        }
        for record in records
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def add_normalized_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill ``normalized_score`` = (score - random) / (expert - random) where it is missing."""
    frame = frame.copy()
    computed = (frame["score"] - frame["random_score"]) / (
        frame["expert_score"] - frame["random_score"]
    )
    frame["normalized_score"] = frame["normalized_score"].astype(float).fillna(computed)
    return frame


def completed(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the runs whose status is COMPLETED."""
    return frame[frame["status"] == "COMPLETED"]


def score_matrices(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Algorithm -> its ``(num_runs, num_tasks)`` normalized scores.

    Tasks are every environment the algorithm completed runs on (sorted); for the aggregate
    estimates and plots.
    """
    done = completed(frame)
    return {
        algo: score_matrix(done, algo, sorted(done[done["algo"] == algo]["env_id"].unique()))
        for algo in sorted(done["algo"].unique())
    }


def score_matrix(
    frame: pd.DataFrame, algo: str, envs: list[str], column: str = "normalized_score"
) -> np.ndarray:
    """Scores of ``algo`` as a ``(num_runs, num_tasks)`` matrix, tasks in the order of ``envs``.

    Runs are ordered by seed. Tasks with different numbers of completed runs are truncated
    to the smallest count (rliable needs a rectangle), with a warning naming the counts.
    """
    runs = completed(frame)
    runs = runs[runs["algo"] == algo]
    columns = []
    for env in envs:
        values = runs[runs["env_id"] == env].sort_values("seed")[column].to_numpy(float)
        columns.append(values)
    counts = {env: len(c) for env, c in zip(envs, columns, strict=True)}
    smallest = min(counts.values(), default=0)
    if len(set(counts.values())) > 1:
        log.warning(
            "%s: unequal numbers of runs per env %s; truncating each to %d", algo, counts, smallest
        )
    if smallest == 0:
        return np.empty((0, len(envs)))
    return np.stack([c[:smallest] for c in columns], axis=1)
