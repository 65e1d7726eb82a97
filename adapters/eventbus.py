"""Event buses: committed domain events to live subscribers (GraphQL subscriptions, worklists).

In the embedded mode events stay in the process; in production they cross processes through
Redis pub/sub, and every process fans them out to its own subscribers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

from domain.events import DomainEvent

Predicate = Callable[[DomainEvent], bool]
PUBLISH_SECONDS = 2.0
log = logging.getLogger(__name__)


class InMemoryEventBus:
    """Fan-out to bounded per-subscriber queues; a slow subscriber loses its oldest events."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[tuple[asyncio.Queue[DomainEvent], Predicate]] = set()
        self._queue_size = queue_size

    async def publish(self, events: list[DomainEvent]) -> None:
        for queue, wanted in list(self._subscribers):
            for event in events:
                if not wanted(event):
                    continue
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, wanted: Predicate) -> AsyncIterator[asyncio.Queue[DomainEvent]]:
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue(self._queue_size)
        entry = (queue, wanted)
        self._subscribers.add(entry)
        try:
            yield queue
        finally:
            self._subscribers.discard(entry)

    async def start(self) -> None:
        """Nothing to connect to."""

    async def ping(self) -> bool:
        return True

    async def stop(self) -> None:
        """Nothing to disconnect from."""


def event_to_json(event: DomainEvent) -> str:
    return json.dumps(
        {
            "name": event.name,
            "entity": event.entity,
            "entity_id": str(event.entity_id),
            "organization_ids": [str(o) for o in event.organization_ids],
            "occurred_at": event.occurred_at.isoformat(),
            "payload": event.payload,
        }
    )


def event_from_json(raw: str | bytes) -> DomainEvent:
    data: dict[str, Any] = json.loads(raw)
    return DomainEvent(
        name=data["name"],
        entity=data["entity"],
        entity_id=uuid.UUID(data["entity_id"]),
        organization_ids=tuple(uuid.UUID(o) for o in data["organization_ids"]),
        occurred_at=datetime.fromisoformat(data["occurred_at"]),
        payload=data.get("payload") or {},
    )


class RedisEventBus:
    """Publishes to one Redis channel; one listener per process feeds the local fan-out."""

    def __init__(self, url: str, channel: str = "carebridge:events") -> None:
        self._redis: Redis = Redis.from_url(url)
        self._channel = channel
        self._local = InMemoryEventBus()
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self, wait_seconds: float = 5.0) -> None:
        """Starts listening; with Redis down the service still starts (and /readyz says so),
        and the listener subscribes once Redis is back."""
        self._listener = asyncio.create_task(self._listen(), name="redis-event-listener")
        try:
            await asyncio.wait_for(self._subscribed.wait(), timeout=wait_seconds)
        except TimeoutError:
            log.warning("Redis is not answering; live updates wait until it does")

    async def ping(self) -> bool:
        try:
            return bool(await asyncio.wait_for(self._redis.ping(), timeout=2))
        except (TimeoutError, OSError, RedisError):
            return False

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()

    async def publish(self, events: list[DomainEvent]) -> None:
        """Bounded in time: a silent Redis must not hold up the request that committed."""

        async def send() -> None:
            async with self._redis.pipeline(transaction=False) as pipe:
                for event in events:
                    pipe.publish(self._channel, event_to_json(event))
                await pipe.execute()

        await asyncio.wait_for(send(), timeout=PUBLISH_SECONDS)

    def subscribe(
        self, wanted: Predicate
    ) -> contextlib.AbstractAsyncContextManager[asyncio.Queue[DomainEvent]]:
        return self._local.subscribe(wanted)

    async def _listen(self) -> None:
        """Reconnects after a Redis outage; events published meanwhile are missed, which only
        delays live views (the database stays the source of truth)."""
        failures = 0
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    failures = 0
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        try:
                            event = event_from_json(message["data"])
                        except (ValueError, KeyError, TypeError):
                            log.warning("ignored a malformed event on %s", self._channel)
                            continue
                        await self._local.publish([event])
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the connection dropped: wait and subscribe again
                failures += 1
                if failures == 1 or failures % 60 == 0:
                    log.warning(
                        "event bus listener lost Redis (%s); retrying every second",
                        type(error).__name__,
                    )
                await asyncio.sleep(1)


EventBusAdapter = InMemoryEventBus | RedisEventBus


def create_event_bus(redis_url: str | None) -> EventBusAdapter:
    return RedisEventBus(redis_url) if redis_url else InMemoryEventBus()
