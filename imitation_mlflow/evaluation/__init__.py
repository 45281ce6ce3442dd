"""Scoring policies: pure evaluation (policy + env -> return statistics) and the random baseline."""

from imitation_mlflow.evaluation.returns import (
    UniformRandomPolicy,
    evaluate,
    evaluate_episodes,
    normalized_score,
)

__all__ = ["UniformRandomPolicy", "evaluate", "evaluate_episodes", "normalized_score"]
