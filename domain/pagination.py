"""Keyset pagination: opaque cursors over an ordered key, pages with a look-ahead row."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson

from domain.errors import DomainError, ErrorCode

T = TypeVar("T")

_PARSERS: dict[type, Callable[[Any], Any]] = {
    uuid.UUID: lambda v: uuid.UUID(str(v)),
    datetime: lambda v: datetime.fromisoformat(str(v)),
    float: float,
    int: int,
    str: str,
    Decimal: lambda v: Decimal(str(v)),
}


def encode_cursor(values: Sequence[Any]) -> str:
    """An opaque cursor for the sort key of one row (floats round-trip exactly)."""
    raw = orjson.dumps(list(values), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> tuple[Any, ...]:
    """The sort key back from a cursor; a cursor that is not ours is a typed error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(types):
            raise ValueError("cursor shape")
        return tuple(
            None if value is None else _PARSERS[kind](value)
            for kind, value in zip(types, values, strict=True)
        )
    except (ValueError, TypeError, KeyError, binascii.Error) as exc:
        raise DomainError(ErrorCode.INVALID, "The cursor is not valid", "after") from exc


@dataclass(frozen=True, slots=True)
class PageRequest:
    first: int
    after: str | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows, each with its cursor."""

    items: list[T]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int | None = None

    def with_total(self, total: int | None) -> Page[T]:
        return replace(self, total_count=total)


def page_from_rows(
    rows: Sequence[T], request: PageRequest, key: Callable[[T], Sequence[Any]] | None
) -> Page[T]:
    """Rows were fetched with LIMIT first + 1: the extra row only says there is a next page.
    `key` None: no cursors (none will be shown)."""
    items = list(rows[: request.first])
    return Page(
        items=items,
        cursors=[] if key is None else [encode_cursor(key(item)) for item in items],
        has_next_page=len(rows) > request.first,
        has_previous_page=request.after is not None,
    )
