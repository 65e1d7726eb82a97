"""Declarative base and column types shared by every area's models."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, TypeDecorator, Uuid, and_, or_
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

K = TypeVar("K")
R = TypeVar("R")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on PostgreSQL (timestamptz) and SQLite (text) alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), uuid.UUID: Uuid()}


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def time_ordered_id(at: datetime) -> uuid.UUID:
    """A UUIDv7 (RFC 9562): `at` in Unix milliseconds, then 74 random bits. Rows of an
    append-only log keyed by it land at the end of their primary key index, a few pages per
    batch, where uuid4 keys touch (and write) one random page per row."""
    milliseconds = int(at.timestamp() * 1000) & ((1 << 48) - 1)
    value = milliseconds << 80 | int.from_bytes(os.urandom(10), "big")
    value = value & ~(0xF << 76) | 0x7 << 76  # version 7
    value = value & ~(0x3 << 62) | 0x2 << 62  # RFC 9562 variant
    return uuid.UUID(int=value)


def full_row(table: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with every other column of `table` as an ORM insert leaves it: its Python-side
    default (a value, or a callable's result), else NULL: what `UnitOfWork.commit_rows`
    takes (a value for every column)."""
    row = dict(values)
    for column in table.columns:
        if column.key in row or (column.autoincrement is True and column.primary_key):
            continue
        default = column.default
        if default is None:
            row[column.key] = None
        elif default.is_scalar:
            row[column.key] = default.arg
        else:
            row[column.key] = default.arg(None)
    return row


class HasId:
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)


class Timestamped:
    """Set by services from the unit of work's clock, never by the database's clock."""

    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


def keyset_after(columns: Sequence[Any], values: Sequence[Any], *, descending: bool = False) -> Any:
    """Rows after the one whose sort key is `values`, for `ORDER BY columns` (all ascending, or
    all descending): (c1 > v1) OR (c1 = v1 AND c2 > v2) OR ... — portable where row-value
    comparison is not."""
    branches = []
    for index, (column, value) in enumerate(zip(columns, values, strict=True)):
        beyond = column < value if descending else column > value
        equal = [c == v for c, v in zip(columns[:index], values[:index], strict=True)]
        branches.append(and_(*equal, beyond))
    return or_(*branches)


def group_by(rows: Iterable[R], keys: Iterable[K], key: Callable[[R], K]) -> dict[K, list[R]]:
    """Rows of a batch read grouped by `key`, every asked-for key present (a DataLoader wants an
    answer for each), in the rows' order."""
    grouped: dict[K, list[R]] = {k: [] for k in keys}
    for row in rows:
        grouped[key(row)].append(row)
    return grouped
