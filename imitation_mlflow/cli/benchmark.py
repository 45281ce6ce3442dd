"""The suite: ``benchmark run|commands|slurm``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from imitation_mlflow.cli.base import F, cli, parse_assignments, user_errors


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


def _prepare_suite(
    algos: str,
    envs: str,
    seeds: int,
    seed_list: str | None,
    sets: tuple[str, ...],
    quick: bool,
    force: bool,
    name: str | None,
    experiment: str,
) -> tuple[str, dict[str, list[str]], int]:
    """Expand the matrix, open the parent, drop FINISHED runs -> (parent, commands, skipped)."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import child_statuses, open_suite_run

    parse_assignments(sets)  # fail early on a malformed KEY=VALUE
    if quick:
        algos, envs, seeds, seed_list = "all", ",".join(suite.QUICK_ENVS), suite.QUICK_SEEDS, None
    entries = suite.expand_matrix(algos, envs, seeds, seed_list)
    suite.check_sets(entries, sets)
    suite_name = name or suite.suite_name(entries, sets)
    params = {
        "algos": algos,
        "envs": envs,
        "seeds": ",".join(sorted({str(e.seed) for e in entries})),
        "sets": " ".join(sets),
        "runs": str(len(entries)),
    }
    parent = open_suite_run(experiment, suite_name, params)
    done = (
        set()
        if force
        else {
            run_name
            for run_name, status in child_statuses(experiment, parent).items()
            if status == "FINISHED"
        }
    )
    commands = {
        e.run_name: suite.train_command(e, experiment=experiment, suite_run_id=parent, sets=sets)
        for e in entries
        if e.run_name not in done
    }
    return parent, commands, len(entries) - len(commands)


@cli.group()
def benchmark() -> None:
    """Run the benchmark matrix (algos x envs x seeds) here, via GNU parallel, or on SLURM."""


@benchmark.command("run")
@_matrix_options
@click.option("--jobs", type=int, default=1, show_default=True, help="Runs at once.")
@click.option("--progress/--no-progress", default=True)
@user_errors
def benchmark_run(jobs: int, progress: bool, **matrix: Any) -> None:
    """Execute the suite on this machine, JOBS processes at a time, under one parent run."""
    from imitation_mlflow import suite
    from imitation_mlflow.paths import cache_dir
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    click.echo(f"suite run {parent}: {len(commands)} to run, {skipped} already FINISHED")
    log_dir = cache_dir() / "suite-logs" / parent
    try:
        result = suite.run_local(commands, jobs=jobs, log_dir=log_dir, progress=progress)
    except BaseException:
        close_suite_run(parent, finished=0, failed=0, killed=True)
        raise
    for name in result.failed:
        click.echo(f"FAILED {name}: see {result.logs / (name + '.log')}", err=True)
    close_suite_run(parent, finished=len(result.finished) + skipped, failed=len(result.failed))
    click.echo(f"finished {len(result.finished)}, failed {len(result.failed)}, skipped {skipped}")
    if result.failed:
        sys.exit(1)


@benchmark.command("commands")
@_matrix_options
@user_errors
def benchmark_commands(**matrix: Any) -> None:
    """Print one shell command per run, e.g. for `... | parallel -j 8`."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    close_suite_run(parent, finished=skipped, failed=0)
    for command in commands.values():
        click.echo(suite.shell_line(command))


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
    """Write a SLURM job-array script with one array task per run (submit with sbatch)."""
    from imitation_mlflow import suite
    from imitation_mlflow.tracking.suites import close_suite_run

    parent, commands, skipped = _prepare_suite(**matrix)
    close_suite_run(parent, finished=skipped, failed=0)
    logs = Path(log_dir).resolve()
    logs.mkdir(parents=True, exist_ok=True)
    script = suite.slurm_script(
        [suite.shell_line(c) for c in commands.values()],
        job_name="imitation-suite",
        concurrency=max_concurrent,
        log_dir=logs,
        workdir=Path.cwd(),
        tracking_uri=_absolute_tracking_uri(),
        extra_sbatch=sbatch_options,
    )
    Path(output).write_text(script)
    click.echo(
        f"wrote {output}: {len(commands)} array tasks ({skipped} already FINISHED); "
        f"submit with: sbatch {output}"
    )


def _absolute_tracking_uri() -> str:
    """The store the workers must log to: MLFLOW_TRACKING_URI, else ./mlflow.db made absolute."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    return f"sqlite:///{Path.cwd() / 'mlflow.db'}"
