"""Analysis of runs: tables, IQM and CIs, probability of improvement, plots.

The core (``frame``, ``aggregate``, ``compare``, ``report``, ``plots``) is pure
numpy/pandas/rliable/matplotlib on the runs DataFrame; ``loading`` builds that frame from
sacred folders (through ``export``) or an MLflow experiment (through ``tracking``), and
``commands`` is what the CLI's summarize and compare commands call.
"""

from imitation_mlflow.analysis.aggregate import (
    aggregate_estimates,
    iqm,
    probability_of_improvement,
)
from imitation_mlflow.analysis.compare import Comparison, compare, pick_algo
from imitation_mlflow.analysis.frame import (
    COLUMNS,
    add_normalized_scores,
    completed,
    runs_frame,
    score_matrices,
    score_matrix,
)
from imitation_mlflow.analysis.loading import load_runs
from imitation_mlflow.analysis.report import summary_csv, summary_markdown

__all__ = [
    "COLUMNS",
    "Comparison",
    "add_normalized_scores",
    "aggregate_estimates",
    "compare",
    "completed",
    "iqm",
    "load_runs",
    "pick_algo",
    "probability_of_improvement",
    "runs_frame",
    "score_matrices",
    "score_matrix",
    "summary_csv",
    "summary_markdown",
]
