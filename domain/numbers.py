"""Human-readable numbers for people to quote on the phone (CASE-2026-000042): one counter per
prefix and year, taken inside the caller's transaction so a rolled-back use case leaves a gap
at worst, never a duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from domain.models import Base
from domain.uow import UnitOfWork


class NumberSequence(Base):
    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_value: Mapped[int] = mapped_column()


# The width a number's value is padded to (a longer value keeps every digit).
NUMBER_DIGITS = 6


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True, slots=True)
class NextNumber:
    """A row's value standing for the next number of `prefix` in `year`, taken as the row is
    written (`UnitOfWork.commit_rows`), in the same transaction."""

    prefix: str
    year: int

    @property
    def sequence(self) -> str:
        """The counter's name (a `NumberSequence` key)."""
        return f"{self.prefix}-{self.year}"

    @property
    def head(self) -> str:
        """What comes before the value."""
        return f"{self.prefix}-{self.year}-"

    def format(self, value: int) -> str:
        return format_number(self.prefix, self.year, value)


async def take_number(*, uow: UnitOfWork, number: NextNumber) -> str:
    """`number` taken now, inside the caller's transaction."""
    return number.format(await _last_taken(uow, number.sequence, 1))


async def next_number(*, uow: UnitOfWork, prefix: str) -> str:
    """The next number of `prefix` this year (see `next_numbers`)."""
    (number,) = await next_numbers(uow=uow, prefix=prefix, count=1)
    return number


async def next_numbers(*, uow: UnitOfWork, prefix: str, count: int) -> list[str]:
    """The next `count` numbers of `prefix` this year, in order, in one upsert: the row lock it
    takes serialises concurrent takers until their transactions end, and the first of a year
    cannot collide."""
    if count <= 0:
        return []
    numbers = NextNumber(prefix, uow.clock.now().year)
    last = await _last_taken(uow, numbers.sequence, count)
    return [numbers.format(value) for value in range(last - count + 1, last + 1)]


async def _last_taken(uow: UnitOfWork, sequence: str, count: int) -> int:
    """The last of `count` values taken from the counter `sequence`, through the session."""
    result = await uow.session.execute(
        number_upsert(uow.dialect), {"name": sequence, "count": count}
    )
    return int(result.scalar_one())


@cache
def number_upsert(dialect_name: str) -> Any:
    """The upsert that takes `count` values of the counter `name` (binds "name", "count") and
    answers the last, built once per dialect."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    count = bindparam("count", type_=Integer)
    statement = dialect.insert(NumberSequence).values(name=bindparam("name"), last_value=count)
    return statement.on_conflict_do_update(
        index_elements=[NumberSequence.name],
        set_={"last_value": NumberSequence.last_value + count},
    ).returning(NumberSequence.last_value)
