"""A sacred-like front end: ``<command> with <named_config ...> [dotted.key=value ...]``.

It keeps the published benchmark's spellings (and ``ex.run(...)``) while the run itself is
an MLflow run made by :mod:`imitation_mlflow.experiment`.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

from imitation_mlflow.config import build_config, to_dict
from imitation_mlflow.config.resolve import parse_literal
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.experiment import DEFAULT_EXPERIMENT, RunOutcome, run_experiment

USAGE = (
    "usage: python -m imitation_mlflow.scripts.{script} [--experiment NAME] "
    "COMMAND [with NAMED_CONFIG ... KEY=VALUE ...]\n"
    "commands: {commands}, print_config"
)


class Experiment:
    """One published training script (``train_imitation`` or ``train_adversarial``)."""

    def __init__(self, script: str, commands: Sequence[str], config_cls: type) -> None:
        self.script = script
        self.commands = tuple(commands)
        self.config_cls = config_cls

    def resolve(
        self, named_configs: Sequence[str] = (), config_updates: dict[str, Any] | None = None
    ) -> Any:
        """Resolve the config that ``run`` would use, without running anything."""
        return build_config(self.config_cls, list(named_configs), config_updates)

    def run(
        self,
        command_name: str,
        named_configs: Sequence[str] = (),
        config_updates: dict[str, Any] | None = None,
        *,
        experiment: str | None = None,
        progress: bool = False,
    ) -> RunOutcome:
        """Run ``command_name`` like sacred's ``ex.run``: returns ``.status`` and ``.result``."""
        if command_name not in self.commands:
            raise unknown_choice(f"command of {self.script}", command_name, self.commands)
        config = self.resolve(named_configs, config_updates)
        return run_experiment(
            command_name,
            config,
            experiment=experiment or default_experiment(),
            progress=progress,
        )

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Command-line entry point; returns the process exit code (2 for user errors)."""
        args = list(sys.argv[1:] if argv is None else argv)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            experiment, command, named, updates = self._parse(args)
            if command == "print_config":
                print(json.dumps(to_dict(self.resolve(named, updates)), indent=2))
                return 0
            outcome = self.run(command, named, updates, experiment=experiment, progress=True)
        except UserError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
        print(f"status: {outcome.status}  run_id: {outcome.run_id}")
        if outcome.status != "COMPLETED":
            print(outcome.fail_trace or "", file=sys.stderr)
            return 1
        print(json.dumps(outcome.result, indent=2))
        return 0

    def _parse(self, args: list[str]) -> tuple[str | None, str, list[str], dict[str, Any]]:
        usage = USAGE.format(script=self.script, commands=", ".join(self.commands))
        experiment = None
        if args[:1] == ["--experiment"]:
            if len(args) < 2:
                raise UserError(f"--experiment needs a name\n{usage}")
            experiment, args = args[1], args[2:]
        if not args:
            raise UserError(f"no command given\n{usage}")
        command, rest = args[0], args[1:]
        if command not in (*self.commands, "print_config"):
            raise unknown_choice(f"command of {self.script}", command, self.commands)
        if rest and rest[0] == "with":
            rest = rest[1:]
        elif rest:
            raise UserError(f"expected 'with' after the command, got {rest[0]!r}\n{usage}")
        named = [item for item in rest if "=" not in item]
        updates = {
            key: parse_literal(value)
            for key, value in (item.split("=", 1) for item in rest if "=" in item)
        }
        return experiment, command, named, updates


def default_experiment() -> str:
    """``$MLFLOW_EXPERIMENT_NAME`` when set, else the platform's default experiment."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")
