"""The ``imitation-mlflow`` command line; the only importer of click.

Each command parses its options, builds a config and calls one function.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from imitation_mlflow.config import (
    ImitationConfig,
    build_config,
    environment_configs,
    expand_named,
    named_configs,
    parse_literal,
    to_dict,
)
from imitation_mlflow.errors import UserError, unknown_choice

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(func: F) -> F:
    """Turn a ``UserError`` into one message on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """``("bc.batch_size=32", ...)`` -> ``{"bc.batch_size": 32}`` with sacred-style literals."""
    updates: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"expected KEY=VALUE, got {item!r} (e.g. --set bc.batch_size=32)")
        key, value = item.split("=", 1)
        updates[key.strip()] = parse_literal(value)
    return updates


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Benchmark imitation learning (BC, ...) on seals environments, tracked in MLflow.

    Runs go to the store named by MLFLOW_TRACKING_URI (default: ./mlflow.db); browse them
    with `mlflow ui`.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")


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
) -> None:
    """Train ALGO on ENV (an environment config such as seals_half_cheetah) as one MLflow run."""
    from imitation_mlflow.config import load_config_file
    from imitation_mlflow.experiment import TRAINERS, run_experiment

    if algo not in TRAINERS:
        raise unknown_choice("algorithm", algo, list(TRAINERS))
    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    extra = load_config_file(config_file) if config_file else {}
    named = [env]
    if tuned and f"{algo}_{env}" in {**named_configs(), **extra}:
        named.append(f"{algo}_{env}")
    named.extend(configs)
    updates = parse_assignments([*overrides.split(), *sets])
    if seed is not None:
        updates["seed"] = seed
    if expert_path is not None:
        updates["expert.path"] = expert_path
    config = build_config(ImitationConfig, named, updates, extra)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    outcome = run_experiment(algo, config, experiment=experiment, env_name=env, progress=progress)
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
    values = expand_named([name])
    click.echo(json.dumps(values, indent=2))
    click.echo(json.dumps(to_dict(build_config(ImitationConfig, [name])), indent=2))


@cli.group()
def expert() -> None:
    """Experts: train one locally with PPO."""


@expert.command("train")
@click.argument("env")
@click.option("--timesteps", type=int, default=None, help="Environment steps (default: per env).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--output",
    type=click.Path(file_okay=False),
    default="experts",
    show_default=True,
    help="Directory receiving ppo-<env-id>/ppo-<env-id>.zip (the hub's file layout).",
)
@user_errors
def expert_train(env: str, timesteps: int | None, seed: int, output: str) -> None:
    """Train a PPO expert for ENV (an environment config) with our per-env settings."""
    from imitation_mlflow.envs import make_venv
    from imitation_mlflow.evaluation import evaluate
    from imitation_mlflow.experts.training import recipe_for, save_expert, train_expert
    from imitation_mlflow.paths import repo_name

    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    gym_id = build_config(ImitationConfig, [env]).environment.gym_id
    recipe_for(gym_id)
    model = train_expert(gym_id, seed=seed, timesteps=timesteps)
    path = save_expert(model, Path(output), repo_name(gym_id))
    stats = evaluate(
        model, make_venv(gym_id, num_vec=8, seed=seed + 1), 50, deterministic=False, seed=seed + 1
    )
    click.echo(f"saved {path}; return over 50 episodes {stats['monitor_return_mean']:.1f}")


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    """Console-script entry point."""
    cli()
