"""Reading our dataclasses back from JSON data with every value checked: a state file is
input like any other (a hostile one held 100,000-deep arrays, ``1e400`` as a message id and
wrong types in a history turn), so each field must have its declared type, integers fit in
64 bits, and strings and lists stay within bounds; nesting can go no deeper than the types.
Unknown fields are ignored, so a file from an older or newer version still loads."""

from __future__ import annotations

from dataclasses import MISSING, fields, is_dataclass
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

MAX_TEXT = 1_000_000
"""Characters in one string of the state (a title can be long; a hostile file is bounded)."""
MAX_ITEMS = 1_000
"""Entries in one list or mapping inside a chat (turns, citations, message ids, …)."""
INT_LIMIT = 2**63  # ids and offsets are 64-bit at most

T = TypeVar("T")


class StateError(ValueError):
    """A state file that cannot be read as our state (one line: which file, what is wrong)."""


def as_dict(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object of at most ``MAX_ITEMS`` entries."""
    if not isinstance(value, dict):
        raise StateError(f"{what}: expected an object, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise StateError(f"{what}: more than {MAX_ITEMS} entries")
    return value


def as_list(value: Any, what: str) -> list[Any]:
    """``value`` if it is a JSON list of at most ``MAX_ITEMS`` items."""
    if not isinstance(value, list):
        raise StateError(f"{what}: expected a list, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise StateError(f"{what}: more than {MAX_ITEMS} entries")
    return value


def build(cls: type[T], data: Any) -> T:
    """``cls(**data)`` keeping only ``cls``'s fields (a file from an older or newer version
    still loads), each value checked against the field's type."""
    d = as_dict(data, cls.__name__)
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in d:
            values[f.name] = _value(d[f.name], hints[f.name], f"{cls.__name__}.{f.name}")
        elif f.default is MISSING and f.default_factory is MISSING:
            raise StateError(f"{cls.__name__}: missing {f.name!r}")
    return cls(**values)


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


_HINTS: dict[type, dict[str, Any]] = {}


def _value(value: Any, hint: Any, what: str) -> Any:
    """``value`` as the type ``hint`` (one of our dataclasses' field types), or StateError:
    a wrong type, an integer beyond 64 bits, a string or a list beyond the bounds."""
    origin, args = get_origin(hint), get_args(hint)
    if is_dataclass(hint):
        return build(hint, value)  # type: ignore[arg-type]
    if origin in (Union, UnionType):
        if value is None and type(None) in args:
            return None
        [inner] = [a for a in args if a is not type(None)]
        return _value(value, inner, what)
    if origin is list or (origin is tuple and args[1:] == (Ellipsis,)):
        items = [_value(v, args[0], what) for v in as_list(value, what)]
        return items if origin is list else tuple(items)
    if origin is dict:
        return {_value(k, args[0], what): _value(v, args[1], what)
                for k, v in as_dict(value, what).items()}
    if hint is str and isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if hint is bool and isinstance(value, bool):
        return value
    if hint is int and type(value) is int and -INT_LIMIT <= value < INT_LIMIT:
        return value
    if hint is float and type(value) in (int, float):  # timings and signals: harmless
        return float(value)
    shown = type(value).__name__ if not isinstance(value, int | float) else repr(value)[:40]
    raise StateError(f"{what}: {shown} is not a valid {getattr(hint, '__name__', hint)}")
