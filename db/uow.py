"""SQLAlchemy implementation of the unit of work port."""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
import uuid
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

import asyncpg
import orjson
from sqlalchemy import bindparam, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import sqltypes

from domain.clock import Clock
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent, EventBus
from domain.numbers import (
    NUMBER_DIGITS,
    NextNumber,
    NumberSequence,
    number_upsert,
    take_number,
)
from domain.uow import PlanMode

log = logging.getLogger(__name__)

# What a pooled PostgreSQL connection's record knows of its plan_cache_mode: the mode it was
# configured with at connect (db.engine) and the one it has now, when known.
PLAN_DEFAULT_KEY = "carebridge_plan_cache_default"
PLAN_MODE_KEY = "carebridge_plan_cache_mode"
PLAN_MODES = frozenset({"auto", "force_custom_plan", "force_generic_plan"})


def _conflict() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT, "The change conflicts with another one; reload and try again"
    )


class SqlAlchemyUnitOfWork:
    """One AsyncSession and transaction; committed events go to the bus after commit.

    The session is made on first use. Work at the driver's level (`fetch_all`,
    `plan_statements`, `commit_rows`) that comes first on PostgreSQL takes a pooled connection
    of its own, without a session; a session made afterwards works on that same connection."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        engine: AsyncEngine | None = None,
        gate: asyncio.Semaphore | None = None,
        clock: Clock,
        bus: EventBus | None,
        dialect: str,
        correlation_id: str | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._engine = engine  # the sessionmaker's own, for work that needs no session
        self.clock = clock
        self._bus = bus
        self.dialect = dialect
        self.correlation_id = correlation_id
        self._events: list[DomainEvent] = []
        self._gate = gate
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.acquire()
        self._session = None
        self._connection = None
        self._events = []
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing returns the connection, which rolls back whatever was not committed, and
        # detaches loaded objects without expiring them (read-only work stays readable).
        session, connection = self._session, self._connection
        try:
            if exc_type is not None and session is not None:
                await session.rollback()
        finally:
            try:
                if session is not None:
                    await session.close()
            finally:
                if connection is not None:
                    await connection.close()
                if self._gate is not None:
                    self._gate.release()
        if isinstance(exc, IntegrityError | StaleDataError):
            # Raised at a flush before commit: a concurrent change won a race (a unique key,
            # or a row whose version moved on since it was read).
            raise _conflict() from exc

    @property
    def session(self) -> AsyncSession:
        """The unit of work's session, made on first use (on the connection that work at the
        driver's level already holds, if it does)."""
        if self._session is None:
            if self._connection is not None:
                self._session = self._sessionmaker(bind=self._connection)
            else:
                self._session = self._sessionmaker()
        return self._session

    async def _driver_connection(self) -> AsyncConnection:
        """The connection for work at the driver's level: the session's, if there is one (or
        elsewhere than on asyncpg); else one of this unit's own, without a session."""
        if self._connection is not None:
            return self._connection
        if self._session is not None or self._engine is None or self.dialect not in _OWN:
            return await self.session.connection()
        self._connection = await self._engine.connect()
        return self._connection

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def fetch_all(
        self,
        statement: Any,
        parameters: Mapping[str, Any],
        *,
        generic_plan: bool = False,
        meanwhile: Callable[[], None] | None = None,
    ) -> list[Any]:
        """The rows of a long-lived statement (built once, e.g. cached by its builder) run by
        the driver itself on this unit of work's connection, in its transaction if it has one:
        compiled once, no ORM result processing (columns come as the driver decodes them).

        `generic_plan`: on PostgreSQL, plan it once per connection (its best plan does not
        depend on its parameters' values) instead of on every execution. `meanwhile` runs
        once while the database answers, as in `commit_rows`."""
        connection = await self._driver_connection()
        driver = _DriverStatement.of(statement, connection.dialect)
        raw = None if driver is None else await connection.get_raw_connection()
        if (
            driver is None
            or raw is None
            or (driver.results is not None and not _sqlite_in_one_call(raw.driver_connection))
        ):
            result = await self.session.execute(statement, dict(parameters))
            if meanwhile is not None:
                _run_meanwhile(meanwhile)
            return list(result.all())
        arguments = driver.arguments(parameters)
        # Listeners of the engine's statements (instrumentation, the tests' counters) see it.
        sync = connection.sync_connection
        assert sync is not None
        dispatch = sync.dispatch
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(sync, None, driver.sql, tuple(arguments), None, False)
        if driver.results is not None:  # SQLite: one call to aiosqlite's thread
            return driver.sqlite_rows(
                await _while_fetching(
                    _sqlite_fetch(raw.driver_connection, driver, arguments), meanwhile
                )
            )
        pg: Any = raw.driver_connection
        if generic_plan:
            await self._plan_mode(raw, "force_generic_plan")
        return driver.rows(await _while_fetching(pg.fetch(driver.sql, *arguments), meanwhile))

    async def plan_statements(self, mode: PlanMode | None = None) -> None:
        """On PostgreSQL, plan this unit of work's statements as `mode` says, or as the
        service's connections are configured to (`None`: CAREBRIDGE_DATABASE_PLAN_CACHE_MODE);
        elsewhere nothing."""
        if self.dialect != "postgresql":
            return
        connection = await self._driver_connection()
        await self._plan_mode(await connection.get_raw_connection(), mode)

    @staticmethod
    async def _plan_mode(raw: Any, mode: PlanMode | None) -> None:
        """`plan_cache_mode` as `mode` for what runs next on this connection. Outside a
        transaction it is set for the connection, which keeps it (and the pool remembers it
        with the connection), so it is sent only when it changes; inside one it is SET LOCAL
        (a rollback would undo a plain SET without the pool knowing)."""
        info, pg = raw.info, raw.driver_connection
        mode = mode or info.get(PLAN_DEFAULT_KEY)
        if mode not in PLAN_MODES:
            return  # a connection this module did not configure: leave it as it is
        if info.get(PLAN_MODE_KEY) == mode:
            return
        if pg.is_in_transaction():
            await pg.execute(f"SET LOCAL plan_cache_mode = {mode}")
            return
        info.pop(PLAN_MODE_KEY, None)  # unknown until the server has it
        await pg.execute(f"SET plan_cache_mode = {mode}")
        info[PLAN_MODE_KEY] = mode

    async def commit_rows(
        self,
        batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
        *,
        meanwhile: Callable[[], None] | None = None,
    ) -> str | None:
        """Insert each table's rows (each row a value for every column but a counter key) as
        this unit of work's last writes, in the order given, and commit it: the same as adding
        them and committing, in as few round trips as the database allows. A `NextNumber`
        among the values (at most one) is replaced by that number, taken in the same
        transaction and returned; a rejected row (a key taken meanwhile) writes nothing and
        takes no number.

        On PostgreSQL the rows go in one statement (one INSERT per table, each table's rows
        as one JSON parameter, the number taken in it too): when the unit of
        work has written nothing before, that statement is the whole transaction, with no
        BEGIN or COMMIT to wait for. On SQLite the number's upsert, one executemany per
        table and the commit, in one call to aiosqlite's thread; elsewhere the same through
        the session.

        `meanwhile` runs once, while the database writes the rows (on PostgreSQL once the
        statement is sent, on SQLite while aiosqlite's thread writes them: the caller's work,
        an answer say, and the database's overlap), so
        before it is known whether they are committed; what it raises is logged and goes no
        further, the rows' fate being no business of it."""
        batches = [(table, list(rows)) for table, rows in batches if rows]
        slot = _number_slot(batches)
        session = self._session
        if session is not None and (session.new or session.dirty or session.deleted):
            await session.flush()  # its writes begin the transaction the rows join
        connection = await self._driver_connection()
        sync = connection.sync_connection
        assert sync is not None
        dispatch = sync.dispatch
        number: str | None = None
        if batches and connection.dialect.driver == "asyncpg":
            raw = await connection.get_raw_connection()
            pg: Any = raw.driver_connection
            tables = tuple(t for t, _ in batches)
            numbered = (slot[0], slot[2]) if slot else None
            statement = _RowsInsert.of(tables, numbered, connection.dialect)
            arguments = statement.arguments([rows for _, rows in batches], slot)
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(
                    sync, None, statement.sql, tuple(arguments), None, False
                )
            try:
                value = await _while_fetching(pg.fetchval(statement.sql, *arguments), meanwhile)
            except asyncpg.IntegrityConstraintViolationError as error:
                raise _conflict() from error  # as the session's IntegrityError would be
            if slot is not None:
                number = slot[3].format(int(value))
            await self.commit()
            return number
        if batches and connection.dialect.driver == "aiosqlite":
            raw = await connection.get_raw_connection()
            if _sqlite_in_one_call(raw.driver_connection):
                # The writes and their commit run on aiosqlite's thread while `meanwhile`
                # runs here (sqlite3 lets go of the GIL while SQLite works).
                writing = _sqlite_insert(raw.driver_connection, sync, batches, slot)
                number = await _while_fetching(writing, meanwhile)
                await self.commit()  # the session's: nothing left for it to write
                return number
        if slot is not None:
            position, index, key, wanted = slot
            number = await take_number(uow=self, number=wanted)
            numbered_rows = list(batches[position][1])
            numbered_rows[index] = {**numbered_rows[index], key: number}
            batches[position] = (batches[position][0], numbered_rows)
        for table, rows in batches:
            try:
                await self.session.execute(insert(table), [dict(row) for row in rows])
            except IntegrityError as error:
                raise _conflict() from error  # the unit's exit rolls it all back
        if meanwhile is not None:
            _run_meanwhile(meanwhile)
        await self.commit()
        return number

    async def commit(self) -> None:
        # Without a session, nothing is pending: driver statements outside a transaction
        # (on this unit's own connection) committed themselves.
        session = self._session
        if session is not None:
            try:
                await session.commit()
            except (IntegrityError, StaleDataError) as error:
                # A concurrent change won a race that the service's own checks could not see.
                await session.rollback()
                raise _conflict() from error
        events, self._events = self._events, []
        if events and self._bus is not None:
            try:
                await self._bus.publish(events)
            except Exception:
                # The database is the source of truth: a bus failure delays live updates only.
                log.exception("event bus publish failed", extra={"events": len(events)})

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()
        self._events = []


