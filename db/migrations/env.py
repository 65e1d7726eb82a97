"""Alembic environment for CareBridge: async engine, PostgreSQL (asyncpg) and SQLite (aiosqlite).

Run through ``db.migrate`` (``carebridge migrate``); no alembic.ini is needed. The database URL is
taken, in order, from ``config.attributes["database_url"]``, the config's ``sqlalchemy.url`` and
``settings.load_settings().database_url``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection, make_url

from db.migrate import context_options, create_migration_engine, normalize_url
from domain.registry import metadata
from settings import load_settings

config = context.config
target_metadata = metadata


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return normalize_url(url or load_settings().database_url)


def _options(dialect_name: str) -> dict[str, Any]:
    options = context_options(dialect_name)
    options["target_metadata"] = target_metadata
    directives = config.attributes.get("process_revision_directives")
    if directives is not None:
        options["process_revision_directives"] = directives
    return options


def run_migrations_offline() -> None:
    """Emit SQL instead of running it (``--sql``)."""
    url = _database_url()
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_options(make_url(url).get_backend_name()),
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, **_options(connection.dialect.name))
    with context.begin_transaction():
        context.run_migrations()


async def run_async_migrations() -> None:
    engine = create_migration_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    # db.migrate never enters Alembic on a thread with a running event loop (it hops to a worker
    # thread first), so a fresh loop is always possible here.
    asyncio.run(run_async_migrations())


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
