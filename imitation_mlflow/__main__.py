"""``python -m imitation_mlflow`` runs the CLI."""

from imitation_mlflow.cli import main

if __name__ == "__main__":  # not when a spawned child process imports it again
    main()
