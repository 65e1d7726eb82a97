"""The unit of work: commit publishes events; integrity races become CONFLICT, never INTERNAL."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from db.uow import Database
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.identity.models import Organization, OrganizationKind


class RecordingBus:
    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    async def publish(self, events: list[DomainEvent]) -> None:
        self.published.extend(events)


def _org(clock, npi: str) -> Organization:
    return Organization(
        name="Clinic",
        kind=OrganizationKind.PROVIDER,
        npi=npi,
        created_at=clock.now(),
        updated_at=clock.now(),
    )


async def test_events_are_published_only_after_commit(engine, clock):
    bus = RecordingBus()
    factory = Database(engine, clock=clock, bus=bus).uow_factory()
    event = DomainEvent("organization.created", "Organization", uuid.uuid4(), (), clock.now())
    async with factory() as uow:
        uow.record(event)
    assert bus.published == []  # left without commit: rolled back, nothing said
    async with factory() as uow:
        uow.session.add(_org(clock, "1234567893"))
        uow.record(event)
        await uow.commit()
    assert bus.published == [event]


@pytest.mark.parametrize("where", ["flush", "commit"])
async def test_a_unique_key_race_is_a_conflict(uow_factory, clock, where):
    async with uow_factory() as uow:
        uow.session.add(_org(clock, "1234567893"))
        await uow.commit()
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            uow.session.add(_org(clock, "1234567893"))
            if where == "flush":
                await uow.session.flush()
            await uow.commit()
    assert caught.value.code is ErrorCode.CONFLICT


async def test_units_of_work_wait_their_turn_first_come_first_served(engine, clock):
    """With every connection busy, waiting requests are served in arrival order: a request
    arriving later cannot overtake one that has been waiting (no starvation under load)."""
    factory = Database(engine, clock=clock, bus=None, max_concurrent_units=1).uow_factory()
    order: list[str] = []
    inside: list[int] = [0]
    most_inside: list[int] = [0]
    release = asyncio.Event()

    async def holder() -> None:
        async with factory():
            order.append("holder")
            await release.wait()

    async def waiter(name: str) -> None:
        async with factory():
            inside[0] += 1
            most_inside[0] = max(most_inside[0], inside[0])
            order.append(name)
            await asyncio.sleep(0)
            inside[0] -= 1

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(waiter(name)) for name in ("b", "c", "d")]
    await asyncio.sleep(0)
    release.set()
    latecomer = asyncio.create_task(waiter("late"))
    await asyncio.gather(first, *waiting, latecomer)
    assert order == ["holder", "b", "c", "d", "late"]
    assert most_inside[0] == 1


async def test_postgresql_connections_plan_each_search_for_its_values(database, is_postgres):
    """Generic plans for the bounding-box search were measured slower than planning each time."""
    if not is_postgres:
        pytest.skip("plan_cache_mode is a PostgreSQL setting")
    from sqlalchemy import text

    await database.engine.dispose()  # a new connection: a pooled one may have been left generic
    async with database.engine.connect() as connection:
        mode = (await connection.execute(text("SHOW plan_cache_mode"))).scalar_one()
    assert mode == "force_custom_plan"


async def test_fetch_all_runs_a_statement_by_the_driver_as_the_session_would(database):
    """Same rows (by column name) as the session's; a generic plan is set on the connection
    once and remembered with it by the pool, and `plan_statements()` brings back the
    configured mode for a statement that needs it (the provider search)."""
    from sqlalchemy import bindparam, literal_column, select, text
    from sqlalchemy.exc import StatementError

    from db.uow import PLAN_MODE_KEY

    statement = select(
        literal_column("1").label("one"),
        bindparam("word", type_=Organization.__table__.c.name.type).label("word"),
        bindparam("fixed", "built in").label("fixed"),
    )
    factory = database.uow_factory(read_only=True)

    async def server_mode(uow) -> str:
        return (await uow.session.execute(text("SHOW plan_cache_mode"))).scalar_one()

    for generic in (False, True, True, False):
        async with factory() as uow:
            rows = await uow.fetch_all(statement, {"word": "hello"}, generic_plan=generic)
            expected = (await uow.session.execute(statement, {"word": "hello"})).all()
            assert [(r.one, r.word, r.fixed) for r in rows] == [tuple(r) for r in expected]
            assert rows[0].word == "hello" and rows[0].fixed == "built in"
            if uow.dialect != "postgresql":
                continue
            connection = await uow.session.connection()
            remembered = (await connection.get_raw_connection()).info[PLAN_MODE_KEY]
            mode = await server_mode(uow)
            assert mode == remembered  # what the pool remembers is what the server has
            if generic:
                assert mode == "force_generic_plan"
            await uow.plan_statements()  # inside this transaction: SET LOCAL
            assert await server_mode(uow) == "force_custom_plan"
    if database.engine.dialect.name == "postgresql":
        async with factory() as uow:  # outside a transaction: for the connection, remembered
            await uow.plan_statements()
            connection = await uow.session.connection()
            remembered = (await connection.get_raw_connection()).info[PLAN_MODE_KEY]
            assert remembered == await server_mode(uow) == "force_custom_plan"
    with pytest.raises((KeyError, StatementError)):  # a value left out is never sent as null
        async with factory() as uow:
            await uow.fetch_all(statement, {})


async def test_fetch_all_takes_an_in_list_of_enum_values(database):
    """An expanding IN list (here of enum values) is shaped per execution: the same rows as
    the session's, on every dialect (a worklist filter on PostgreSQL failed on it)."""
    from sqlalchemy import bindparam, select

    from domain.identity import service as identity
    from domain.identity.models import OrganizationKind

    kinds = Organization.__table__.c.kind
    statement = select(Organization.__table__.c.name).where(
        kinds.in_(bindparam("kinds", expanding=True))
    )
    factory = database.uow_factory()
    for name, kind in (
        ("A payer", OrganizationKind.PAYER),
        ("A clinic", OrganizationKind.PROVIDER),
    ):
        async with factory() as uow:
            await identity.create_organization(uow=uow, name=name, kind=kind)
            await uow.commit()
    async with factory() as uow:
        rows = await uow.fetch_all(
            statement, {"kinds": [OrganizationKind.PAYER]}, generic_plan=True
        )
    assert [r.name for r in rows] == ["A payer"]


