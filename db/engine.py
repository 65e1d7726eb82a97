"""The async engine, tuned per database: pooled asyncpg, or pooled aiosqlite in WAL mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.uow import PLAN_DEFAULT_KEY, PLAN_MODE_KEY
from settings import Settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
    """The pool's reset of a SQLite connection given back (its own reset is off): a rollback
    only where a transaction is open. sqlite3 knows that without a call to aiosqlite's
    thread, and a unit of work that only read, or committed, leaves none: the rollback it
    spares was a hop to that thread and back for each of them."""
    if state.transaction_was_reset or not state.asyncio_safe:
        return
    try:
        if not dbapi_connection.driver_connection._conn.in_transaction:
            return
    except (AttributeError, ValueError):
        pass  # not the aiosqlite this knows, or closed: as the pool would
    dbapi_connection.rollback()


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def create_engine(settings: Settings) -> AsyncEngine:
    """One engine per process; sessions are opened per unit of work and always closed.

    `hide_parameters`: statement parameters are people's data, so they never reach a log or
    an exception message."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            echo=settings.database_echo,
            hide_parameters=True,
            json_serializer=_json_text,
            json_deserializer=orjson.loads,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            connect_args={"timeout": 30},
            pool_reset_on_return=None,  # _sqlite_reset instead
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine.pool, "reset", _sqlite_reset)
        return engine
    mode = settings.database_plan_cache_mode
    engine = create_async_engine(
        url,
        echo=settings.database_echo,
        hide_parameters=True,
        json_serializer=_json_text,
        json_deserializer=orjson.loads,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=settings.database_pool_pre_ping,
        connect_args={"server_settings": {"plan_cache_mode": mode}},
        pool_recycle=1800,
    )

    def remember_plan_mode(dbapi_connection: Any, record: Any) -> None:
        # A statement that needs another mode sets it and the record remembers
        # (UnitOfWork.plan_statements): the connection keeps it across checkouts.
        record.info[PLAN_DEFAULT_KEY] = record.info[PLAN_MODE_KEY] = mode

    event.listen(engine.sync_engine.pool, "connect", remember_plan_mode)
    return engine
