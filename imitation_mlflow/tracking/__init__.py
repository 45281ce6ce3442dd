"""The only place that talks to MLflow: run lifecycle, params, metrics, artifacts, models."""

from imitation_mlflow.tracking.models import load_policy_model, log_policy_model
from imitation_mlflow.tracking.run import TrackedRun, tracked_run
from imitation_mlflow.tracking.writer import BufferedMetricWriter

__all__ = [
    "BufferedMetricWriter",
    "TrackedRun",
    "load_policy_model",
    "log_policy_model",
    "tracked_run",
]
