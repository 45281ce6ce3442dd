"""Commands that train: ``train``, ``configs``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from imitation_mlflow.cli.base import (
    cli,
    config_choice,
    config_options,
    needs_tracking_store,
    user_errors,
)
from imitation_mlflow.config import build_config, expand_named, named_configs, to_dict
from imitation_mlflow.config.registry import algorithm, config_classes
from imitation_mlflow.config.seeds import parse_seed_list
from imitation_mlflow.errors import UserError
from imitation_mlflow.run.signals import interrupt_on_stop_signals, stop_with_parent
from imitation_mlflow.tracking.contract import PARENT_TAG, SUITE_TAG


@cli.command()
@click.argument("algo")
@click.argument("env")
@click.option("--seed", type=int, default=None, help="Root seed of the run (default 0).")
@click.option(
    "--seeds",
    "seed_list",
    default=None,
    metavar="0-9|0,3,5",
    help="Several seeds in this process, each its own run (BC and DAgger train them together).",
)
@click.option(
    "--overrides",
    default="",
    metavar="'K=V K=V'",
    help="Space-separated KEY=VALUE overrides (for MLproject parameters).",
)
@config_options
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
    help="Continue a killed run from its newest checkpoint, in the same MLflow run.",
)
@user_errors
@needs_tracking_store
def train(
    algo: str,
    env: str,
    seed: int | None,
    seed_list: str | None,
    overrides: str,
    experiment: str,
    progress: bool,
    suite_run_id: str | None,
    resume_run_id: str | None,
    sets: tuple[str, ...],
    **config: Any,
) -> None:
    """Train ALGO on ENV (an environment config such as seals_half_cheetah) as one MLflow run.

    With --seeds, each seed is its own MLflow run; BC and DAgger train the seeds together
    as one batched computation, GAIL and AIRL one after another.
    """
    from imitation_mlflow.run.pipeline import run_experiments
    from imitation_mlflow.run.request import RunRequest, resume_request

    assignments = [*overrides.split(), *sets]
    if seed is not None and seed_list is not None:
        raise UserError("give --seed or --seeds, not both")
    if seed_list is not None and resume_run_id:
        raise UserError("--resume continues one run: drop --seeds")
    seeds = parse_seed_list(seed_list, "--seeds") if seed_list is not None else [None]
    if seed is not None:
        assignments.append(f"seed={seed}")
    choice = config_choice(algo, env, sets=assignments, **config)
    interrupt_on_stop_signals()
    stop_with_parent()
    if resume_run_id:
        if config["configs"] or config["config_file"]:
            raise UserError("--resume continues with the run's own config; drop --config(-file)")
        if config["expert_path"] is not None:
            assignments.append(f"expert.path={config['expert_path']}")
        if config["trust_expert_source"]:
            assignments.append("expert.trust_source=true")
        requests = [
            resume_request(
                resume_run_id, algo, assignments, env=env, experiment=experiment, progress=progress
            )
        ]
    else:
        tags = {SUITE_TAG: suite_run_id, PARENT_TAG: suite_run_id} if suite_run_id else {}
        spec = algorithm(algo)
        requests = [
            RunRequest(
                algo=algo,
                config=build_config(
                    spec.config_class,
                    choice.named,
                    {**choice.updates, **({"seed": one} if one is not None else {})},
                    choice.extra,
                ),
                experiment=experiment,
                env_name=env,
                tags=tags,
                progress=progress,
            )
            for one in seeds
        ]
    outcomes = run_experiments(requests)
    for outcome in outcomes:
        click.echo(f"status: {outcome.status}  run_id: {outcome.run_id}")
        if outcome.status != "COMPLETED":
            click.echo(outcome.fail_trace or "", err=True)
    if len(outcomes) == 1:
        click.echo(json.dumps(outcomes[0].metrics, indent=2))
    else:
        by_seed = {str(o.config.seed): o.metrics for o in outcomes if o.status == "COMPLETED"}
        click.echo(json.dumps(by_seed, indent=2))
    if any(outcome.status != "COMPLETED" for outcome in outcomes):
        sys.exit(1)


@cli.command("configs")
@click.argument("name", required=False)
@user_errors
def configs_command(name: str | None) -> None:
    """List the named configs, or show the values NAME sets (and the resolved config)."""
    if name is None:
        for config_name in named_configs():
            click.echo(config_name)
        return
    values = expand_named([name])
    click.echo(json.dumps(values, indent=2))
    for script, config_cls in config_classes().items():
        try:
            resolved = build_config(config_cls, [name])
        except UserError:
            continue  # a config for the other script
        click.echo(f"# resolved for {script}")
        click.echo(json.dumps(to_dict(resolved), indent=2))
