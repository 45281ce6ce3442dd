"""Load runs for analysis from a folder, a zip, or an MLflow experiment, with random scores."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from imitation_mlflow.analysis.frame import add_normalized_scores
from imitation_mlflow.errors import UserError
from imitation_mlflow.export import read_run_folders

log = logging.getLogger(__name__)

SHOW_SKIPPED = 5


def load_runs(
    source: str, *, suite: str | None = None, measure_random: bool = True
) -> pd.DataFrame:
    """The runs frame of ``source``: a folder or ``.zip`` of sacred runs, else an experiment name.

    Missing random-policy scores (published sacred runs do not record them) are measured
    locally per environment and cached; normalized scores are filled in.
    """
    path = Path(source)
    if path.exists():
        if suite:
            raise UserError("--suite selects runs in an MLflow experiment, not in a folder")
        scan = read_run_folders(path)
        if scan.skipped:
            log.warning(
                "skipped %d corrupt or partial run folder(s), e.g. %s",
                len(scan.skipped),
                ", ".join(scan.skipped[:SHOW_SKIPPED]),
            )
        frame = scan.frame
    else:
        from imitation_mlflow.tracking.queries import runs_frame  # mlflow: only when needed

        frame = runs_frame(source, suite=suite)
    if frame.empty:
        raise UserError(f"no runs found in {source!r}")
    if measure_random:
        frame = fill_random_scores(frame)
    return add_normalized_scores(frame)


def fill_random_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill missing ``random_score`` with the locally measured (cached) uniform-random score."""
    # Environments, torch and SB3 load only when a score is actually missing.
    from imitation_mlflow.envs import check_env_id
    from imitation_mlflow.reference_scores import random_policy_stats

    frame = frame.copy()
    missing = frame["random_score"].isna() & frame["env_id"].notna()
    if not missing.any():
        return frame
    for env_id in sorted(frame.loc[missing, "env_id"].unique()):
        try:
            check_env_id(env_id)
        except UserError:
            log.warning("%s is not a registered environment; its runs stay unnormalized", env_id)
            continue
        score = random_policy_stats(env_id)["monitor_return_mean"]
        frame.loc[missing & (frame["env_id"] == env_id), "random_score"] = score
    frame["random_score"] = frame["random_score"].astype(float).replace({None: np.nan})
    return frame
