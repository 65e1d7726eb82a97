"""The EventBus port for tests: keeps what a unit of work publishes after commit."""

from __future__ import annotations

from domain.events import DomainEvent


class RecordingBus:
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: list[DomainEvent]) -> None:
        self.events.extend(events)
