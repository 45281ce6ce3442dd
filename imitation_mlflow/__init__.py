"""imitation_mlflow: an MLflow-tracked benchmark platform for imitation learning."""

__version__ = "0.1.0"
