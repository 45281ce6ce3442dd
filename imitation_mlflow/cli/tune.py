"""Hyperparameter tuning: ``tune ALGO ENV`` (optuna, shared storage, two phases)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from imitation_mlflow.cli.base import (
    cli,
    parse_assignments,
    raise_interrupt,
    run_named_configs,
    user_errors,
)
from imitation_mlflow.errors import UserError

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
    "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Fix a config value in every trial."
)
@click.option(
    "--space",
    "space_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML search space file (default: the published spaces).",
)
@click.option("--config", "configs", multiple=True, metavar="NAME", help="Extra named config.")
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of extra named configs.",
)
@click.option(
    "--tuned/--no-tuned",
    default=True,
    show_default=True,
    help="Start from the tuned config <algo>_<env> when one exists.",
)
@click.option("--expert-path", default=None, help="SB3 PPO zip of the expert to imitate.")
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
def tune(
    algo: str,
    env: str,
    trials: int,
    storage: str,
    study_name: str | None,
    sampler: str,
    pruner: str,
    repeat: int,
    eval_seeds: int,
    jobs: int,
    sets: tuple[str, ...],
    space_file: str | None,
    configs: tuple[str, ...],
    config_file: str | None,
    tuned: bool,
    expert_path: str | None,
    experiment: str,
    seed: int | None,
    output_dir: str,
    as_json: bool,
    progress: bool,
    phase1_only: bool,
) -> None:
    """Tune ALGO on ENV with optuna; every trial and re-evaluation is tracked in MLflow.

    Start the same command on any number of machines with one --storage and --study-name
    to share the study; --trials is the study's total. The best configuration is then
    re-evaluated once on --eval-seeds fresh seeds and written as <algo>_<env>.toml, which
    `imitation-mlflow train ALGO ENV --config-file <algo>_<env>.toml` runs.
    """
    from imitation_mlflow.experiment import validate
    from imitation_mlflow.trainers import config_class
    from imitation_mlflow.tuning.job import TuningJob
    from imitation_mlflow.tuning.spaces import load_space

    named, extra = run_named_configs(
        algo, env, tuned=tuned, configs=configs, config_file=config_file
    )
    for name, value in (("--trials", trials), ("--repeat", repeat), ("--eval-seeds", eval_seeds)):
        if value < 1:
            raise UserError(f"{name} must be at least 1 (got {value})")
    fixed = parse_assignments(sets)
    if expert_path is not None:
        fixed["expert.path"] = expert_path
    space = load_space(algo, config_class(algo), space_file).without(set(fixed))
    job = TuningJob(
        algo=algo,
        env=env,
        study_name=study_name or f"{algo}-{env}",
        storage_url=storage,
        n_trials=trials,
        repeat=repeat,
        eval_seeds=eval_seeds,
        sampler=sampler,
        pruner=pruner,
        space=space,
        named=tuple(named),
        sets=fixed,
        extra_named=extra,
        experiment=experiment,
        sampler_seed=seed,
        output_dir=Path(output_dir),
    )
    validate(algo, job.run_config(space.config_values({}), seed=0))  # bad keys, no expert: exit 2
    # Dozens of runs each log a model: MLflow's per-download progress bars would drown the log.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    signal.signal(signal.SIGTERM, raise_interrupt)
    _run(job, jobs=jobs, phase1_only=phase1_only, progress=progress, as_json=as_json)


def _run(job: TuningJob, *, jobs: int, phase1_only: bool, progress: bool, as_json: bool) -> None:
    from imitation_mlflow.tuning.report import print_report
    from imitation_mlflow.tuning.study import mark_interrupted, open_study, run_phase1, run_phase2

    study = open_study(job)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        workers = [_spawn_worker(i) for i in range(1, jobs)]
        run_phase1(study, progress=progress and jobs == 1)
        failed = [w.args for w in workers if w.wait() != 0]
        if failed:
            click.echo(f"{len(failed)} worker process(es) failed; see their output", err=True)
        if phase1_only:
            return
        result = run_phase2(study)
    except KeyboardInterrupt:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait()
        mark_interrupted(study)
        click.echo(
            f"interrupted: completed trials are kept in {job.storage_url}; run the same "
            "command again to resume the study",
            err=True,
        )
        sys.exit(130)
    print_report(study, result, as_json=as_json, echo=click.echo)


def _spawn_worker(index: int) -> subprocess.Popen[bytes]:
    """Start this same command as a trials-only worker (its own process, same storage)."""
    args = _worker_args(click.get_current_context(), index)
    return subprocess.Popen([sys.executable, "-m", "imitation_mlflow", *args])


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
