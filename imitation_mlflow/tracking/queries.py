"""Read runs back from an MLflow store as the tidy runs frame; log analysis outputs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
from mlflow.tracking import MlflowClient

from imitation_mlflow.errors import UserError
from imitation_mlflow.schema import RUN_COLUMNS as COLUMNS
from imitation_mlflow.schema import SACRED_STATUS


def runs_frame(experiment: str, *, suite: str | None = None) -> pd.DataFrame:
    """All training runs of ``experiment`` (optionally of one suite) as the tidy runs frame.

    Runs without an ``algo`` tag (e.g. suite parents, summaries) are left out.
    """
    found = MlflowClient().get_experiment_by_name(experiment)
    if found is None:
        raise UserError(
            f"no folder and no MLflow experiment named {experiment!r} in "
            f"{mlflow.get_tracking_uri()}; pass a folder, a .zip, or an experiment name "
            "(set --tracking-uri / MLFLOW_TRACKING_URI for another store)"
        )
    filters = ["tags.algo != ''"]
    if suite:
        filters.append(f"tags.suite = '{suite}'")
    runs = mlflow.search_runs(
        experiment_ids=[found.experiment_id],
        filter_string=" and ".join(filters),
        output_format="pandas",
    )
    if runs.empty:
        return pd.DataFrame(columns=COLUMNS)

    def column(name: str) -> pd.Series:
        return runs[name] if name in runs else pd.Series(np.nan, index=runs.index)

    frame = pd.DataFrame(
        {
            "algo": runs["tags.algo"],
            "env_id": column("tags.env_id"),
            "seed": pd.to_numeric(column("tags.seed"), errors="coerce").fillna(-1).astype(int),
            "status": runs["status"].map(SACRED_STATUS).fillna(runs["status"]),
            "score": column("metrics.imit_return_mean"),
            "expert_score": column("metrics.expert_return_mean"),
            "random_score": column("metrics.random_return_mean"),
            "normalized_score": column("metrics.normalized_score"),
            "source": "runs:/" + runs["run_id"],
        }
    )
    return frame[COLUMNS].reset_index(drop=True)


def log_analysis_run(
    experiment: str, name: str, files: Sequence[Path], *, parent_run_id: str | None = None
) -> str:
    """Log summary files (markdown, plots) as artifacts of a new ``analysis`` run; its id."""
    client = MlflowClient()
    found = client.get_experiment_by_name(experiment)
    if found is None:
        raise UserError(f"no MLflow experiment named {experiment!r}")
    tags = {"analysis": "summary", "mlflow.runName": name}
    if parent_run_id:
        tags["mlflow.parentRunId"] = parent_run_id
    run_id = client.create_run(found.experiment_id, tags=tags).info.run_id
    for path in files:
        client.log_artifact(run_id, str(path))
    client.set_terminated(run_id)
    return str(run_id)