_GIVEN = object()
# Where work at the driver's level takes a connection of its own when no session is made.
_OWN = frozenset({"postgresql", "sqlite"})


class _DriverStatement:
    """A statement compiled for the driver (asyncpg, or aiosqlite for a SELECT): its text,
    its parameters in order with their bind processors, a row type with its columns' names,
    and on SQLite each column's result processor (`results`), so that its rows hold what the
    session's would (SQLite keeps dates, UUIDs and decimals as text or numbers)."""

    _cache: dict[tuple[int, str], tuple[Any, _DriverStatement | None]] = {}

    def __init__(self, compiled: Any) -> None:
        dialect = compiled.dialect
        self.sql = compiled.string
        self.params = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            given = bind.required or bind.callable is not None
            default = _GIVEN if given else bind.effective_value  # a value built in
            self.params.append((name, default, bind.type._cached_bind_processor(dialect)))
        self.row_type: Any = None
        self.results: list[Callable[[Any], Any] | None] | None = None

    @classmethod
    def of(cls, statement: Any, dialect: Dialect) -> _DriverStatement | None:
        """None where the driver is neither asyncpg nor aiosqlite (or, on SQLite, the
        statement is not a SELECT), or the statement has parameters only an execution can
        shape (an expanding IN list): the session runs those."""
        key = (id(statement), dialect.driver)
        entry = cls._cache.get(key)
        if entry is not None and entry[0] is statement:
            return entry[1]
        found = None
        sqlite = dialect.driver == "aiosqlite"
        if dialect.driver == "asyncpg" or (sqlite and getattr(statement, "is_select", False)):
            compiled = statement.compile(dialect=dialect)
            # An expanding IN list (or a value rendered inline) is shaped per execution, by
            # the session: such a statement takes the session's path.
            if not any(b.expanding or b.literal_execute for b in compiled.binds.values()):
                found = cls(compiled)
                if sqlite:
                    found.results = [
                        column.type._cached_result_processor(dialect, None)
                        for column in compiled._result_columns
                    ]
        if len(cls._cache) >= 256:
            cls._cache.clear()
        cls._cache[key] = (statement, found)
        return found

    def arguments(self, parameters: Mapping[str, Any]) -> list[Any]:
        values = []
        for name, default, process in self.params:
            value = parameters[name] if default is _GIVEN else parameters.get(name, default)
            values.append(value if process is None else process(value))
        return values

    def rows(self, records: list[Any]) -> list[Any]:
        if not records:
            return []
        if self.row_type is None:
            self.row_type = namedtuple("Row", list(records[0].keys()), rename=True)  # type: ignore[misc]
        make = self.row_type._make
        return [make(record.values()) for record in records]

    def sqlite_rows(self, fetched: tuple[list[str], list[tuple[Any, ...]]]) -> list[Any]:
        names, records = fetched
        if not records:
            return []
        if self.row_type is None:
            self.row_type = namedtuple("Row", names, rename=True)  # type: ignore[misc]
        make, results = self.row_type._make, self.results or ()
        if len(results) != len(names):
            raise RuntimeError(f"{len(names)} columns where {len(results)} were compiled")
        if not any(results):
            return [make(record) for record in records]
        return [
            make(v if p is None else p(v) for p, v in zip(results, record, strict=True))
            for record in records
        ]


