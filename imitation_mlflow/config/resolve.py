"""Named configs, dotted ``key=value`` overrides, and flattening for logging."""

from __future__ import annotations

import ast
import dataclasses
import functools
import json
import tomllib
import types
import typing
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from imitation_mlflow.errors import UserError, unknown_choice

C = TypeVar("C")

Scalar = str | int | float | bool | None


@functools.cache
def named_configs() -> dict[str, dict[str, Any]]:
    """All named configs shipped with the package, by name (``extends`` not yet expanded)."""
    text = resources.files("imitation_mlflow.config").joinpath("named_configs.toml").read_text()
    return tomllib.loads(text)


def load_config_file(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read extra named configs from a user TOML file in the same format as the shipped one."""
    try:
        return tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise UserError(
            f"config file {str(path)!r} does not exist; pass an existing TOML file"
        ) from None
    except tomllib.TOMLDecodeError as exc:
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


def valid_keys(config_cls: type) -> list[str]:
    """Every dotted key that ``config_cls`` accepts, e.g. ``bc.batch_size``."""
    return list(_valid_keys(config_cls))


@functools.cache
def _valid_keys(config_cls: Any) -> tuple[str, ...]:
    keys: list[str] = []
    for field in dataclasses.fields(config_cls):
        hint = _field_types(config_cls)[field.name]
        if dataclasses.is_dataclass(hint):
            keys.extend(f"{field.name}.{sub}" for sub in valid_keys(typing.cast(type, hint)))
        else:
            keys.append(field.name)
    return tuple(keys)


def apply_overrides(config: C, updates: dict[str, Any]) -> C:
    """Return ``config`` with each dotted key replaced by its value, coerced to the field type.

    String values are parsed the way sacred parses command-line updates (Python literals,
    else plain strings). Unknown keys raise a ``UserError`` listing the valid keys.
    """
    known = valid_keys(type(config))
    for key, value in updates.items():
        if key not in known:
            raise unknown_choice("config key", key, known)
        config = _replace_path(config, key.split("."), value, key)
    return config


def _replace_path(obj: Any, path: list[str], value: Any, full_key: str) -> Any:
    head = path[0]
    cls: Any = type(obj)
    hint = _field_types(cls)[head]
    if dataclasses.is_dataclass(hint):
        new = _replace_path(getattr(obj, head), path[1:], value, full_key)
    else:
        new = coerce(value, hint, full_key)
    return dataclasses.replace(obj, **{head: new})


@functools.cache
def _field_types(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


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
    """Convert ``value`` to the annotated type ``hint`` or raise a ``UserError`` naming ``key``."""
    if isinstance(value, str) and hint is not str:
        value = parse_literal(value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        for option in args:
            if option is type(None):
                continue
            try:
                return coerce(value, option, key)
            except UserError:
                continue
        raise _bad_value(key, value, hint)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            value = (value,)
        return tuple(coerce(v, args[0], key) for v in value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise _bad_value(key, value, hint)
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise _bad_value(key, value, hint)
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _bad_value(key, value, hint)
    if hint is str:
        if isinstance(value, str):
            return value
        return str(value)
    raise _bad_value(key, value, hint)


def _bad_value(key: str, value: Any, hint: Any) -> UserError:
    name = getattr(hint, "__name__", str(hint))
    return UserError(f"config key {key!r}: {value!r} is not a valid {name}")


def to_dict(config: Any) -> dict[str, Any]:
    """Convert the config to nested plain data (what ``config.json`` holds)."""
    return json.loads(json.dumps(dataclasses.asdict(config)))


def flatten(config: Any) -> dict[str, str]:
    """Flatten the config to dotted ``key -> str(value)`` pairs for MLflow params (< 500 chars)."""
    return flatten_dict(to_dict(config))


def build_config(
    config_cls: type[C],
    named: list[str] | tuple[str, ...] = (),
    updates: dict[str, Any] | None = None,
    extra_named: dict[str, dict[str, Any]] | None = None,
) -> C:
    """Defaults, then each named config in order, then dotted ``updates``: the resolved config."""
    values = {**expand_named(list(named), extra_named), **(updates or {})}
    return apply_overrides(config_cls(), values)


def env_config_for(gym_id: str) -> str:
    """Environment config naming ``gym_id`` (``seals_half_cheetah``), else a sanitized id."""
    for name in environment_configs():
        if named_configs()[name]["environment.gym_id"] == gym_id:
            return name
    return gym_id.replace("/", "-")


def flatten_dict(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested plain data as dotted ``key -> str(value)`` pairs (lists as JSON)."""
    out: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten_dict(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = json.dumps(value) if isinstance(value, list) else str(value)
    return out


def environment_configs() -> list[str]:
    """Names of the environment configs (``seals_half_cheetah``, ...)."""
    return [
        name
        for name, values in named_configs().items()
        if "extends" not in values and set(values) == {"environment.gym_id"}
    ]
