"""Named configs, dotted ``key=value`` overrides, and flattening for logging."""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import tomllib
import typing
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from imitation_mlflow.config.checks import (
    ConfigError,
    field_types,
    is_section,
    optional_inner,
    show,
    type_problem,
)
from imitation_mlflow.errors import UserError, regular_file, unknown_choice

C = TypeVar("C")

Scalar = str | int | float | bool | None

_INT_FROM_FLOAT = "a float counts as an int only when it is a whole number below 2**53"


@functools.cache
def named_configs() -> dict[str, dict[str, Any]]:
    """All named configs shipped with the package, by name (``extends`` not yet expanded)."""
    text = resources.files("imitation_mlflow.config").joinpath("named_configs.toml").read_text()
    return tomllib.loads(text)


def load_config_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read extra named configs from a user TOML file in the same format as the shipped one."""
    try:
        return tomllib.loads(regular_file(path, "config file").read_text())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc


def expand_named(
    names: list[str], extra: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Merge the dotted values of ``names`` (and what they extend), later names winning."""
    table = {**named_configs(), **(extra or {})}
    merged: dict[str, Any] = {}
    for name in names:
        merged.update(_expand_one(name, table, seen=()))
    return merged


def _expand_one(
    name: str, table: dict[str, dict[str, Any]], seen: tuple[str, ...]
) -> dict[str, Any]:
    if name not in table:
        raise unknown_choice("named config", name, list(table))
    if name in seen:
        raise UserError(f"named config {name!r} extends itself via {' -> '.join(seen)}")
    entry = dict(table[name])
    parent = entry.pop("extends", None)
    base = _expand_one(parent, table, seen + (name,)) if parent else {}
    return {**base, **entry}


def starting_configs(
    algo: str, env: str, *, tuned: bool = True, extra: dict[str, dict[str, Any]] | None = None
) -> list[str]:
    """The named configs a run of ``algo`` on the environment config ``env`` starts from.

    ``env``, then the tuned ``<algo>_<env>`` when one exists (in ``extra``, the user's
    config file, or shipped) unless ``tuned`` is off.
    """
    tuned_name = f"{algo}_{env}"
    has_tuned = tuned_name in {**named_configs(), **(extra or {})}
    return [env, tuned_name] if tuned and has_tuned else [env]


def valid_keys(config_cls: type) -> list[str]:
    """Every dotted key that ``config_cls`` accepts, e.g. ``bc.batch_size``."""
    return list(_leaf_types(config_cls))


@functools.cache
def _leaf_types(config_cls: type) -> dict[str, Any]:
    """The annotation of every dotted key of ``config_cls``, in field order."""
    leaves: dict[str, Any] = {}
    for name, hint in field_types(config_cls).items():
        if is_section(hint):
            leaves.update({f"{name}.{sub}": h for sub, h in _leaf_types(hint).items()})
        else:
            leaves[name] = hint
    return leaves


def apply_overrides(config: C, updates: dict[str, Any]) -> C:
    """Return ``config`` with each dotted key replaced by its value, coerced to the field type.

    The config is rebuilt from all its values plus ``updates`` at once, so every check (also
    those between fields) sees the final values whatever the order of ``updates``.

    Args:
        config: A config section instance (usually ``ImitationConfig`` or
            ``AdversarialConfig``).
        updates: Dotted keys and their new values; strings are parsed the way sacred parses
            command-line updates (Python literals, else plain strings).

    Raises:
        UserError: For an unknown key (listing the valid keys), or a ``ConfigError`` naming
            the key whose value is refused.
    """
    current = _dotted(dataclasses.asdict(typing.cast(Any, config)))
    return _build(type(config), {**current, **updates})


def _build(config_cls: type[C], values: dict[str, Any]) -> C:
    """Check, coerce and nest merged dotted ``values``; construct each section once."""
    leaves = _leaf_types(typing.cast(type, config_cls))
    for key in values:
        if key not in leaves:
            raise unknown_choice("config key", key, list(leaves))
    coerced = {key: coerce(value, leaves[key], key) for key, value in values.items()}
    return _construct(config_cls, coerced)


