"""Schema migrations (Alembic) as plain functions, for the CLI (`carebridge migrate`) and tests.

No alembic.ini: the Alembic ``Config`` is built here, the scripts live in ``db/migrations``.
Every function is synchronous and runs the async engine on its own event loop. From async code
call them with ``await asyncio.to_thread(upgrade, url)``; called directly inside a running event
loop they still work (they hop to a worker thread) but block that loop until done.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import TypeDecorator
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
REVISION_ID = re.compile(r"^\d{4}$")

T = TypeVar("T")


def normalize_url(database_url: str) -> str:
    """The async driver for a plain URL: postgresql:// -> asyncpg, sqlite:// -> aiosqlite."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+asyncpg")
    elif url.drivername == "sqlite":
        url = url.set(drivername="sqlite+aiosqlite")
    return url.render_as_string(hide_password=False)


def create_migration_engine(database_url: str) -> AsyncEngine:
    """A short-lived engine without pooling; SQLite keeps foreign keys off for batch migrations."""
    url = make_url(normalize_url(database_url))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_async_engine(url, poolclass=NullPool)


def alembic_config(database_url: str) -> Config:
    """The Alembic configuration, built in code."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.set_main_option("path_separator", "os")
    url = normalize_url(database_url)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    return config


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Render our own column types as portable SQLAlchemy types: migrations never import domain/.

    A TypeDecorator (``UTCDateTime``) is written as its implementation type
    (``sa.DateTime(timezone=True)``); everything else takes Alembic's default rendering.
    """
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        module = type(impl).__module__
        if module.startswith("sqlalchemy.") and not module.startswith("sqlalchemy.dialects"):
            return f"sa.{impl!r}"
    return False


def context_options(dialect_name: str) -> dict[str, Any]:
    """Options for Alembic's migration context, shared by env.py and ``pending_model_changes``."""
    return {
        "compare_type": True,
        "compare_server_default": True,
        "render_as_batch": dialect_name == "sqlite",
        "render_item": render_item,
        "user_module_prefix": "sa.",
    }


def _outside_event_loop(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` here, or in a worker thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="carebridge-migrate") as pool:
        return pool.submit(fn, *args, **kwargs).result()


def _with_connection(database_url: str, fn: Callable[[Connection], T]) -> T:
    async def run() -> T:
        engine = create_migration_engine(database_url)
        try:
            async with engine.connect() as conn:
                return await conn.run_sync(fn)
        finally:
            await engine.dispose()

    return _outside_event_loop(asyncio.run, run())


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest)."""
    _outside_event_loop(command.upgrade, alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Downgrade the database to ``revision`` (default: no tables but ``alembic_version``)."""
    _outside_event_loop(command.downgrade, alembic_config(database_url), revision)


def current(database_url: str) -> str | None:
    """The revision the database is at, or None when it has never been migrated."""

    def read(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    return _with_connection(database_url, read)


def head() -> str | None:
    """The newest revision in ``db/migrations/versions``."""
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def pending_model_changes(database_url: str) -> list[Any]:
    """Differences between the models (``domain.registry.metadata``) and the migrations.

    Upgrades the database to head first, then runs Alembic's autogenerate comparison with the
    options the migration environment uses. Empty means the migrations create exactly the
    schema the models describe; anything else needs a new revision (see ``revision``).
    """
    from domain.registry import metadata

    upgrade(database_url, "head")

    def compare(conn: Connection) -> list[Any]:
        context = MigrationContext.configure(conn, opts=context_options(conn.dialect.name))
        return list(compare_metadata(context, metadata))

    return _with_connection(database_url, compare)


def next_revision_id() -> str:
    """The next four-digit revision id: 0001, 0002, ..."""
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    revisions = [rev.revision for rev in script.walk_revisions()]
    numbers = [int(rev) for rev in revisions if REVISION_ID.match(rev)]
    return f"{max(numbers, default=0) + 1:04d}"


def revision(database_url: str, message: str) -> Path:
    """Autogenerate a new revision from the models against ``database_url`` (upgraded to head
    first) and return its path. For developers: review the file before committing it."""
    upgrade(database_url, "head")
    config = alembic_config(database_url)
    script = _outside_event_loop(
        command.revision, config, message=message, autogenerate=True, rev_id=next_revision_id()
    )
    scripts = script if isinstance(script, list) else [script]
    if not scripts or scripts[0] is None:
        raise RuntimeError("alembic produced no revision")
    return Path(scripts[0].path)
