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
