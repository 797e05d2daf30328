"""CaseState and CaseFacts to and from JSON (dates as ISO strings, enums as their values)."""
from __future__ import annotations

import dataclasses
import enum
import types
import typing
from datetime import date
from typing import Any, TypeVar

from welfare.case_clocks import CaseMilestones
from welfare.case_lifecycle import CaseFacts, CaseState

T = TypeVar("T")


def to_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [to_json(v) for v in value]
    return value


def _from(kind: Any, raw: Any) -> Any:
    if raw is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(kind) if a is not type(None)]
        return _from(inner[0], raw)
    if origin is tuple:
        return tuple(_from(typing.get_args(kind)[0], v) for v in raw)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return from_json(kind, raw)
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(raw)
    if kind is date:
        return date.fromisoformat(raw)
    return raw


def from_json(cls: type[T], data: dict[str, Any]) -> T:
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: _from(hints[k], v) for k, v in data.items() if k in names})


def state_from_json(data: dict[str, Any]) -> CaseState:
    return from_json(CaseState, data)


def facts_from_json(data: dict[str, Any]) -> CaseFacts:
    return from_json(CaseFacts, data)


__all__ = ["to_json", "from_json", "state_from_json", "facts_from_json", "CaseMilestones"]
