"""Runs for analysis from a folder, a zip, or an MLflow experiment, with random scores."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from imitation_mlflow.analysis.frame import add_normalized_scores, runs_frame
from imitation_mlflow.errors import UserError
from imitation_mlflow.export import read_records
from imitation_mlflow.tracking.contract import RunRecord

log = logging.getLogger(__name__)

SHOW_SKIPPED = 5


def is_folder_source(source: str) -> bool:
    """Whether ``source`` names a folder or zip of sacred runs (else: an MLflow experiment)."""
    return Path(source).exists()


def load_runs(
    source: str, *, suite: str | None = None, measure_random: bool = True
) -> pd.DataFrame:
    """The runs frame of ``source``: a folder or ``.zip`` of sacred runs, else an experiment name.

    Missing random-policy scores (published sacred runs do not record them) are measured
    locally per environment and cached; normalized scores are filled in.
    """
    if is_folder_source(source):
        if suite:
            raise UserError("--suite selects runs in an MLflow experiment, not in a folder")
        scan = read_records(Path(source))
        if scan.skipped:
            log.warning(
                "skipped %d corrupt or partial run folder(s), e.g. %s",
                len(scan.skipped),
                ", ".join(scan.skipped[:SHOW_SKIPPED]),
            )
        frame = runs_frame(scan.records)
    else:
        frame = runs_frame(_experiment_runs(source, suite))
    frame = without_non_finite_scores(frame)
    if frame.empty:
        raise UserError(f"no runs found in {source!r}")
    if measure_random:
        frame = fill_random_scores(frame)
    return add_normalized_scores(frame)


def without_non_finite_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop completed runs whose return or expert return is NaN or infinite, naming them.

    One such run would turn every aggregate into ``nan``.
    """
    scores = frame[["score", "expert_score"]].astype(float).to_numpy()
    bad = (frame["status"] == "COMPLETED").to_numpy() & ~np.isfinite(scores).all(axis=1)
    if bad.any():
        log.warning(
            "skipped %d completed run(s) with a non-finite score: %s",
            int(bad.sum()),
            ", ".join(frame.loc[bad, "source"].astype(str).head(SHOW_SKIPPED)),
        )
    return frame[~bad]


def _experiment_runs(experiment: str, suite: str | None) -> list[RunRecord]:
    from imitation_mlflow.tracking.records import NoSuchExperiment, training_runs  # MLflow

    try:
        return list(training_runs(experiment, suite=suite, curves=False))
    except NoSuchExperiment as exc:
        raise UserError(f"{experiment!r} is no folder or .zip, and {exc}") from None


def fill_random_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill missing ``random_score`` with the locally measured (cached) uniform-random score."""
    # Environments, torch and SB3 load only when a score is actually missing.
    from imitation_mlflow.envs import check_env_id
    from imitation_mlflow.evaluation.random_baseline import random_policy_stats

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