@functools.cache
def _row_insert(table: Any, dialect: Dialect) -> _DriverStatement:
    """An INSERT of one row taking every column (but a counter key), compiled for `dialect`."""
    columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
    values = {c.key: bindparam(c.key, type_=c.type, required=True) for c in columns}
    return _DriverStatement(insert(table).values(values).inline().compile(dialect=dialect))


@functools.cache
def _number_upsert(dialect: Dialect) -> _DriverStatement:
    """`domain.numbers`' upsert compiled for `dialect`, to run by the driver itself."""
    return _DriverStatement(number_upsert(dialect.name).compile(dialect=dialect))


def _sqlite_in_one_call(driver: Any) -> bool:
    """Whether aiosqlite lets a function run on its connection's thread (its `_execute`, with
    the sqlite3 connection as `_conn`): every write of `commit_rows` then goes in one hop to
    that thread and back instead of one per statement."""
    return callable(getattr(driver, "_execute", None)) and hasattr(type(driver), "_conn")


async def _sqlite_fetch(
    driver: Any, statement: _DriverStatement, arguments: list[Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A SELECT's column names and rows, in one call on aiosqlite's thread (the session's
    execution takes a hop there and back for each of cursor, execute, fetch and close)."""

    def read(connection: sqlite3.Connection) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor = connection.execute(statement.sql, arguments)
        try:
            return [column[0] for column in cursor.description or ()], cursor.fetchall()
        finally:
            cursor.close()

    fetched: tuple[list[str], list[tuple[Any, ...]]] = await driver._execute(
        lambda: read(driver._conn)
    )
    return fetched


async def _sqlite_insert(
    driver: Any,
    sync: Any,
    batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
    slot: tuple[int, int, str, NextNumber] | None,
) -> str | None:
    """`commit_rows`' writes on SQLite in one call on aiosqlite's thread: the number's upsert,
    then each table's executemany, in the connection's transaction (which sqlite3 begins
    before the first write, if the session has not), then its commit (the session's own
    commit after it finds nothing left to do); a refused row rolls it all back."""
    dialect = sync.dialect
    statements = []
    for position, (table, rows) in enumerate(batches):
        insert_row = _row_insert(table, dialect)
        arguments = [insert_row.arguments(row) for row in rows]
        place = None
        if slot is not None and slot[0] == position:
            names = [name for name, _, _ in insert_row.params]
            place = (slot[1], names.index(slot[2]))
        statements.append((insert_row.sql, arguments, place))
    take = None
    if slot is not None:
        upsert = _number_upsert(dialect)
        take = (upsert.sql, upsert.arguments({"name": slot[3].sequence, "count": 1}))
    # Listeners hear each statement here, on the event loop's thread, before the call (the
    # numbered row's number still to take).
    if sync.dispatch.before_cursor_execute:
        if take is not None:
            sync.dispatch.before_cursor_execute(sync, None, take[0], take[1], None, False)
        for sql, arguments, _ in statements:
            sync.dispatch.before_cursor_execute(sync, None, sql, arguments, None, True)

    def write(connection: sqlite3.Connection) -> str | None:
        number = None
        try:
            if take is not None:
                assert slot is not None
                (value,) = connection.execute(*take).fetchone()
                number = slot[3].format(int(value))
            for sql, arguments, place in statements:
                if place is not None:
                    arguments[place[0]][place[1]] = number
                connection.executemany(sql, arguments)
        except sqlite3.IntegrityError:
            connection.rollback()  # nothing of it stays, the number neither
            raise
        connection.commit()
        return number

    try:
        number: str | None = await driver._execute(lambda: write(driver._conn))
    except sqlite3.IntegrityError as error:
        raise _conflict() from error
    return number


async def _while_fetching(fetching: Any, meanwhile: Callable[[], None] | None) -> Any:
    """`fetching`'s answer, `meanwhile` run once its statement has gone out."""
    if meanwhile is None:
        return await fetching
    task = asyncio.ensure_future(fetching)
    try:
        await asyncio.sleep(0)  # the task sends the statement, then waits for its answer
        _run_meanwhile(meanwhile)
        return await task
    finally:
        task.cancel()  # nothing once it is done; else (this one cancelled) the statement too


def _run_meanwhile(meanwhile: Callable[[], None]) -> None:
    try:
        meanwhile()
    except Exception:
        log.exception("work meanwhile a write failed")


def _number_slot(
    batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
) -> tuple[int, int, str, NextNumber] | None:
    """Where the `NextNumber` of `commit_rows` is: the table's position, the row's, the column."""
    found = None
    for position, (_, rows) in enumerate(batches):
        for index, row in enumerate(rows):
            for key, value in row.items():
                if type(value) is NextNumber:
                    if found is not None:
                        raise ValueError("commit_rows takes one number at most")
                    found = (position, index, key, value)
    return found


class _RowsInsert:
    """One statement inserting into several tables (a data-modifying WITH per table, foreign
    keys checked at its end): each table's rows as one JSON parameter (one object per row,
    encoded by orjson), turned back into typed rows by `json_to_recordset` with the columns'
    own types (a JSON column's value travels as its serialized text, as its bind processor
    makes it). With a numbered column (the table's position and the column's key), the
    counter's upsert comes first and that column of the row the number is for takes it,
    formatted as `format_number` does; the statement answers the value."""

    _cache: dict[tuple[Any, ...], _RowsInsert] = {}

    def __init__(
        self, tables: tuple[Any, ...], numbered: tuple[int, str] | None, dialect: Dialect
    ) -> None:
        quote = dialect.identifier_preparer.quote
        parts = []
        self.tables: list[list[tuple[str, str, Any]]] = []
        counter: Any = NumberSequence.__table__
        name, last = (quote(c.name) for c in (counter.c.name, counter.c.last_value))
        given = 0
        if numbered is not None:
            # $1 the counter's name, $2 the numbered row's ordinal, $3 the number's prefix.
            parts.append(
                f"n AS (INSERT INTO {quote(counter.name)} ({name}, {last}) "  # noqa: S608
                f"VALUES ($1::varchar, 1) ON CONFLICT ({name}) DO UPDATE "
                f"SET {last} = {quote(counter.name)}.{last} + 1 RETURNING {last})"
            )
            given = 3
        for position, table in enumerate(tables):
            columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True)]
            encoders, declared, chosen = [], [], []
            for index, column in enumerate(columns):
                label = f"c{index}"
                kind = column.type.compile(dialect)
                is_json = isinstance(column.type, sqltypes.JSON)
                declared.append(f"{label} {'text' if is_json else kind}")
                value = f"u.{label}::{kind}" if is_json else f"u.{label}"
                if numbered == (position, column.key):
                    value = (
                        f"CASE WHEN u.o = $2::bigint THEN (SELECT $3::varchar || "  # noqa: S608
                        f"lpad({last}::text, greatest({NUMBER_DIGITS}, length({last}::text)),"
                        f" '0') FROM n) ELSE {value} END"
                    )
                chosen.append(value)
                encoders.append((label, column.key, column.type._cached_bind_processor(dialect)))
            self.tables.append(encoders)
            names = ", ".join(quote(c.name) for c in columns)
            # Only the tables' own names and column types go into the text; values are bound.
            parts.append(
                f"t{position} AS (INSERT INTO {quote(table.name)} ({names}) "  # noqa: S608
                f"SELECT {', '.join(chosen)} FROM ROWS FROM (json_to_recordset("
                f"${given + position + 1}::json) AS ({', '.join(declared)})) "
                f"WITH ORDINALITY AS u({', '.join(e[0] for e in encoders)}, o))"
            )
        answer = f"(SELECT {last} FROM n)" if numbered is not None else "1"  # noqa: S608
        self.sql = f"WITH {', '.join(parts)} SELECT {answer}"

    @classmethod
    def of(
        cls, tables: tuple[Any, ...], numbered: tuple[int, str] | None, dialect: Dialect
    ) -> _RowsInsert:
        key = (tuple(t.name for t in tables), numbered)
        found = cls._cache.get(key)
        if found is None:
            found = cls._cache[key] = cls(tables, numbered, dialect)
        return found

    def arguments(
        self,
        batches: Sequence[Sequence[Mapping[str, Any]]],
        slot: tuple[int, int, str, NextNumber] | None,
    ) -> list[Any]:
        values: list[Any] = []
        if slot is not None:
            _, index, _, number = slot
            values += [number.sequence, index + 1, number.head]
        for position, (encoders, rows) in enumerate(zip(self.tables, batches, strict=True)):
            objects = [
                {
                    label: row[key] if process is None else process(row[key])
                    for label, key, process in encoders
                }
                for row in rows
            ]
            if slot is not None and slot[0] == position:
                label = next(label for label, key, _ in encoders if key == slot[2])
                objects[slot[1]][label] = None  # the statement's own number goes there
            values.append(orjson.dumps(objects, default=_json_value).decode())
        return values


