"""Per-partner rate limits: how many calls a second and how many at once a trading partner
accepts (its record's options `rate_per_second`, `burst`, `max_concurrency`). Polling and
dispatch reserve a slot before each call, so load is spread over time instead of bursting, and
a partner over its limit delays work (the call waits, or the row is rescheduled), never drops it.

The arithmetic is GCRA (the generic cell rate algorithm, a token bucket kept as one
"theoretical arrival time"); the limiters in `adapters/partners/limits.py` keep that time in
the process (the embedded mode) or in Redis (shared by every worker process)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from domain.errors import DomainError, ErrorCode

OPTION_RATE = "rate_per_second"
OPTION_BURST = "burst"
OPTION_CONCURRENCY = "max_concurrency"


@dataclass(frozen=True, slots=True)
class PartnerLimits:
    """`rate_per_second` None is unlimited; `burst` calls may go back to back after a quiet
    spell; `concurrency` None is unlimited."""

    rate_per_second: float | None = None
    burst: int = 1
    concurrency: int | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, object] | None) -> PartnerLimits:
        """From a TradingPartner's options; refuses what cannot be a limit."""
        options = options or {}
        rate = options.get(OPTION_RATE)
        burst = options.get(OPTION_BURST, 1)
        concurrency = options.get(OPTION_CONCURRENCY)
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not rate > 0
        ):
            raise DomainError(ErrorCode.INVALID, "A rate limit is a positive number", OPTION_RATE)
        for value, name in ((burst, OPTION_BURST), (concurrency, OPTION_CONCURRENCY)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise DomainError(ErrorCode.INVALID, "A limit is a whole number", name)
            if value is not None and value < 1:
                raise DomainError(ErrorCode.INVALID, "A limit is at least 1", name)
        assert burst is None or isinstance(burst, int)
        assert concurrency is None or isinstance(concurrency, int)
        return cls(
            rate_per_second=float(rate) if rate is not None else None,
            burst=burst or 1,
            concurrency=concurrency,
        )

    @property
    def interval(self) -> float:
        """Seconds between two calls at the steady rate (0 when unlimited)."""
        return 1.0 / self.rate_per_second if self.rate_per_second else 0.0

    def calls_within(self, seconds: float, *, unlimited: int) -> int:
        """How many calls fit in the next `seconds` (`unlimited` when there is no rate)."""
        if not self.rate_per_second:
            return unlimited
        return max(1, math.floor(self.rate_per_second * seconds) + self.burst)


@dataclass(frozen=True, slots=True)
class Reservation:
    """`granted`: a slot is held and the call may start after `wait` seconds. Otherwise nothing
    is held and the next slot is `wait` seconds away."""

    granted: bool
    wait: float


def gcra(
    tat: float, now: float, limits: PartnerLimits, max_wait: float
) -> tuple[Reservation, float]:
    """One reservation against the theoretical arrival time `tat`: the answer and the new tat
    (unchanged when refused). Times in seconds on any one clock."""
    interval = limits.interval
    if interval == 0:
        return Reservation(True, 0.0), tat
    tat = max(tat, now)
    allowed_at = max(now, tat - (limits.burst - 1) * interval)
    wait = allowed_at - now
    if wait > max_wait:
        return Reservation(False, wait), tat
    return Reservation(True, wait), tat + interval


class RateLimiter(Protocol):
    """Rate and concurrency limits kept per partner (in the process or shared in Redis)."""

    async def reserve(self, key: str, limits: PartnerLimits, *, max_wait: float) -> Reservation:
        """A slot at most `max_wait` seconds away, or a refusal saying how far the next is."""
        ...

    async def acquire(self, key: str, limits: PartnerLimits, *, lease_seconds: float) -> str | None:
        """One of the partner's concurrent calls (a lease that lapses after `lease_seconds`,
        so a killed worker's call frees itself), or None when all are taken."""
        ...

    async def release(self, key: str, lease: str) -> None: ...
