"""SQLAlchemy implementation of the unit of work port."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from domain.clock import Clock
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent, EventBus

log = logging.getLogger(__name__)


def _conflict() -> DomainError:
    return DomainError(
        ErrorCode.CONFLICT, "The change conflicts with another one; reload and try again"
    )


class SqlAlchemyUnitOfWork:
    """One AsyncSession and transaction; committed events go to the bus after commit."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        gate: asyncio.Semaphore | None = None,
        clock: Clock,
        bus: EventBus | None,
        dialect: str,
        correlation_id: str | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.clock = clock
        self._bus = bus
        self.dialect = dialect
        self.correlation_id = correlation_id
        self._events: list[DomainEvent] = []
        self._gate = gate

    async def __aenter__(self) -> Self:
        if self._gate is not None:
            await self._gate.acquire()
        self.session = self._sessionmaker()
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
        try:
            if exc_type is not None:
                await self.session.rollback()
        finally:
            await self.session.close()
            if self._gate is not None:
                self._gate.release()
        if isinstance(exc, IntegrityError | StaleDataError):
            # Raised at a flush before commit: a concurrent change won a race (a unique key,
            # or a row whose version moved on since it was read).
            raise _conflict() from exc

    def record(self, event: DomainEvent) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        try:
            await self.session.commit()
        except (IntegrityError, StaleDataError) as error:
            # A concurrent change won a race that the service's own checks could not see.
            await self.session.rollback()
            raise _conflict() from error
        events, self._events = self._events, []
        if events and self._bus is not None:
            try:
                await self._bus.publish(events)
            except Exception:
                # The database is the source of truth: a bus failure delays live updates only.
                log.exception("event bus publish failed", extra={"events": len(events)})

    async def rollback(self) -> None:
        await self.session.rollback()
        self._events = []


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
        self.read_sessionmaker = async_sessionmaker(
            engine.execution_options(isolation_level="AUTOCOMMIT"),
            expire_on_commit=False,
            autoflush=False,
        )

    def uow_factory(
        self, correlation_id: str | None = None, *, read_only: bool = False
    ) -> Callable[[], SqlAlchemyUnitOfWork]:
        """A factory the request context hands to services: each call is a fresh unit of work.

        `read_only` units see each statement's own snapshot and must not write."""
        sessionmaker = self.read_sessionmaker if read_only else self.sessionmaker

        def factory() -> SqlAlchemyUnitOfWork:
            return SqlAlchemyUnitOfWork(
                sessionmaker,
                gate=self.gate,
                clock=self.clock,
                bus=self.bus,
                dialect=self.dialect,
                correlation_id=correlation_id,
            )

        return factory

    async def dispose(self) -> None:
        await self.engine.dispose()
