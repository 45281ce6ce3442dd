"""The published folder layout: ``export sacred``, ``import sacred``."""

from __future__ import annotations

from pathlib import Path

import click

from imitation_mlflow.cli.base import cli, user_errors


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
def export_sacred(output: str, experiment: str, suite: str | None) -> None:
    """Write the experiment's runs in the published sacred layout under OUTPUT (idempotent)."""
    from imitation_mlflow.export.sacred_exporter import ARTIFACTS, export_runs
    from imitation_mlflow.tracking.records import training_runs

    records = training_runs(experiment, suite=suite, artifact_names=ARTIFACTS)
    summary = export_runs(records, Path(output))
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
def import_sacred(path: str, experiment: str) -> None:
    """Make an MLflow run of every sacred run folder under PATH (a folder or a .zip)."""
    from tqdm.auto import tqdm

    from imitation_mlflow.export.sacred_importer import scan_sacred
    from imitation_mlflow.tracking.records import IMPORT_DIGEST_TAG, create_run, imported_digests

    scan = scan_sacred(Path(path))
    if scan.refused:
        click.echo(
            f"refused {len(scan.refused)} entries pointing outside {path}, e.g. "
            f"{', '.join(scan.refused[:3])}",
            err=True,
        )
    if scan.skipped:
        click.echo(
            f"skipped {len(scan.skipped)} corrupt or partial run folders, e.g. "
            f"{', '.join(scan.skipped[:3])}",
            err=True,
        )
    known = imported_digests(experiment)
    new = [r for r in scan.records if r.tags[IMPORT_DIGEST_TAG] not in known]
    for record in tqdm(new, desc="import", unit="run", disable=len(new) < 20):
        create_run(experiment, record)
    click.echo(
        f"imported {len(new)} runs into {experiment!r} "
        f"({len(scan.records) - len(new)} already there)"
    )
