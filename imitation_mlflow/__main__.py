"""``python -m imitation_mlflow`` runs the CLI."""

from imitation_mlflow.cli import main

main()
