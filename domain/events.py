"""Domain events: recorded by services, published by the unit of work after commit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened: `name` is `entity.thing_happened`; `payload` holds ids and codes
    only, never a person's data."""

    name: str
    entity: str
    entity_id: uuid.UUID
    organization_ids: tuple[uuid.UUID, ...]
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)


class EventBus(Protocol):
    """Carries committed events to subscribers (in-process or Redis pub/sub)."""

    async def publish(self, events: list[DomainEvent]) -> None: ...
