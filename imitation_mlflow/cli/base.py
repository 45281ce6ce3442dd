"""Shared pieces of the ``imitation-mlflow`` command line: the group, error handling, parsing.

The ``cli`` package is the only importer of click; each command parses its options, builds
a config and calls one function.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from imitation_mlflow.config import load_config_file, parse_assignments, starting_configs
from imitation_mlflow.config.env_ids import environment_configs
from imitation_mlflow.config.registry import algorithm
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


def needs_tracking_store(func: F) -> F:
    """Check that the tracking store answers before the command does any work.

    A server that is down or refuses the credentials is one line and exit 2 (under
    :func:`user_errors`) instead of minutes of retries and a traceback.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from imitation_mlflow.tracking.connection import check_tracking_store  # MLflow: here

        check_tracking_store()
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Duration(click.ParamType):
    """A length of time as seconds: ``90``, ``90s``, ``10m``, ``2h`` or ``1d``."""

    name = "duration"
    UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        """Seconds (a finite number above 0) of ``value``; click's error otherwise."""
        if isinstance(value, float):
            return value
        text = str(value).strip().lower()
        scale = self.UNITS.get(text[-1:], None)
        number = text[:-1] if scale is not None else text
        try:
            seconds = float(number) * (scale or 1.0)
        except ValueError:
            seconds = float("nan")
        if not math.isfinite(seconds) or seconds <= 0:
            self.fail(f"{value!r} is not a duration; use e.g. 90s, 10m, 2h or 1d", param, ctx)
        return seconds


@dataclasses.dataclass(frozen=True)
class ConfigChoice:
    """What the config options of ``train`` and ``tune`` ask for."""

    named: list[str]
    """The named configs to apply, in order."""
    extra: dict[str, dict[str, Any]]
    """Named configs from the user's ``--config-file``."""
    updates: dict[str, Any]
    """Dotted ``--set`` values (and ``--expert-path``)."""


def config_options(func: F) -> F:
    """The config options of ``train`` and ``tune``: ``--set``, ``--config`` and the rest."""
    options = [
        click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="Set a config key."),
        click.option(
            "--config", "configs", multiple=True, metavar="NAME", help="Extra named config."
        ),
        click.option(
            "--config-file",
            type=click.Path(dir_okay=False),
            default=None,
            help="TOML file of extra named configs (same format as the shipped ones).",
        ),
        click.option(
            "--tuned/--no-tuned",
            default=True,
            show_default=True,
            help="Start from the tuned config <algo>_<env> when one exists.",
        ),
        click.option("--expert-path", default=None, help="SB3 PPO zip of the expert to imitate."),
        click.option(
            "--trust-expert-source",
            "trust_expert_source",
            is_flag=True,
            help="Load a hub expert from an owner outside the trusted ones (pickled code).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def config_choice(
    algo: str,
    env: str,
    *,
    sets: Sequence[str],
    configs: tuple[str, ...],
    config_file: str | None,
    tuned: bool,
    expert_path: str | None,
    trust_expert_source: bool = False,
) -> ConfigChoice:
    """Check ALGO and ENV and read what the config options ask for.

    The named configs are the env config, then the tuned ``<algo>_<env>`` (the user's file
    wins over the shipped one) unless ``tuned`` is off, then each ``--config``.
    """
    algorithm(algo)  # an unknown name lists the valid ones
    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    extra = load_config_file(config_file) if config_file else {}
    named = [*starting_configs(algo, env, tuned=tuned, extra=extra), *configs]
    updates = parse_assignments(sets)
    if expert_path is not None:
        updates["expert.path"] = expert_path
    if trust_expert_source:
        updates["expert.trust_source"] = True
    return ConfigChoice(named, extra, updates)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Benchmark imitation learning (BC, DAgger, GAIL, AIRL) on seals environments, in MLflow.

    Runs go to the store named by MLFLOW_TRACKING_URI (default: ./mlflow.db); browse them
    with `mlflow ui`.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("absl").setLevel(logging.WARNING)  # rliable's per-bootstrap chatter
