"""A sacred-like front end: ``<command> with <named_config ...> [dotted.key=value ...]``.

It keeps the published benchmark's spellings (and ``ex.run(...)``) while the run itself is
an MLflow run made by :mod:`imitation_mlflow.run`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imitation_mlflow.config import build_config, parse_literal, to_dict
from imitation_mlflow.config.registry import Script, algorithms_of, config_classes
from imitation_mlflow.errors import UserError, unknown_choice
from imitation_mlflow.run.request import DEFAULT_EXPERIMENT
from imitation_mlflow.run.signals import interrupt_on_stop_signals, stop_with_parent

if TYPE_CHECKING:
    from imitation_mlflow.run.pipeline import RunOutcome

USAGE = (
    "usage: python -m imitation_mlflow.scripts.{script} [--experiment NAME] "
    "COMMAND [with NAMED_CONFIG ... KEY=VALUE ...]\n"
    "commands: {commands}, print_config"
)


@dataclasses.dataclass(frozen=True)
class CommandLine:
    """``[--experiment NAME] COMMAND [with NAMED_CONFIG ... KEY=VALUE ...]``, parsed."""

    experiment: str | None
    command: str
    named: list[str]
    updates: dict[str, Any]


class Experiment:
    """One published training script (``train_imitation`` or ``train_adversarial``)."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.commands = tuple(algorithms_of(script))
        self.config_cls = config_classes()[script]

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
        from imitation_mlflow.run.pipeline import run_experiment  # torch: only to run
        from imitation_mlflow.run.request import RunRequest

        request = RunRequest(
            algo=command_name,
            config=self.resolve(named_configs, config_updates),
            experiment=experiment or default_experiment(),
            progress=progress,
        )
        return run_experiment(request)

    def main(self, argv: Sequence[str] | None = None) -> int:
        """Command-line entry point; returns the process exit code (2 for user errors)."""
        args = list(sys.argv[1:] if argv is None else argv)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
        interrupt_on_stop_signals()
        stop_with_parent()
        try:
            line = self._parse(args)
            if line.command == "print_config":
                print(json.dumps(to_dict(self.resolve(line.named, line.updates)), indent=2))
                return 0
            outcome = self.run(
                line.command, line.named, line.updates, experiment=line.experiment, progress=True
            )
        except UserError as exc:
            print(f"Error: {exc}", file=sys.stderr)
            return 2
        print(f"status: {outcome.status}  run_id: {outcome.run_id}")
        if outcome.status != "COMPLETED":
            print(outcome.fail_trace or "", file=sys.stderr)
            return 1
        print(json.dumps(outcome.result, indent=2))
        return 0

    def _parse(self, args: list[str]) -> CommandLine:
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
        return CommandLine(experiment, command, named, updates)


def default_experiment() -> str:
    """``$MLFLOW_EXPERIMENT_NAME`` when set, else the platform's default experiment."""
    return os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
