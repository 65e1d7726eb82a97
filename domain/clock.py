"""Time is timezone-aware UTC and comes from a clock that tests can set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol

from domain.errors import DomainError, ErrorCode


def require_aware(value: datetime | None, field: str) -> None:
    """Instants from callers must say their offset; a naive time is ambiguous."""
    if value is not None and value.tzinfo is None:
        raise DomainError(
            ErrorCode.INVALID, "Give the time with its offset, e.g. 2026-01-15T09:00:00Z", field
        )


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move (tests, simulations)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._at = self._at + delta
