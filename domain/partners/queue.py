"""Writing to the transactional outbox: a row in the caller's transaction and a wake-up event
that the unit of work publishes after commit. Kept apart from the dispatcher so that the
places where requests change (which the dispatcher itself calls) can enqueue too."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.events import DomainEvent
from domain.models import new_id
from domain.partners.models import OutboxKind, OutboxMessage, OutboxStatus
from domain.uow import UnitOfWork

WAKE_EVENT = "outbox.enqueued"


def add_message(
    uow: UnitOfWork,
    kind: OutboxKind,
    *,
    request_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
    event_number: int | None = None,
) -> OutboxMessage:
    """A PENDING row due now, and a wake-up after commit."""
    now = uow.clock.now()
    message = OutboxMessage(
        **message_values(
            kind,
            now,
            request_id=request_id,
            partner_id=partner_id,
            subscription_id=subscription_id,
            event_number=event_number,
        )
    )
    uow.session.add(message)
    uow.record(wake_event(message.id, kind, now))
    return message


def message_values(
    kind: OutboxKind,
    now: datetime,
    *,
    request_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
    event_number: int | None = None,
) -> dict[str, Any]:
    """A new PENDING row's columns: due now, with its own idempotency key."""
    return {
        "id": new_id(),
        "kind": kind,
        "request_id": request_id,
        "partner_id": partner_id,
        "subscription_id": subscription_id,
        "event_number": event_number,
        "idempotency_key": uuid.uuid4(),
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "sent_at": None,
    }


def wake_event(message_id: uuid.UUID, kind: OutboxKind, now: datetime) -> DomainEvent:
    """What the unit of work publishes after commit so a dispatcher sends the row at once."""
    return DomainEvent(
        name=WAKE_EVENT,
        entity="OutboxMessage",
        entity_id=message_id,
        organization_ids=(),
        occurred_at=now,
        payload={"kind": kind.value},
    )
