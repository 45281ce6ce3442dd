"""Commands that train: ``train``, ``configs``."""

from __future__ import annotations

import json
import signal
import sys
import tempfile
from pathlib import Path

import click

from imitation_mlflow.cli.base import (
    cli,
    parse_assignments,
    raise_interrupt,
    run_named_configs,
    user_errors,
)
from imitation_mlflow.config import (
    build_config,
    expand_named,
    named_configs,
    to_dict,
)
from imitation_mlflow.errors import UserError


@cli.command()
@click.argument("algo")
@click.argument("env")
@click.option("--seed", type=int, default=None, help="Root seed of the run (default 0).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a config key.")
@click.option(
    "--overrides",
    default="",
    metavar="'K=V K=V'",
    help="Space-separated KEY=VALUE overrides (for MLproject parameters).",
)
@click.option("--config", "configs", multiple=True, metavar="NAME", help="Extra named config.")
@click.option(
    "--config-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of extra named configs (same format as the shipped ones).",
)
@click.option("--expert-path", default=None, help="SB3 PPO zip of the expert to imitate.")
@click.option(
    "--tuned/--no-tuned",
    default=True,
    show_default=True,
    help="Apply the tuned config <algo>_<env> when one exists.",
)
@click.option(
    "--experiment",
    envvar="MLFLOW_EXPERIMENT_NAME",
    default="imitation",
    show_default=True,
    help="MLflow experiment name.",
)
@click.option("--progress/--no-progress", default=True, help="Show progress bars.")
@click.option("--suite", "suite_run_id", default=None, hidden=True, help="Parent suite run id.")
@click.option(
    "--resume",
    "resume_run_id",
    default=None,
    metavar="RUN_ID",
    help="Continue a killed GAIL/AIRL run from its last checkpoint, in the same MLflow run.",
)
@user_errors
def train(
    algo: str,
    env: str,
    seed: int | None,
    sets: tuple[str, ...],
    overrides: str,
    configs: tuple[str, ...],
    config_file: str | None,
    expert_path: str | None,
    tuned: bool,
    experiment: str,
    progress: bool,
    suite_run_id: str | None,
    resume_run_id: str | None,
) -> None:
    """Train ALGO on ENV (an environment config such as seals_half_cheetah) as one MLflow run."""
    from imitation_mlflow.experiment import run_experiment
    from imitation_mlflow.trainers import config_class

    named, extra = run_named_configs(
        algo, env, tuned=tuned, configs=configs, config_file=config_file
    )
    updates = parse_assignments([*overrides.split(), *sets])
    if seed is not None:
        updates["seed"] = seed
    if expert_path is not None:
        updates["expert.path"] = expert_path
    tags = {"suite": suite_run_id, "mlflow.parentRunId": suite_run_id} if suite_run_id else None
    signal.signal(signal.SIGTERM, raise_interrupt)
    with tempfile.TemporaryDirectory() as tmp:
        resume = None
        if resume_run_id:
            from imitation_mlflow.config import flatten_dict
            from imitation_mlflow.tracking.checkpoints import latest_checkpoint

            resume = latest_checkpoint(resume_run_id, Path(tmp))
            if resume.tags.get("algo") != algo:
                raise UserError(
                    f"run {resume_run_id} is a {resume.tags.get('algo')} run, not {algo}"
                )
            # The run's own config, then only the explicit --set/--overrides (params logged at
            # the start cannot change in MLflow, so the changes are recorded as a tag).
            changed = " ".join([*overrides.split(), *sets])
            tags = {**(tags or {}), "resume_overrides": changed} if changed else tags
            named, updates = [], {**flatten_dict(resume.config), **updates}
        config = build_config(config_class(algo), named, updates, extra)
        outcome = run_experiment(
            algo,
            config,
            experiment=experiment,
            env_name=env,
            progress=progress,
            extra_tags=tags,
            resume=resume,
        )
    click.echo(f"status: {outcome.status}  run_id: {outcome.run_id}")
    if outcome.status != "COMPLETED":
        click.echo(outcome.fail_trace or "", err=True)
        sys.exit(1)
    click.echo(json.dumps(outcome.metrics, indent=2))


@cli.command("configs")
@click.argument("name", required=False)
@user_errors
def configs_command(name: str | None) -> None:
    """List the named configs, or show the values NAME sets (and the resolved config)."""
    if name is None:
        for config_name in named_configs():
            click.echo(config_name)
        return
    from imitation_mlflow.trainers import CONFIG_CLASS

    values = expand_named([name])
    click.echo(json.dumps(values, indent=2))
    for script, config_cls in CONFIG_CLASS.items():
        try:
            resolved = build_config(config_cls, [name])
        except UserError:
            continue  # a config for the other script
        click.echo(f"# resolved for {script}")
        click.echo(json.dumps(to_dict(resolved), indent=2))
