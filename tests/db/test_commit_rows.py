"""`UnitOfWork.commit_rows`: the rows of several tables committed as if added and committed
through the session (every column type alike), the number a `NextNumber` stands for taken
with them, a rejected row writing nothing and taking no number, and `meanwhile` run once
without a say in the rows' fate."""

from __future__ import annotations

import enum
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    delete,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB

from db.uow import Database
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.models import UTCDateTime
from domain.numbers import NextNumber, NumberSequence


class Colour(enum.Enum):
    RED = "red"  # stored by name, as SQLAlchemy stores an Enum
    DEEP_BLUE = "blue"


_METADATA = MetaData()
PARENTS = Table(
    "commit_rows_parents",
    _METADATA,
    Column("id", Uuid, primary_key=True),
    Column("number", String(40), unique=True),
    Column("colour", Enum(Colour, native_enum=False, length=32)),
    Column("active", Boolean),
    Column("amount", Numeric(12, 2)),
    Column("born", Date),
    Column("at", UTCDateTime()),
    Column("content", LargeBinary),
    Column("notes", Text),
    Column("details", JSON),
    Column("tags", JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")),
)
CHILDREN = Table(
    "commit_rows_children",
    _METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parent_id", Uuid, ForeignKey("commit_rows_parents.id"), nullable=False),
    Column("label", String(20), nullable=False),
)


@pytest.fixture(params=["one call", "through the session"])
def sqlite_calls(request, monkeypatch) -> str:
    """On SQLite the writes go to aiosqlite's thread in one call where aiosqlite allows it,
    else through the session, a call per statement: both ways are tested (PostgreSQL has one)."""
    if request.param == "through the session":
        monkeypatch.setattr("db.uow._sqlite_in_one_call", lambda driver: False)
    return str(request.param)


@pytest.fixture
async def tables(engine) -> AsyncIterator[None]:
    async with engine.begin() as connection:
        await connection.run_sync(_METADATA.create_all)
    yield
    async with engine.begin() as connection:
        await connection.run_sync(_METADATA.drop_all)


def _parent(clock, **given: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": uuid.uuid4(),
        "number": None,
        "colour": Colour.DEEP_BLUE,
        "active": True,
        "amount": Decimal("1234.50"),
        "born": date(1990, 2, 28),
        "at": clock.now() + timedelta(microseconds=123456),
        "content": b"\x00\x01binary\xff",
        "notes": 'quotes " and \\ and \u00e9 and a\nnewline',
        "details": {"nested": [1, 2.5, "three", None, {"x": True}]},
        "tags": ["a", "b"],
    }
    return row | given


def _children(parent_id: uuid.UUID, *labels: str) -> list[dict[str, Any]]:
    return [{"parent_id": parent_id, "label": label} for label in labels]


async def _stored(database: Database) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Each parent with its JSON columns' nullness in SQL, and each child."""
    async with database.uow_factory(read_only=True)() as uow:
        parents = (
            await uow.session.execute(
                select(
                    *PARENTS.c,
                    PARENTS.c.details.is_(None).label("details_null"),
                    PARENTS.c.tags.is_(None).label("tags_null"),
                ).order_by(PARENTS.c.number, PARENTS.c.notes)
            )
        ).all()
        children = (
            await uow.session.execute(
                select(CHILDREN.c.parent_id, CHILDREN.c.label).order_by(CHILDREN.c.label)
            )
        ).all()
    return [dict(p._mapping) for p in parents], [tuple(c) for c in children]


async def _clear(database: Database) -> None:
    async with database.uow_factory()() as uow:
        await uow.session.execute(delete(CHILDREN))
        await uow.session.execute(delete(PARENTS))
        await uow.commit()


async def test_rows_are_stored_as_the_session_would_store_them(
    database, clock, tables, sqlite_calls
):
    """Same values read back, same SQL NULLs (a JSON None is JSON null where the column says
    so), for every kind of column, on either database."""
    rows = [
        _parent(clock, notes="full"),
        _parent(
            clock,
            notes="empty",
            colour=None,
            active=None,
            amount=None,
            born=None,
            at=None,
            content=None,
            details=None,
            tags=None,
        ),
    ]
    expected_children = _children(rows[0]["id"], "first", "second")
    async with database.uow_factory()() as uow:
        await uow.session.execute(insert(PARENTS), rows)
        await uow.session.execute(insert(CHILDREN), expected_children)
        await uow.commit()
    by_session = await _stored(database)
    await _clear(database)
    async with database.uow_factory()() as uow:
        assert await uow.commit_rows([(PARENTS, rows), (CHILDREN, expected_children)]) is None
    assert await _stored(database) == by_session
    full, empty = sorted(by_session[0], key=lambda p: p["notes"] != "full")
    assert {k: full[k] for k in rows[0]} == rows[0]
    # JSON None: JSON null in a plain JSON column, SQL NULL where the column says so.
    assert (full["details_null"], full["tags_null"]) == (False, False)
    assert (empty["details_null"], empty["tags_null"]) == (False, True)


async def test_a_next_number_is_taken_with_the_rows(database, clock, tables, sqlite_calls):
    year = clock.now().year
    taken = []
    for notes in ("one", "two"):
        row = _parent(clock, number=NextNumber("TST", year), notes=notes)
        async with database.uow_factory()() as uow:
            taken.append(
                await uow.commit_rows([(PARENTS, [_parent(clock, notes="x" + notes), row])])
            )
    assert taken == [f"TST-{year}-000001", f"TST-{year}-000002"]
    parents, _ = await _stored(database)
    assert {(p["number"], p["notes"]) for p in parents} == {
        (taken[0], "one"),
        (taken[1], "two"),
        (None, "xone"),
        (None, "xtwo"),
    }
    with pytest.raises(ValueError, match="one number"):
        async with database.uow_factory()() as uow:
            both = [_parent(clock, number=NextNumber("TST", year)) for _ in range(2)]
            await uow.commit_rows([(PARENTS, both)])


async def test_a_rejected_row_writes_nothing_and_takes_no_number(
    database, clock, tables, sqlite_calls
):
    year = clock.now().year
    async with database.uow_factory()() as uow:
        await uow.commit_rows([(PARENTS, [_parent(clock, number=f"TST-{year}-000002")])])
    before = await _stored(database)
    fresh = _parent(clock, number=NextNumber("TST", year))
    with pytest.raises(DomainError) as caught:
        async with database.uow_factory()() as uow:
            await uow.commit_rows(
                [
                    (PARENTS, [fresh]),
                    (CHILDREN, _children(fresh["id"], "kept?")),
                    (CHILDREN, _children(uuid.uuid4(), "no parent")),  # a foreign key refused
                ]
            )
    assert caught.value.code is ErrorCode.CONFLICT
    assert await _stored(database) == before
    async with database.uow_factory()() as uow:
        counter = await uow.session.scalar(
            select(NumberSequence.last_value).where(NumberSequence.name == f"TST-{year}")
        )
    assert counter is None  # the refused statement took no number


async def test_meanwhile_runs_once_and_has_no_say_in_the_commit(engine, clock, tables, caplog):
    class Bus:
        published: list[DomainEvent] = []

        async def publish(self, events: list[DomainEvent]) -> None:
            self.published.extend(events)

    bus = Bus()
    database = Database(engine, clock=clock, bus=bus)
    event = DomainEvent("thing.created", "Thing", uuid.uuid4(), (), clock.now())
    calls: list[int] = []

    def failing() -> None:
        calls.append(len(bus.published))
        raise RuntimeError("the answer could not be made")

    with caplog.at_level(logging.ERROR, logger="db.uow"):
        async with database.uow_factory()() as uow:
            uow.record(event)
            await uow.commit_rows([(PARENTS, [_parent(clock, notes="kept")])], meanwhile=failing)
    assert calls == [0]  # once, before the commit told anyone
    assert bus.published == [event]
    parents, _ = await _stored(database)
    assert [p["notes"] for p in parents] == ["kept"]
    assert "work meanwhile a write failed" in caplog.text
    assert "the answer could not be made" in caplog.text  # the traceback, no row values


async def test_rows_after_other_writes_join_their_transaction(
    database, clock, tables, sqlite_calls
):
    """What the session wrote first is committed with the rows, or not at all."""
    parent = _parent(clock, notes="by the session")
    with pytest.raises(DomainError):
        async with database.uow_factory()() as uow:
            await uow.session.execute(insert(PARENTS), [parent])
            await uow.commit_rows([(CHILDREN, _children(uuid.uuid4(), "orphan"))])
    assert await _stored(database) == ([], [])
    async with database.uow_factory()() as uow:
        await uow.session.execute(insert(PARENTS), [parent])
        await uow.commit_rows([(CHILDREN, _children(parent["id"], "child"))])
    parents, children = await _stored(database)
    assert len(parents) == 1 and children == [(parent["id"], "child")]


async def test_the_installed_aiosqlite_takes_the_writes_in_one_call(engine):
    """`commit_rows` relies on aiosqlite's private `_execute` and `_conn` for its one call
    to the connection's thread (else through the session, a call per statement, several times slower): a
    release without them fails here rather than slowing down unnoticed."""
    from db.uow import _sqlite_in_one_call

    if engine.dialect.driver != "aiosqlite":
        pytest.skip("aiosqlite's")
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert _sqlite_in_one_call(raw.driver_connection)
