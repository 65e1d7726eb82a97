"""The unit of work port: one transaction per use case; events are published after commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from domain.clock import Clock
from domain.events import DomainEvent

# How PostgreSQL plans a prepared statement: afresh for its values on every execution
# (custom), or once for any values (generic).
PlanMode = Literal["force_custom_plan", "force_generic_plan"]


class UnitOfWork(Protocol):
    """Implemented by db.uow.SqlAlchemyUnitOfWork; `session` is an AsyncSession."""

    clock: Clock
    dialect: str
    correlation_id: str | None

    @property
    def session(self) -> Any: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...

    def record(self, event: DomainEvent) -> None: ...

    async def fetch_all(
        self,
        statement: Any,
        parameters: Mapping[str, Any],
        *,
        generic_plan: bool = False,
        meanwhile: Callable[[], None] | None = None,
    ) -> list[Any]: ...

    async def plan_statements(self, mode: PlanMode | None = None) -> None: ...

    async def commit_rows(
        self,
        batches: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
        *,
        meanwhile: Callable[[], None] | None = None,
    ) -> str | None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
