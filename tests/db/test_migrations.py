"""Alembic migrations against a scratch database of the test backend (PostgreSQL or SQLite).

The scratch database is separate from the session schema the other tests share: a fresh
PostgreSQL database per test (created and dropped here) or a temporary SQLite file.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from db import migrate
from domain.registry import metadata

VERSIONS = migrate.MIGRATIONS_DIR / "versions"


@pytest.fixture
async def scratch_url(tmp_path: Path) -> AsyncIterator[str]:
    base = os.environ.get("CAREBRIDGE_TEST_DATABASE_URL")
    url = make_url(migrate.normalize_url(base)) if base else None
    if url is None or url.get_backend_name() == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"carebridge_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


async def table_names(url: str) -> set[str]:
    engine = migrate.create_migration_engine(url)
    try:
        async with engine.connect() as conn:

            def names(sync_conn: Connection) -> set[str]:
                return set(inspect(sync_conn).get_table_names())

            return await conn.run_sync(names)
    finally:
        await engine.dispose()


def model_tables() -> set[str]:
    return set(metadata.tables)


def assert_no_pending_changes(diffs: list[object]) -> None:
    if diffs:
        pytest.fail(
            "models and migrations differ; add a revision (docs/operations.md, Migrations):\n"
            + "\n".join(f"  {diff!r}" for diff in diffs),
            pytrace=False,
        )


async def assert_tables_are_the_models(url: str) -> None:
    tables = await table_names(url)
    expected = model_tables() | {"alembic_version"}
    assert not expected - tables, f"tables the migrations do not create: {expected - tables}"
    assert not tables - expected, f"tables the models do not have: {tables - expected}"


async def test_upgrade_on_empty_database_creates_every_table(scratch_url: str) -> None:
    assert await table_names(scratch_url) == set()
    assert await asyncio.to_thread(migrate.current, scratch_url) is None

    await asyncio.to_thread(migrate.upgrade, scratch_url)

    await assert_tables_are_the_models(scratch_url)
    assert await asyncio.to_thread(migrate.current, scratch_url) == migrate.head()


async def test_models_and_migrations_agree(scratch_url: str) -> None:
    diffs = await asyncio.to_thread(migrate.pending_model_changes, scratch_url)
    assert_no_pending_changes(diffs)


async def test_downgrade_to_base_and_upgrade_again(scratch_url: str) -> None:
    await asyncio.to_thread(migrate.upgrade, scratch_url, "head")

    await asyncio.to_thread(migrate.downgrade, scratch_url, "base")
    assert await table_names(scratch_url) == {"alembic_version"}
    assert await asyncio.to_thread(migrate.current, scratch_url) is None

    await asyncio.to_thread(migrate.upgrade, scratch_url, "head")
    await assert_tables_are_the_models(scratch_url)
    assert await asyncio.to_thread(migrate.current, scratch_url) == migrate.head()
    diffs = await asyncio.to_thread(migrate.pending_model_changes, scratch_url)
    assert_no_pending_changes(diffs)


def test_sync_entry_points_from_plain_sync_code(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    assert migrate.current(scratch_url) == migrate.head()
    migrate.downgrade(scratch_url)
    assert migrate.current(scratch_url) is None


async def test_entry_points_called_inside_a_running_loop_still_work(scratch_url: str) -> None:
    # Not the recommended way (it blocks the loop), but it must not fail with a nested loop.
    migrate.upgrade(scratch_url)
    assert migrate.current(scratch_url) == migrate.head()


def test_revisions_are_numbered_linear_and_portable() -> None:
    files = sorted(p for p in VERSIONS.glob("*.py") if not p.name.startswith("_"))
    assert files, "no migration scripts"
    assert files[0].name == "0001_initial.py"
    previous: str | None = None
    for number, path in enumerate(files, start=1):
        source = path.read_text()
        revision = f"{number:04d}"
        assert path.name.startswith(f"{revision}_"), path.name
        assert re.search(rf"^revision: str = ['\"]{revision}['\"]$", source, re.M), path.name
        assert re.search(rf"^down_revision: .* = {previous!r}$".replace("'", "['\"]"), source, re.M)
        assert not re.search(r"^\s*(from|import)\s+(domain|db|settings)\b", source, re.M), (
            f"{path.name} imports application code; migrations must stand alone"
        )
        previous = revision
    assert migrate.head() == previous
