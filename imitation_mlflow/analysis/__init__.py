"""Analysis on a tidy DataFrame of runs: tables, IQM and CIs, probability of improvement, plots.

Imports numpy, pandas, rliable and matplotlib only; loading runs is done elsewhere
(:mod:`imitation_mlflow.sources`).
"""

from imitation_mlflow.analysis.aggregate import (
    aggregate_estimates,
    iqm,
    probability_of_improvement,
)
from imitation_mlflow.analysis.compare import Comparison, compare, pick_algo
from imitation_mlflow.analysis.frame import COLUMNS, add_normalized_scores, score_matrix
from imitation_mlflow.analysis.report import summary_csv, summary_markdown

__all__ = [
    "COLUMNS",
    "Comparison",
    "compare",
    "pick_algo",
    "add_normalized_scores",
    "aggregate_estimates",
    "iqm",
    "probability_of_improvement",
    "score_matrix",
    "summary_csv",
    "summary_markdown",
]