async def test_driver_work_then_the_session_share_one_connection_and_transaction(database, clock):
    """A session made after work at the driver's level works on that work's connection, and
    commits (or on an error rolls back) as any unit of work does."""
    from sqlalchemy import func, select

    from domain.identity.models import Organization as Org

    backend = (
        select(func.pg_backend_pid().label("pid"))
        if database.engine.dialect.name == "postgresql"
        else select(func.count(Org.id).label("pid"))
    )
    factory = database.uow_factory()
    async with factory() as uow:
        (driver,) = await uow.fetch_all(backend, {})
        uow.session.add(_org(clock, "1234567893"))
        assert await uow.session.scalar(backend) == driver.pid
        await uow.commit()
    with pytest.raises(RuntimeError):
        async with factory() as uow:
            await uow.fetch_all(backend, {})
            uow.session.add(_org(clock, "1245319599"))
            await uow.session.flush()
            raise RuntimeError("after the write, before the commit")
    async with factory() as uow:
        npis = set(await uow.session.scalars(select(Org.npi)))
    assert npis == {"1234567893"}


async def test_fetch_all_runs_meanwhile_once_while_the_database_answers(database, caplog):
    import logging

    from sqlalchemy import literal_column, select

    statement = select(literal_column("1").label("one"))
    ran: list[str] = []
    async with database.uow_factory(read_only=True)() as uow:
        rows = await uow.fetch_all(statement, {}, meanwhile=lambda: ran.append("meanwhile"))
    assert [r.one for r in rows] == [1] and ran == ["meanwhile"]

    def failing() -> None:
        raise ValueError("not the rows' business")

    with caplog.at_level(logging.ERROR, logger="db.uow"):
        async with database.uow_factory(read_only=True)() as uow:
            rows = await uow.fetch_all(statement, {}, meanwhile=failing)
    assert [r.one for r in rows] == [1]
    assert "not the rows' business" in caplog.text


