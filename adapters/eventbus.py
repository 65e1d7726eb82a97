"""The in-process event bus of the embedded mode: committed events to live subscribers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from domain.events import DomainEvent

Predicate = Callable[[DomainEvent], bool]


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
