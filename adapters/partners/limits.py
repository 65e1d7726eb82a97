"""The rate limiters behind `domain.partners.limits.RateLimiter`: in the process (the embedded
mode: one API process dispatches and polls) and in Redis (every worker process shares each
partner's limit). Redis keeps GCRA's theoretical arrival time per partner and the leases of its
concurrent calls, each changed by one Lua script on Redis's own clock, so workers on different
machines agree without synchronised clocks."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from domain.partners.limits import PartnerLimits, RateLimiter, Reservation, gcra

# How long to wait between two tries for a concurrent call when all are taken.
_SLOT_RETRY_SECONDS = 0.02


class LocalRateLimiter:
    """Limits kept in this process (one event loop)."""

    def __init__(self) -> None:
        self._tat: dict[str, float] = {}
        self._leases: dict[str, dict[str, float]] = {}

    async def reserve(self, key: str, limits: PartnerLimits, *, max_wait: float) -> Reservation:
        now = time.monotonic()
        reservation, self._tat[key] = gcra(self._tat.get(key, now), now, limits, max_wait)
        return reservation

    async def acquire(self, key: str, limits: PartnerLimits, *, lease_seconds: float) -> str | None:
        now = time.monotonic()
        leases = {k: v for k, v in self._leases.get(key, {}).items() if v > now}
        self._leases[key] = leases
        if limits.concurrency is not None and len(leases) >= limits.concurrency:
            return None
        lease = uuid.uuid4().hex
        leases[lease] = now + lease_seconds
        return lease

    async def release(self, key: str, lease: str) -> None:
        self._leases.get(key, {}).pop(lease, None)


# KEYS[1]: the partner's theoretical arrival time (microseconds on Redis's clock).
# ARGV: interval, tolerance ((burst - 1) * interval), max wait; all in microseconds.
# Returns {granted (0|1), wait in microseconds}.
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allowed = tat - tolerance
if allowed < now then allowed = now end
local wait = allowed - now
if wait > max_wait then return {0, wait} end
local new = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.ceil((new - now) / 1000) + 1000)
return {1, wait}
"""

# KEYS[1]: the partner's leases (a sorted set scored by expiry in milliseconds).
# ARGV: the limit, the lease's length in milliseconds, its id. Returns 1 when taken.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""


class RedisRateLimiter:
    """Limits shared by every process that uses this Redis."""

    def __init__(self, url: str, *, prefix: str = "carebridge:limits") -> None:
        self._redis = Redis.from_url(url)
        self._prefix = prefix
        self._gcra = self._redis.register_script(_GCRA)
        self._acquire = self._redis.register_script(_ACQUIRE)

    async def reserve(self, key: str, limits: PartnerLimits, *, max_wait: float) -> Reservation:
        interval = limits.interval
        if interval == 0:
            return Reservation(True, 0.0)
        granted, wait = await self._gcra(
            keys=[f"{self._prefix}:{key}:rate"],
            args=[
                int(interval * 1e6),
                int((limits.burst - 1) * interval * 1e6),
                int(max_wait * 1e6),
            ],
        )
        return Reservation(bool(granted), int(wait) / 1e6)

    async def acquire(self, key: str, limits: PartnerLimits, *, lease_seconds: float) -> str | None:
        lease = uuid.uuid4().hex
        if limits.concurrency is None:
            return lease
        taken = await self._acquire(
            keys=[f"{self._prefix}:{key}:slots"],
            args=[limits.concurrency, max(1, int(lease_seconds * 1000)), lease],
        )
        return lease if taken else None

    async def release(self, key: str, lease: str) -> None:
        await self._redis.zrem(f"{self._prefix}:{key}:slots", lease)

    async def aclose(self) -> None:
        await self._redis.aclose()


@contextlib.asynccontextmanager
async def concurrent_call(
    limiter: RateLimiter, key: str, limits: PartnerLimits, *, lease_seconds: float
) -> AsyncIterator[None]:
    """Holds one of the partner's concurrent calls, waiting for one to free up."""
    # The slots may be held by other processes (Redis), so there is no event to wait on.
    while (lease := await limiter.acquire(key, limits, lease_seconds=lease_seconds)) is None:  # noqa: ASYNC110
        await asyncio.sleep(_SLOT_RETRY_SECONDS * (0.5 + random.random()))  # noqa: S311 (jitter)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):  # the lease lapses on its own
            await limiter.release(key, lease)