async def test_fetch_all_gives_typed_columns_as_the_session_does(database, clock):
    """On SQLite the driver's rows hold what SQLite keeps (text for dates and UUIDs): each
    column goes through its type's result processor, so the rows hold what the session's
    would; on PostgreSQL the driver decodes them itself, to the same values."""
    from sqlalchemy import select

    factory = database.uow_factory()
    async with factory() as uow:
        uow.session.add(_org(clock, "1234567893"))
        await uow.commit()
    table = Organization.__table__
    statement = select(table.c.id, table.c.created_at, table.c.npi, table.c.name).where(
        table.c.npi == "1234567893"
    )
    async with factory() as uow:
        (row,) = await uow.fetch_all(statement, {})
    async with factory() as uow:
        (expected,) = (await uow.session.execute(statement)).all()
    assert (row.id, row.created_at, row.npi, row.name) == tuple(expected)
    assert uuid.UUID(str(row.id)) == expected.id and row.created_at.tzinfo is not None


async def test_a_sqlite_unit_of_work_that_reads_and_writes_calls_its_thread_twice(
    database, clock, monkeypatch
):
    """A read at the driver's level and `commit_rows` are one call each to aiosqlite's
    thread; nothing else goes there (no session's commit, no rollback as the connection goes
    back to the pool: it has no transaction open). Through the session a read alone took four."""
    import aiosqlite.core
    from sqlalchemy import select

    if database.engine.dialect.driver != "aiosqlite":
        pytest.skip("aiosqlite's thread")
    calls: list[object] = []
    real = aiosqlite.core.Connection._execute

    async def counted(self, fn, *args, **kwargs):
        calls.append(fn)
        return await real(self, fn, *args, **kwargs)

    table = Organization.__table__
    row = _org_row(clock, "1234567893")
    async with database.uow_factory()() as uow:
        await uow.fetch_all(select(table.c.id), {})  # the pool's first connection
    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", counted)
    async with database.uow_factory()() as uow:
        assert await uow.fetch_all(select(table.c.id), {}) == []
        await uow.commit_rows([(table, [row])])
    assert len(calls) == 2
    monkeypatch.setattr(aiosqlite.core.Connection, "_execute", real)
    async with database.uow_factory()() as uow:
        assert [r.id for r in await uow.fetch_all(select(table.c.id), {})] == [row["id"]]


async def test_a_sqlite_connection_given_back_with_a_transaction_open_is_rolled_back(
    database, clock
):
    """The pool's reset of SQLite connections skips the rollback only where no transaction is
    open: a write left uncommitted is still undone when its connection goes back."""
    from sqlalchemy import func, insert, select

    if database.engine.dialect.driver != "aiosqlite":
        pytest.skip("the SQLite pool's reset")
    table = Organization.__table__
    row = _org_row(clock, "1234567893")
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        sqlite = raw.driver_connection._conn
        await raw.driver_connection.execute(*_compiled(insert(table).values(row), connection))
        assert sqlite.in_transaction  # begun by sqlite3 before the INSERT, never committed
    assert not sqlite.in_transaction
    async with database.engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(table))).scalar() == 0


def _org_row(clock, npi: str) -> dict[str, object]:
    return {
        "id": uuid.uuid4(),
        "name": "Clinic",
        "kind": OrganizationKind.PROVIDER,
        "npi": npi,
        "payer_id": None,
        "active": True,
        "created_at": clock.now(),
        "updated_at": clock.now(),
    }


def _compiled(statement, connection) -> tuple[str, list[object]]:
    compiled = statement.compile(dialect=connection.dialect)
    params = compiled.construct_params()
    processors = compiled._bind_processors
    values = []
    for name in compiled.positiontup:
        value = params[name]
        process = processors.get(name)
        values.append(process(value) if process else value)
    return compiled.string, values
