"""How every resolver runs a use case: one unit of work, typed errors into the payload."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from strawberry.types import Info

from domain.errors import DomainError
from domain.identity.rules import Principal
from domain.uow import UnitOfWork
from schema.context import Context
from schema.errors import UserError, to_user_errors

T = TypeVar("T")
R = TypeVar("R")
UseCase = Callable[[UnitOfWork, Principal], Awaitable[T]]


@dataclass
class Outcome(Generic[T]):
    """A mutation's result or the errors that stopped it (never both)."""

    value: T | None = None
    errors: list[UserError] = field(default_factory=list)

    def map(self, convert: Callable[[T], R]) -> R | None:
        return None if self.value is None else convert(self.value)


async def perform(info: Info[Context, None], use_case: UseCase[T]) -> Outcome[T]:
    """Run a mutation's use case; a DomainError becomes the payload's `errors`."""
    context = info.context
    try:
        async with context.uow_factory() as uow:
            return Outcome(value=await use_case(uow, context.actor))
    except DomainError as error:
        return Outcome(errors=to_user_errors(error))


async def read(info: Info[Context, None], use_case: UseCase[T]) -> T:
    """Run a query's use case that may write (the audit trail of a person's record); a
    DomainError surfaces as a GraphQL error with its code."""
    context = info.context
    async with context.uow_factory() as uow:
        return await use_case(uow, context.actor)


async def read_only(info: Info[Context, None], use_case: UseCase[T]) -> T:
    """Run a query's use case that writes nothing, outside any transaction."""
    context = info.context
    async with context.reader_factory() as uow:
        return await use_case(uow, context.actor)


async def read_in_one_statement(info: Info[Context, None], use_case: UseCase[T]) -> T:
    """Run a query's use case whose one write (the audit trail) is part of the statement that
    reads, so atomic by itself: outside a transaction, without BEGIN and COMMIT round trips."""
    context = info.context
    async with context.reader_factory() as uow:
        return await use_case(uow, context.actor)
