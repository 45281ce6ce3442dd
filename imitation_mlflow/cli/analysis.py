"""Commands that read runs: ``summarize csv|markdown``, ``compare``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from imitation_mlflow.cli.base import F, cli, user_errors
from imitation_mlflow.errors import UserError


def _source_options(func: F) -> F:
    """Options shared by commands that read runs from a folder, a zip or MLflow."""
    func = click.option(
        "--suite", default=None, metavar="RUN_ID", help="Only runs of this suite (MLflow source)."
    )(func)
    func = click.option(
        "--tracking-uri",
        default=None,
        help="MLflow store to read (default: MLFLOW_TRACKING_URI, else ./mlflow.db).",
    )(func)
    return func


def _use_tracking_uri(uri: str | None) -> None:
    if uri:
        os.environ["MLFLOW_TRACKING_URI"] = uri


def _summary_source(source: str | None, experiment: str | None) -> str:
    """SOURCE, or the experiment named by --experiment; exactly one of them."""
    if (source is None) == (experiment is None):
        raise UserError("give either SOURCE (a folder, a .zip or an experiment) or --experiment")
    return str(source or experiment)


def _experiment_option(func: F) -> F:
    return click.option(
        "--experiment", default=None, help="Read this MLflow experiment (instead of SOURCE)."
    )(func)


@cli.group()
def summarize() -> None:
    """Summarize runs from a folder / zip of sacred runs or an MLflow experiment name."""


@summarize.command("csv")
@click.argument("source", required=False)
@_experiment_option
@click.option("--all-statuses", is_flag=True, help="Keep every run and add a status column.")
@_source_options
@user_errors
def summarize_csv(
    source: str | None,
    experiment: str | None,
    all_statuses: bool,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Print `algo, env, score, expert_score` for each completed run of SOURCE (CSV)."""
    from imitation_mlflow.analysis import load_runs, summary_csv

    _use_tracking_uri(tracking_uri)
    frame = load_runs(_summary_source(source, experiment), suite=suite, measure_random=False)
    click.echo(summary_csv(frame, all_statuses=all_statuses), nl=False)


@summarize.command("markdown")
@click.argument("source", required=False)
@_experiment_option
@click.option("--output", type=click.Path(dir_okay=False), required=True, help="Markdown file.")
@click.option("--reps", type=int, default=1000, show_default=True, help="Bootstrap repetitions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--plots/--no-plots", default=True, show_default=True)
@_source_options
@user_errors
def summarize_markdown(
    source: str | None,
    experiment: str | None,
    output: str,
    reps: int,
    seed: int,
    plots: bool,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Write per-algorithm tables and aggregate Mean/IQM with 95% CIs of SOURCE to --output."""
    from imitation_mlflow.analysis.commands import summarize_to_markdown

    _use_tracking_uri(tracking_uri)
    summary = summarize_to_markdown(
        _summary_source(source, experiment),
        Path(output),
        suite=suite,
        reps=reps,
        seed=seed,
        plots=plots,
    )
    plotted = f" and {len(summary.plots)} plots" if summary.plots else ""
    click.echo(f"wrote {summary.markdown}{plotted}")
    if summary.run_id is not None:
        click.echo(f"logged to MLflow run {summary.run_id}")


@cli.command()
@click.argument("runs")
@click.argument("baseline_runs")
@click.option("--baseline-algo", required=True, help="Algorithm of BASELINE_RUNS to beat.")
@click.option("--algo", default=None, help="Algorithm of RUNS (needed when RUNS hold several).")
@click.option("--envs", default=None, help="Comma-separated env ids (default: all in common).")
@click.option("--reps", type=int, default=1000, show_default=True, help="Bootstrap repetitions.")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap seed.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--plot", type=click.Path(dir_okay=False), default=None, help="Save a PNG here.")
@_source_options
@user_errors
def compare(
    runs: str,
    baseline_runs: str,
    baseline_algo: str,
    algo: str | None,
    envs: str | None,
    reps: int,
    seed: int,
    as_json: bool,
    plot: str | None,
    suite: str | None,
    tracking_uri: str | None,
) -> None:
    """Probability that a run of RUNS' algorithm beats one of the baseline, with 95% CIs."""
    from imitation_mlflow.analysis.commands import compare_sources

    _use_tracking_uri(tracking_uri)
    result = compare_sources(
        runs,
        baseline_runs,
        baseline_algo=baseline_algo,
        algo=algo,
        envs=envs.split(",") if envs else None,
        suite=suite,
        reps=reps,
        seed=seed,
        plot=Path(plot) if plot else None,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    click.echo(
        f"P({result.algo} > {result.baseline_algo}) on normalized scores, 95% CI ({reps} reps):"
    )
    for name, (point, low, high) in result.estimates.items():
        n_x, n_y = result.runs[name]
        click.echo(f"  {name:28s} {point:.3f} [{low:.3f}, {high:.3f}]  runs {n_x} vs {n_y}")
