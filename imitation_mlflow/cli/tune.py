"""Hyperparameter tuning: ``tune ALGO ENV`` (optuna, shared storage, two phases)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from imitation_mlflow.cli.base import (
    cli,
    config_choice,
    config_options,
    needs_tracking_store,
    user_errors,
)
from imitation_mlflow.config.registry import algorithm
from imitation_mlflow.errors import UserError
from imitation_mlflow.run.signals import interrupt_on_stop_signals, stop_with_parent

if TYPE_CHECKING:
    from imitation_mlflow.tuning.job import TuningJob


@cli.command()
@click.argument("algo")
@click.argument("env")
@click.option(
    "--trials", type=int, default=20, show_default=True, help="The study's total, all workers."
)
@click.option(
    "--storage",
    default="sqlite:///optuna.db",
    show_default=True,
    help="Shared optuna storage: a database URL (postgresql://...) or journal:PATH.",
)
@click.option("--study-name", default=None, help="Study name (default ALGO-ENV).")
@click.option("--sampler", type=click.Choice(["tpe", "random"]), default="tpe", show_default=True)
@click.option(
    "--pruner", type=click.Choice(["median", "none"]), default="median", show_default=True
)
@click.option(
    "--repeat", type=int, default=3, show_default=True, help="Seeds per trial (mean return)."
)
@click.option(
    "--eval-seeds",
    type=int,
    default=5,
    show_default=True,
    help="Fresh seeds for re-evaluating the best config (phase 2).",
)
@click.option(
    "--jobs", type=int, default=1, show_default=True, help="Worker processes on this machine."
)
@click.option(
    "--space",
    "space_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML search space file (default: the published spaces).",
)
@config_options
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="tuning",
    show_default=True,
    help="MLflow experiment of the study's runs.",
)
@click.option("--seed", type=int, default=None, help="Sampler seed (worker i uses SEED+i).")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Where the best config is written as <algo>_<env>.toml.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
@click.option("--phase1-only", is_flag=True, hidden=True, help="Worker: trials only.")
@user_errors
@needs_tracking_store
def tune(
    algo: str,
    env: str,
    jobs: int,
    as_json: bool,
    progress: bool,
    phase1_only: bool,
    **options: Any,
) -> None:
    """Tune ALGO on ENV with optuna; every trial and re-evaluation is tracked in MLflow.

    Start the same command on any number of machines with one --storage and --study-name
    to share the study; --trials is the study's total. The best configuration is then
    re-evaluated once on --eval-seeds fresh seeds and written as <algo>_<env>.toml, which
    `imitation-mlflow train ALGO ENV --config-file <algo>_<env>.toml` runs. --set fixes a
    value in every trial.
    """
    from imitation_mlflow.tuning.launch import check_job, run_tuning
    from imitation_mlflow.tuning.report import print_report

    if jobs < 1:
        raise UserError(f"--jobs must be at least 1 (got {jobs})")
    job = _tuning_job(algo, env, **options)
    check_job(job)  # bad values, no expert: exit 2 before any trial
    interrupt_on_stop_signals()
    stop_with_parent()
    context = click.get_current_context()
    workers = [
        [sys.executable, "-m", "imitation_mlflow", *_worker_args(context, i)]
        for i in range(1, jobs)
    ]
    try:
        outcome = run_tuning(job, workers=workers, phase1_only=phase1_only, progress=progress)
    except KeyboardInterrupt:
        click.echo(
            f"interrupted: completed trials are kept in {job.storage_url}; run the same "
            "command again to resume the study",
            err=True,
        )
        sys.exit(130)
    if not phase1_only:
        print_report(outcome.study, outcome.result, as_json=as_json, echo=click.echo)


def _tuning_job(
    algo: str,
    env: str,
    *,
    space_file: str | None,
    study_name: str | None,
    output_dir: str,
    seed: int | None,
    storage: str,
    trials: int,
    repeat: int,
    eval_seeds: int,
    sampler: str,
    pruner: str,
    experiment: str,
    **config: Any,
) -> TuningJob:
    """The job the options describe; ``config`` holds the shared config options."""
    from imitation_mlflow.tuning.job import TuningJob
    from imitation_mlflow.tuning.spaces import load_space

    choice = config_choice(algo, env, **config)
    space = load_space(algo, algorithm(algo).config_class, space_file)
    return TuningJob(
        algo=algo,
        env=env,
        study_name=study_name or f"{algo}-{env}",
        storage_url=storage,
        n_trials=trials,
        repeat=repeat,
        eval_seeds=eval_seeds,
        sampler=sampler,
        pruner=pruner,
        space=space.without(set(choice.updates)),
        named=tuple(choice.named),
        sets=choice.updates,
        extra_named=choice.extra,
        experiment=experiment,
        sampler_seed=seed,
        output_dir=Path(output_dir),
    )


def _worker_args(ctx: click.Context, index: int) -> list[str]:
    """The command line of worker ``index``: this command's values, sampler seed SEED+index."""
    assert ctx.command.name is not None
    args = [ctx.command.name]
    for param in ctx.command.params:
        value = ctx.params[param.name or ""]
        if isinstance(param, click.Argument):
            args.append(str(value))
            continue
        if param.name in ("jobs", "phase1_only", "progress", "as_json") or value is None:
            continue
        assert isinstance(param, click.Option)
        if param.name == "seed":
            value += index
        if param.is_flag:
            if value:
                args.append(param.opts[0])
            elif param.secondary_opts:
                args.append(param.secondary_opts[0])
        elif param.multiple:
            for item in value:
                args += [param.opts[0], str(item)]
        else:
            args += [param.opts[0], str(value)]
    return [*args, "--phase1-only", "--no-progress"]