def _json_value(value: Any) -> Any:
    """What orjson cannot write itself, as PostgreSQL reads it from text."""
    if isinstance(value, Decimal | uuid.UUID):  # the driver's own UUIDs among them
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return "\\x" + bytes(value).hex()
    raise TypeError(f"{type(value).__name__} is not a column value")


class Database:
    """The engine and its session factory, opened once per process."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Clock,
        bus: EventBus | None,
        max_concurrent_units: int | None = None,
    ) -> None:
        self.engine = engine
        # Units of work queue here, first come first served, before they ask the pool for a
        # connection: the pool itself lets newcomers overtake waiters, who then starve.
        self.gate = asyncio.Semaphore(max_concurrent_units) if max_concurrent_units else None
        self.clock = clock
        self.bus = bus
        self.dialect = engine.dialect.name
        self.sessionmaker = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        # Reads that write nothing run without a transaction: no BEGIN and ROLLBACK round trips.
        self.read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read_sessionmaker = async_sessionmaker(
            self.read_engine, expire_on_commit=False, autoflush=False
        )

    def uow_factory(
        self, correlation_id: str | None = None, *, read_only: bool = False
    ) -> Callable[[], SqlAlchemyUnitOfWork]:
        """A factory the request context hands to services: each call is a fresh unit of work.

        `read_only` units see each statement's own snapshot and must not write."""
        sessionmaker = self.read_sessionmaker if read_only else self.sessionmaker
        engine = self.read_engine if read_only else self.engine

        def factory() -> SqlAlchemyUnitOfWork:
            return SqlAlchemyUnitOfWork(
                sessionmaker,
                engine=engine,
                gate=self.gate,
                clock=self.clock,
                bus=self.bus,
                dialect=self.dialect,
                correlation_id=correlation_id,
            )

        return factory

    async def dispose(self) -> None:
        await self.engine.dispose()
