"""The ``imitation-mlflow`` command line (the only importer of click).

Commands live in one module per concern and register themselves on the group in
``base``; importing this package registers all of them.
"""

from imitation_mlflow.cli import (  # noqa: F401  (registers)
    analysis,
    benchmark,
    experts,
    runs,
    sacred,
    train,
    tune,
)
from imitation_mlflow.cli.base import cli


def main() -> None:
    """Console-script entry point."""
    cli()


__all__ = ["cli", "main"]
