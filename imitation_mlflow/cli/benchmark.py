"""The suite: ``benchmark run|commands|slurm``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from imitation_mlflow.cli.base import F, cli, needs_tracking_store, user_errors


def _matrix_options(func: F) -> F:
    """Options that define a suite's matrix, shared by the three benchmark commands."""
    options = [
        click.option(
            "--algos", default="bc", show_default=True, help="Comma-separated algorithms, or 'all'."
        ),
        click.option(
            "--envs",
            default="all",
            show_default=True,
            help="Comma-separated environment configs, or 'all' (the five MuJoCo).",
        ),
        click.option("--seeds", type=int, default=10, show_default=True, help="Seeds 0..N-1."),
        click.option("--seed-list", default=None, help="Explicit comma-separated seeds."),
        click.option(
            "--set",
            "sets",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override a config key in every run.",
        ),
        click.option(
            "--quick", is_flag=True, help="Tiny suite: every algorithm on seals_cartpole, 2 seeds."
        ),
        click.option("--force", is_flag=True, help="Rerun runs that already FINISHED."),
        click.option(
            "--batch-seeds/--no-batch-seeds",
            default=True,
            show_default=True,
            help="Train the seeds of each BC/DAgger cell together in one process.",
        ),
        click.option("--name", default=None, help="Suite name (default: derived from the matrix)."),
        click.option(
            "--experiment",
            envvar="MLFLOW_EXPERIMENT_NAME",
            default="imitation",
            show_default=True,
            help="MLflow experiment name.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@cli.group()
def benchmark() -> None:
    """Run the benchmark matrix (algos x envs x seeds) here, via GNU parallel, or on SLURM."""


@benchmark.command("run")
@_matrix_options
@click.option("--jobs", type=int, default=1, show_default=True, help="Runs at once.")
@click.option("--progress/--no-progress", default=True)
@user_errors
@needs_tracking_store
def benchmark_run(jobs: int, progress: bool, **matrix: Any) -> None:
    """Execute the suite on this machine, JOBS processes at a time, under one parent run."""
    from imitation_mlflow.run.signals import interrupt_on_stop_signals
    from imitation_mlflow.suite.launch import SuiteMatrix, run_suite

    interrupt_on_stop_signals()  # any stop signal stops the children too

    def announce(plan: Any) -> None:
        elsewhere = f", {plan.running} still running elsewhere" if plan.running else ""
        reaped = f" ({plan.reaped} phantom RUNNING runs marked KILLED)" if plan.reaped else ""
        reaped += f", {plan.resumed} resumed from their checkpoints" if plan.resumed else ""
        click.echo(
            f"suite run {plan.parent_run_id}: {plan.run_count} to run "
            f"({len(plan.commands)} processes), {plan.skipped} already FINISHED{elsewhere}{reaped}"
        )

    done = run_suite(SuiteMatrix(**matrix), jobs=jobs, progress=progress, on_plan=announce)
    for name in done.pool.failed:
        click.echo(f"FAILED {name}: see {done.logs / (name + '.log')}", err=True)
    click.echo(f"finished {done.finished}, failed {done.failed}, skipped {done.plan.skipped}")
    if done.failed or done.pool.failed:
        sys.exit(1)


@benchmark.command("commands")
@_matrix_options
@user_errors
def benchmark_commands(**matrix: Any) -> None:
    """Print one shell command per run (per cell for seeds together), e.g. for `parallel -j 8`."""
    from imitation_mlflow.suite.launch import SuiteMatrix, suite_commands

    for line in suite_commands(SuiteMatrix(**matrix)):
        click.echo(line)


@benchmark.command("slurm")
@_matrix_options
@click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default="run_all.sbatch",
    show_default=True,
    help="Where to write the sbatch script.",
)
@click.option(
    "--max-concurrent",
    type=int,
    default=32,
    show_default=True,
    help="Array tasks running at once (the %M of --array).",
)
@click.option(
    "--log-dir",
    type=click.Path(file_okay=False),
    default="slurm-logs",
    show_default=True,
    help="Per-task stdout/stderr files.",
)
@click.option(
    "--sbatch-option",
    "sbatch_options",
    multiple=True,
    help="Extra #SBATCH line, e.g. --sbatch-option=--partition=cpu.",
)
@user_errors
def benchmark_slurm(
    output: str, max_concurrent: int, log_dir: str, sbatch_options: tuple[str, ...], **matrix: Any
) -> None:
    """Write a SLURM job-array script, one array task per run or cell (submit with sbatch)."""
    from imitation_mlflow.suite.launch import SuiteMatrix, write_slurm_script

    script = write_slurm_script(
        SuiteMatrix(**matrix),
        output=Path(output),
        max_concurrent=max_concurrent,
        log_dir=Path(log_dir),
        sbatch_options=sbatch_options,
    )
    click.echo(
        f"wrote {script.path}: {script.tasks} array tasks ({script.skipped} already FINISHED); "
        f"submit with: sbatch {script.path}"
    )
