"""Sacred-style entry points: ``python -m imitation_mlflow.scripts.<script> <algo> with ...``."""
