"""The published folder layout: ``export sacred``, ``import sacred``."""

from __future__ import annotations

from pathlib import Path

import click

from imitation_mlflow.cli.base import cli, needs_tracking_store, user_errors


@cli.group("export")
def export_group() -> None:
    """Export MLflow runs to other layouts."""


@export_group.command("sacred")
@click.argument("output", type=click.Path(file_okay=False))
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment to export.",
)
@click.option("--suite", default=None, metavar="RUN_ID", help="Only the runs of this suite.")
@user_errors
@needs_tracking_store
def export_sacred(output: str, experiment: str, suite: str | None) -> None:
    """Write the experiment's runs in the published sacred layout under OUTPUT (idempotent)."""
    from imitation_mlflow.export.sacred_exporter import export_experiment

    summary = export_experiment(experiment, Path(output), suite=suite)
    click.echo(f"exported {summary.new} new and {summary.updated} updated runs to {output}")


@cli.group("import")
def import_group() -> None:
    """Import runs from other layouts into MLflow."""


@import_group.command("sacred")
@click.argument("path", type=click.Path())
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment to import into.",
)
@user_errors
@needs_tracking_store
def import_sacred(path: str, experiment: str) -> None:
    """Make an MLflow run of every sacred run folder under PATH (a folder or a .zip)."""
    from imitation_mlflow.export.sacred_importer import SHOWN, import_sacred

    summary = import_sacred(Path(path), experiment)
    if summary.refused:
        click.echo(
            f"refused {len(summary.refused)} entries pointing outside {path}, e.g. "
            f"{', '.join(summary.refused[:SHOWN])}",
            err=True,
        )
    if summary.skipped:
        click.echo(
            f"skipped {len(summary.skipped)} corrupt or partial run folders, e.g. "
            f"{', '.join(summary.skipped[:SHOWN])}",
            err=True,
        )
    click.echo(
        f"imported {summary.imported} runs into {experiment!r} "
        f"({summary.already_there} already there)"
    )
