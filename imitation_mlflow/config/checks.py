"""Validation of config sections: field constraints, type checks and the error naming a key.

A field declares its allowed values next to its default (``batch_size: int = at_least(1,
default=32)``); every section checks all its fields once, in ``__post_init__``, through
:class:`Section`. Types come from the annotations: ints are real ints (never bools), floats
are finite, ``X | None`` also accepts ``None``, ``tuple[int, ...]`` checks every entry and
``Literal[...]`` lists its choices.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, Protocol, TypeVar

from imitation_mlflow.errors import UserError, unknown_choice

T = TypeVar("T")

CONSTRAINT = "constraint"
"""Key of a field's ``metadata`` under which its :class:`Constraint` is stored."""


class ConfigError(UserError):
    """A config value that breaks its field's type, its range, or a rule between fields.

    The message names the dotted key(s), the bad value and what is allowed. A section does not
    know where it sits in the config, so whoever builds a nested section re-raises its errors
    with :meth:`under`, which prefixes every key (``gamma`` -> ``rl.rl_kwargs.gamma``).
    """

    def __init__(self, keys: str | tuple[str, ...], problem: str) -> None:
        """Build the error.

        Args:
            keys: The offending key, or for a rule between fields every key involved (the
                problem then states their values in the same order).
            problem: What is wrong and what is allowed, e.g. ``0 is out of range; it must be
                at least 1``.
        """
        self.keys = (keys,) if isinstance(keys, str) else tuple(keys)
        self.problem = problem
        named = " and ".join(repr(key) for key in self.keys)
        plural = "s" if len(self.keys) > 1 else ""
        super().__init__(f"config key{plural} {named}: {problem}")

    def under(self, prefix: str) -> ConfigError:
        """The same error for a section that sits at ``prefix`` (e.g. ``rl.rl_kwargs``)."""
        return ConfigError(tuple(f"{prefix}.{key}" for key in self.keys), self.problem)

    def __reduce__(self) -> tuple[type[ConfigError], tuple[tuple[str, ...], str]]:
        return ConfigError, (self.keys, self.problem)


class Constraint(Protocol):
    """What a field's value (or each entry of a tuple field) must satisfy beyond its type."""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not allowed, or ``None`` when it is."""
        ...


@dataclasses.dataclass(frozen=True)
class Range:
    """Numbers between ``low`` and ``high`` (either may be open or absent)."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in the range."""
        above = self.low is None or value > self.low or (not self.low_open and value == self.low)
        below = (
            self.high is None or value < self.high or (not self.high_open and value == self.high)
        )
        return above and below

    def describe(self) -> str:
        """The range in words: ``at least 1``, ``greater than 0``, ``in [0, 1]``."""
        if self.high is None:
            return f"{'greater than' if self.low_open else 'at least'} {self.low}"
        if self.low is None:
            return f"{'less than' if self.high_open else 'at most'} {self.high}"
        left, right = "(" if self.low_open else "[", ")" if self.high_open else "]"
        return f"in {left}{self.low}, {self.high}{right}"

    def problem(self, value: Any) -> str | None:
        """``None`` inside the range, else the out-of-range message."""
        if self.contains(value):
            return None
        return f"{show(value)} is out of range; it must be {self.describe()}"


@dataclasses.dataclass(frozen=True)
class NonEmpty:
    """Strings with at least one non-blank character."""

    def problem(self, value: Any) -> str | None:
        """``None`` for a non-blank string, else why it is refused."""
        return None if value.strip() else f"{show(value)} is blank; it must be a non-empty string"


def constrained(default: T, constraint: Constraint) -> T:
    """A dataclass field with ``default`` whose values must satisfy ``constraint``."""
    return dataclasses.field(default=default, metadata={CONSTRAINT: constraint})


def at_least(low: int, default: T) -> T:
    """A field whose value (or every entry, for a tuple) is at least ``low``."""
    return constrained(default, Range(low=low))


def positive(default: T) -> T:
    """A field whose value is greater than 0."""
    return constrained(default, Range(low=0, low_open=True))


def unit_interval(default: T) -> T:
    """A field whose value lies in [0, 1] (a probability or a discount)."""
    return constrained(default, Range(low=0, high=1))


