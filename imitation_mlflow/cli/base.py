"""Shared pieces of the ``imitation-mlflow`` command line: the group, error handling, parsing.

The ``cli`` package is the only importer of click; each command parses its options, builds
a config and calls one function.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from imitation_mlflow.config import (
    environment_configs,
    load_config_file,
    named_configs,
    parse_literal,
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


def run_named_configs(
    algo: str, env: str, *, tuned: bool, configs: tuple[str, ...], config_file: str | None
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Check ALGO and ENV; the named configs a run starts from, and the user's config file.

    The env config, then the tuned ``<algo>_<env>`` (the user's file wins over the shipped
    one) unless ``tuned`` is off, then each ``--config``.
    """
    from imitation_mlflow.trainers import TRAINERS

    if algo not in TRAINERS:
        raise unknown_choice("algorithm", algo, list(TRAINERS))
    if env not in environment_configs():
        raise unknown_choice("environment config", env, environment_configs())
    extra = load_config_file(config_file) if config_file else {}
    named = [env]
    if tuned and f"{algo}_{env}" in {**named_configs(), **extra}:
        named.append(f"{algo}_{env}")
    named.extend(configs)
    return named, extra


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Benchmark imitation learning (BC, ...) on seals environments, tracked in MLflow.

    Runs go to the store named by MLFLOW_TRACKING_URI (default: ./mlflow.db); browse them
    with `mlflow ui`.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("absl").setLevel(logging.WARNING)  # rliable's per-bootstrap chatter


def raise_interrupt(signum: int, frame: object) -> None:
    """SIGTERM handler: stop like Ctrl-C, so the run ends KILLED and nothing is lost."""
    raise KeyboardInterrupt(f"signal {signum}")
