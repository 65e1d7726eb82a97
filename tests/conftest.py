"""Shared fixtures: a real database (PostgreSQL or SQLite, by CAREBRIDGE_TEST_DATABASE_URL),
a fixed clock, units of work, and organisations with their users."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import create_engine
from db.uow import Database, SqlAlchemyUnitOfWork
from domain.clock import FixedClock
from domain.identity import service as identity
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.registry import metadata
from settings import Settings

NOW = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)


def _test_database_url(tmp_root: Path) -> str:
    url = os.environ.get("CAREBRIDGE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite+aiosqlite:///{tmp_root / 'carebridge-test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _test_database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, environment="test", log_json=False)


@pytest.fixture(scope="session")
def is_postgres(settings: Settings) -> bool:
    return not settings.is_sqlite


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test that touches the database starts from empty tables."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    tables = [t.name for t in metadata.sorted_tables]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
        else:
            for name in reversed(tables):
                await conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def database(engine: AsyncEngine, clock: FixedClock) -> Database:
    return Database(engine, clock=clock, bus=None)


@pytest.fixture
def uow_factory(database: Database) -> Callable[[], SqlAlchemyUnitOfWork]:
    return database.uow_factory("test-correlation")


class Orgs:
    """Creates organisations and users, and hands out their principals."""

    def __init__(self, uow_factory: Callable[[], SqlAlchemyUnitOfWork]) -> None:
        self._uow_factory = uow_factory

    async def organization(self, name: str, kind: OrganizationKind, **extra: str) -> uuid.UUID:
        async with self._uow_factory() as uow:
            org = await identity.create_organization(uow=uow, name=name, kind=kind, **extra)
            await uow.commit()
            return org.id

    async def user(
        self, organization_id: uuid.UUID, *roles: Role, email: str | None = None
    ) -> Principal:
        async with self._uow_factory() as uow:
            user = await identity.create_user(
                uow=uow,
                organization_id=organization_id,
                email=email or f"{uuid.uuid4().hex[:10]}@example.test",
                display_name="Test User",
                roles=set(roles),
            )
            await uow.commit()
            return await identity.principal_for_user(uow=uow, user_id=user.id)


@pytest.fixture
def orgs(uow_factory: Callable[[], SqlAlchemyUnitOfWork]) -> Orgs:
    return Orgs(uow_factory)