def non_empty(default: T) -> T:
    """A string field that must not be empty or blank."""
    return constrained(default, NonEmpty())


def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotation of every field of the dataclass ``cls``, by field name."""
    return _field_types(cls)  # typed wrapper: mypy does not take a class as Hashable


@functools.cache
def _field_types(cls: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {field.name: hints[field.name] for field in dataclasses.fields(cls)}


def is_section(hint: Any) -> bool:
    """Whether the annotation ``hint`` is a nested config section (a dataclass)."""
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def optional_inner(hint: Any) -> Any | None:
    """``X`` for the annotation ``X | None``, else ``None``."""
    if typing.get_origin(hint) not in (types.UnionType, typing.Union):
        return None
    options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    return options[0] if len(options) == 1 else None


def type_name(hint: Any) -> str:
    """A short readable name of an annotation (``int``, ``int | None``, ``tuple[int, ...]``)."""
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def choice_problem(value: Any, choices: tuple[Any, ...]) -> str | None:
    """``None`` when ``value`` is one of ``choices``, else the message listing them."""
    if isinstance(value, str) and value in choices:
        return None
    return str(unknown_choice("value", value, [str(choice) for choice in choices]))


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)``, shortened in the middle beyond ``limit`` characters (one-line messages)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 12]}...{text[-9:]}"


def entry_problem(value: tuple[Any, ...], check: Callable[[Any], str | None]) -> str | None:
    """The problem ``check`` finds with the first bad entry of ``value``, or ``None``."""
    for entry in value:
        problem = check(entry)
        if problem is not None:
            return f"{show(value)} has a bad entry: {problem}"
    return None


def type_problem(value: Any, hint: Any) -> str | None:
    """Why ``value`` does not have the annotated type ``hint``, or ``None`` when it does."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in args:
            return None
        if any(type_problem(value, option) is None for option in args):
            return None
    elif origin is Literal:
        return choice_problem(value, args)
    elif origin is tuple:
        if isinstance(value, tuple):
            return entry_problem(value, lambda entry: type_problem(entry, args[0]))
    elif hint is float:
        return _float_problem(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return None
    elif isinstance(hint, type):
        if isinstance(value, hint):
            return None
    else:
        raise TypeError(f"config fields cannot be annotated {hint!r}")
    return f"{show(value)} is not a valid {type_name(hint)}"


def _float_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{show(value)} is not a valid float"
    try:
        finite = math.isfinite(value)
    except OverflowError:
        finite = False
    return None if finite else f"{show(value)} is not a finite number"


def constraint_problem(value: Any, hint: Any, constraint: Constraint | None) -> str | None:
    """Why ``value`` (already of type ``hint``) breaks ``constraint``, or ``None``."""
    if constraint is None or value is None:
        return None
    inner = optional_inner(hint)
    if inner is not None:
        problem = constraint_problem(value, inner, constraint)
        return problem and f"{problem} (or None)"
    if typing.get_origin(hint) is tuple:
        return entry_problem(value, constraint.problem)
    return constraint.problem(value)


def check_fields(section: Any) -> None:
    """Check every field of the dataclass ``section`` against its type and its constraint.

    Raises:
        ConfigError: For the first field that breaks either, naming the field.
    """
    for field in dataclasses.fields(section):
        value = getattr(section, field.name)
        hint = field_types(type(section))[field.name]
        problem = type_problem(value, hint) or constraint_problem(
            value, hint, field.metadata.get(CONSTRAINT)
        )
        if problem is not None:
            raise ConfigError(field.name, problem)


class Section:
    """Base of every config section: its fields are checked when it is constructed.

    Subclasses add rules between fields in :meth:`check_together`.
    """

    def __post_init__(self) -> None:
        """Check each field, then the rules between fields."""
        check_fields(self)
        self.check_together()

    def check_together(self) -> None:
        """Rules between fields; raise :class:`ConfigError` naming every key involved."""


def require(ok: bool, keys: str | tuple[str, ...], problem: str) -> None:
    """Raise ``ConfigError(keys, problem)`` unless ``ok``."""
    if not ok:
        raise ConfigError(keys, problem)
