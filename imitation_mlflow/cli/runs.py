"""Housekeeping of stored runs: ``runs reap``."""

from __future__ import annotations

import click

from imitation_mlflow.cli.base import Duration, cli, needs_tracking_store, user_errors


@cli.group("runs")
def runs_group() -> None:
    """Look after the runs in the store."""


@runs_group.command("reap")
@click.option(
    "--experiment",
    "experiments",
    multiple=True,
    metavar="NAME",
    help="Experiment to look in (repeatable; default: MLFLOW_EXPERIMENT_NAME or 'imitation').",
)
@click.option(
    "--older-than",
    "older_than_s",
    type=Duration(),
    default="10m",
    show_default=True,
    help="Runs of other hosts are phantoms once their heartbeat is this old (at least 60s).",
)
@click.option("--dry-run", is_flag=True, help="List the phantoms without ending them.")
@user_errors
@needs_tracking_store
def runs_reap(experiments: tuple[str, ...], older_than_s: float, dry_run: bool) -> None:
    """End KILLED the RUNNING runs whose process is gone.

    A run is a phantom when its process no longer exists on this host, or when its
    heartbeat (rewritten every 30 s while it lives) is older than --older-than on any host.
    RUNNING runs without a heartbeat (not started by imitation-mlflow) are left alone.
    """
    import os

    from imitation_mlflow.errors import UserError
    from imitation_mlflow.suite.reap import MIN_OLDER_THAN_S, reap

    if older_than_s < MIN_OLDER_THAN_S:
        raise UserError(
            f"--older-than must be at least {MIN_OLDER_THAN_S:g}s (got {older_than_s:g}s)"
        )
    names = list(experiments) or [os.environ.get("MLFLOW_EXPERIMENT_NAME") or "imitation"]
    found = reap(names, older_than_s=older_than_s, dry_run=dry_run)
    verb = "would end" if dry_run else "ended"
    for run, reason in found.killed:
        click.echo(f"{verb} KILLED {run.run_name} ({run.run_id}): {reason}")
    left = f", {len(found.untracked)} without a heartbeat left alone" if found.untracked else ""
    click.echo(f"{len(found.killed)} phantom runs {verb} KILLED, {len(found.alive)} alive{left}")
