"""Search spaces as data: which config keys a tuning job samples, and how."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import optuna

from imitation_mlflow.config import valid_keys
from imitation_mlflow.errors import UserError, unknown_choice

KINDS = ("choices", "log_uniform", "uniform", "int", "options")


@dataclasses.dataclass(frozen=True)
class Param:
    """One optuna parameter: a dotted config key (or a label for grouped values) and its range."""

    name: str
    kind: str
    spec: Any

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Sample this parameter for ``trial``; the dotted config values it sets."""
        if self.kind == "choices":
            return {self.name: trial.suggest_categorical(self.name, self.spec)}
        if self.kind == "log_uniform":
            return {self.name: trial.suggest_float(self.name, *self.spec, log=True)}
        if self.kind == "uniform":
            return {self.name: trial.suggest_float(self.name, *self.spec)}
        if self.kind == "int":
            return {self.name: trial.suggest_int(self.name, *self.spec)}
        label = trial.suggest_categorical(self.name, list(self.spec))
        return dict(self.spec[label])

    def config_values(self, value: Any) -> dict[str, Any]:
        """The dotted config values of a sampled ``value`` (a label for ``options``)."""
        return dict(self.spec[value]) if self.kind == "options" else {self.name: value}

    def keys(self) -> set[str]:
        """Dotted config keys this parameter sets."""
        if self.kind == "options":
            return {key for group in self.spec.values() for key in group}
        return {self.name}


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """The parameters a tuning job samples plus the values every trial shares."""

    params: tuple[Param, ...]
    fixed: dict[str, Any]

    def suggest(self, trial: optuna.Trial) -> dict[str, Any]:
        """Sample every parameter for ``trial``: the fixed values, then the sampled ones."""
        values = dict(self.fixed)
        for param in self.params:
            values.update(param.suggest(trial))
        return values

    def config_values(self, params: dict[str, Any]) -> dict[str, Any]:
        """Dotted config values of a finished trial's ``params`` (as optuna stored them)."""
        values = dict(self.fixed)
        for param in self.params:
            if param.name in params:
                values.update(param.config_values(params[param.name]))
        return values

    def without(self, keys: set[str]) -> SearchSpace:
        """The space with ``keys`` no longer sampled (the user fixed them with ``--set``)."""
        params = tuple(p for p in self.params if not p.keys() & keys)
        fixed = {k: v for k, v in self.fixed.items() if k not in keys}
        return SearchSpace(params, fixed)

    def describe(self) -> dict[str, Any]:
        """Plain data for logging: each parameter's kind and range, and the fixed values."""
        return {
            "params": {p.name: {p.kind: p.spec} for p in self.params},
            "fixed": self.fixed,
        }


def default_spaces_text() -> str:
    """The published search spaces shipped with the package (TOML)."""
    return resources.files("imitation_mlflow.tuning").joinpath("search_spaces.toml").read_text()


def load_space(algo: str, config_cls: type, path: str | Path | None = None) -> SearchSpace:
    """The search space for ``algo``: from the user's TOML file if given, else the published one.

    Every key is checked against ``config_cls`` so a typo fails before any trial runs.
    """
    source = str(path) if path else "the shipped search spaces"
    if path:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise UserError(f"cannot read search space file {str(path)!r}: {exc}") from None
    else:
        text = default_spaces_text()
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"search space file {source!r} is not valid TOML: {exc}") from None
    if algo not in table:
        raise UserError(
            f"{source} has no search space for {algo!r} (it has: {', '.join(table) or 'none'}); "
            f"add a [{algo}] table"
        )
    return _parse_space(algo, table[algo], set(valid_keys(config_cls)), source)


def _parse_space(algo: str, table: dict[str, Any], keys: set[str], source: str) -> SearchSpace:
    fixed = dict(table.get("fixed", {}))
    params = []
    for name, entry in table.items():
        if name == "fixed":
            continue
        kinds = [kind for kind in KINDS if kind in entry] if isinstance(entry, dict) else []
        if len(kinds) != 1 or len(entry) != 1:
            raise UserError(
                f"{source}: [{algo}] {name!r} needs exactly one of {', '.join(KINDS)} "
                f"(e.g. {{ log_uniform = [1e-5, 1e-2] }})"
            )
        param = Param(name, kinds[0], _check_spec(name, kinds[0], entry[kinds[0]], source))
        params.append(param)
    for key in set(fixed).union(*(p.keys() for p in params)):
        if key not in keys:
            raise unknown_choice(f"config key in {source} [{algo}]", key, sorted(keys))
    return SearchSpace(tuple(params), fixed)


def _check_spec(name: str, kind: str, spec: Any, source: str) -> Any:
    if kind == "choices":
        if not isinstance(spec, list) or not spec:
            raise UserError(f"{source}: {name!r} choices must be a non-empty list")
        return spec
    if kind == "options":
        if (
            not isinstance(spec, dict)
            or not spec
            or not all(isinstance(v, dict) for v in spec.values())
        ):
            raise UserError(f"{source}: {name!r} options must map labels to tables of values")
        return spec
    if not (isinstance(spec, list) and len(spec) == 2 and spec[0] < spec[1]):
        raise UserError(f"{source}: {name!r} {kind} must be [low, high] with low < high")
    if kind == "log_uniform" and not spec[0] > 0:
        raise UserError(f"{source}: {name!r} log_uniform needs low > 0")
    if kind == "int" and not all(isinstance(v, int) for v in spec):
        raise UserError(f"{source}: {name!r} int needs integer bounds")
    if any(isinstance(v, float) and not math.isfinite(v) for v in spec):
        raise UserError(f"{source}: {name!r} bounds must be finite")
    return tuple(spec)
