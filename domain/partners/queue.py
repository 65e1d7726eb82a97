"""Writing to the transactional outbox: a row in the caller's transaction and a wake-up event
that the unit of work publishes after commit. Kept apart from the dispatcher so that the
places where requests change (which the dispatcher itself calls) can enqueue too."""

from __future__ import annotations

import uuid

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
        id=new_id(),
        kind=kind,
        request_id=request_id,
        partner_id=partner_id,
        subscription_id=subscription_id,
        event_number=event_number,
        idempotency_key=uuid.uuid4(),
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.add(message)
    uow.record(
        DomainEvent(
            name=WAKE_EVENT,
            entity="OutboxMessage",
            entity_id=message.id,
            organization_ids=(),
            occurred_at=now,
            payload={"kind": kind.value},
        )
    )
    return message
