"""Input objects become the domain's input dataclasses by field name: one mapper for all."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

T = TypeVar("T")


def to_dataclass(target: type[T], source: object, **overrides: Any) -> T:
    """`target(**fields)` taken from `source`'s attributes of the same names; `overrides`
    supply the fields that need converting (nested inputs, global ids)."""
    values = {
        f.name: getattr(source, f.name)
        for f in fields(target)  # type: ignore[arg-type]
        if f.name not in overrides and hasattr(source, f.name)
    }
    return target(**values, **overrides)