def _construct(cls: type[C], values: dict[str, Any]) -> C:
    """``cls`` from coerced dotted ``values`` relative to it; nested errors get their prefix."""
    kwargs: dict[str, Any] = {}
    for name, hint in field_types(cls).items():
        if is_section(hint):
            inner = {k[len(name) + 1 :]: v for k, v in values.items() if k.startswith(f"{name}.")}
            if inner:
                try:
                    kwargs[name] = _construct(hint, inner)
                except ConfigError as exc:
                    raise exc.under(name) from None
        elif name in values:
            kwargs[name] = values[name]
    return cls(**kwargs)


def parse_assignments(items: Sequence[str]) -> dict[str, Any]:
    """``["bc.batch_size=32", ...]`` -> ``{"bc.batch_size": 32}`` with sacred-style literals."""
    updates: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"expected KEY=VALUE, got {item!r} (e.g. --set bc.batch_size=32)")
        key, value = item.split("=", 1)
        updates[key.strip()] = parse_literal(value)
    return updates


def parse_literal(text: str) -> Any:
    """Parse a command-line value like sacred: a Python/JSON literal, else the plain string."""
    lowered = text.strip()
    if lowered in ("null", "None"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return ast.literal_eval(lowered)
    except (ValueError, SyntaxError):
        return text


def coerce(value: Any, hint: Any, key: str) -> Any:
    """Convert ``value`` to the annotated type ``hint``.

    Strings are parsed with :func:`parse_literal` (unless ``hint`` is ``str``); an int field
    takes a float only when it is a whole number below 2**53 in magnitude; ``tuple[int, ...]``
    takes a list, a tuple or a single int; ``X | None`` takes ``None``. Ranges are checked by
    the section itself when it is constructed.

    Args:
        value: What the user wrote (a string from the command line, or TOML / Python data).
        hint: The field's resolved annotation.
        key: The full dotted key, for the error message.

    Raises:
        ConfigError: Naming ``key`` when ``value`` cannot be read as ``hint``.
    """
    if isinstance(value, str) and hint is not str:
        value = parse_literal(value)
    converted = _convert(value, hint, key)
    problem = type_problem(converted, hint)
    if problem is not None:
        raise ConfigError(key, problem)
    return converted


def _convert(value: Any, hint: Any, key: str) -> Any:
    """Best-effort conversion of parsed ``value`` to ``hint``; :func:`coerce` checks the result."""
    inner = optional_inner(hint)
    if inner is not None:
        return None if value is None else _convert(value, inner, key)
    if typing.get_origin(hint) is tuple:
        entries = value if isinstance(value, (list, tuple)) else (value,)
        return tuple(_convert(entry, typing.get_args(hint)[0], key) for entry in entries)
    if hint is int and isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        raise ConfigError(key, f"{show(value)} is not a valid int; {_INT_FROM_FLOAT}")
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            return value  # refused as not finite
    if hint is str and not isinstance(value, str):
        return str(value)
    return value


def to_dict(config: Any) -> dict[str, Any]:
    """Convert the config to nested plain data (what ``config.json`` holds)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def flatten(config: Any) -> dict[str, str]:
    """Flatten the config to dotted ``key -> str(value)`` pairs (the run's MLflow params)."""
    return flatten_dict(to_dict(config))


def build_config(
    config_cls: type[C],
    named: list[str] | tuple[str, ...] = (),
    updates: dict[str, Any] | None = None,
    extra_named: dict[str, dict[str, Any]] | None = None,
) -> C:
    """Defaults, then each named config in order, then dotted ``updates``: the resolved config.

    All values are merged first (later ones winning), then coerced and checked together, so
    the result does not depend on the order in which keys are set.

    Args:
        config_cls: The config class to build (``ImitationConfig`` or ``AdversarialConfig``).
        named: Named configs applied in order (``extends`` expanded).
        updates: Dotted ``key -> value`` overrides applied last.
        extra_named: Named configs from a user file, next to the shipped ones.

    Raises:
        UserError: For an unknown named config or key, or a ``ConfigError`` naming the key
            whose value is refused.
    """
    return _build(config_cls, {**expand_named(list(named), extra_named), **(updates or {})})


def flatten_dict(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested plain data as dotted ``key -> str(value)`` pairs (lists as JSON)."""
    return {
        key: json.dumps(value) if isinstance(value, list) else str(value)
        for key, value in _dotted(data, prefix).items()
    }


def _dotted(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested data as dotted ``key -> value`` pairs, values unchanged."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(_dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
