"""The tidy runs DataFrame every loader produces and every analysis consumes."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from imitation_mlflow.schema import RUN_COLUMNS

log = logging.getLogger(__name__)

COLUMNS = RUN_COLUMNS


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
