"""Delivering a subscription's outbox messages (handshake, numbered notifications, heartbeats)
through the SubscriptionNotifier port. A subscription's notifications go out in event order:
one waits while an earlier one is still being retried. A failed attempt puts the subscription
in `error` with the reason and is retried with backoff; one given up is FAILED (the dead
letter), its reason on the message and the subscription. A delivery turns it `active`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.answers import current_answer, snapshot
from domain.authorizations.models import AuthorizationRequest
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.partners.models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    PartnerSubscription,
    SubscriptionStatus,
)
from domain.partners.ports import (
    NoticeKind,
    PartnerError,
    SubscriptionNotice,
    SubscriptionNotifier,
)
from domain.partners.subscriptions import TURNED_OFF
from domain.uow import UnitOfWork

NOTICE_KINDS = {
    OutboxKind.HANDSHAKE: NoticeKind.HANDSHAKE,
    OutboxKind.HEARTBEAT: NoticeKind.HEARTBEAT,
    OutboxKind.NOTIFICATION: NoticeKind.EVENT,
}


async def deliver(
    *, uow: UnitOfWork, message: OutboxMessage, notifier: SubscriptionNotifier, policy: Any
) -> OutboxStatus | None:
    """Push one claimed message (the caller holds its row); commits. None when it must wait
    for an earlier notification of its subscription."""
    subscription = await uow.session.get(PartnerSubscription, message.subscription_id)
    assert subscription is not None  # kept by a foreign key
    if subscription.status is SubscriptionStatus.OFF:
        message.status, message.last_error = OutboxStatus.FAILED, TURNED_OFF
        await uow.commit()
        return message.status
    blocker = await _earlier_pending(uow, message)
    if blocker is not None:
        message.next_attempt_at = max(blocker.next_attempt_at, uow.clock.now())
        await uow.commit()
        return None
    notice = await _notice(uow, message, subscription)
    message.attempts += 1
    try:
        await notifier.notify(notice)
    except PartnerError as error:
        await _failed(uow, message, subscription, error, policy)
        await uow.commit()
        return message.status
    now = uow.clock.now()
    message.status, message.sent_at, message.last_error = OutboxStatus.SENT, now, None
    await _set(uow, subscription, status=SubscriptionStatus.ACTIVE, last_sent_at=now)
    if notice.request is not None:
        await record_access(
            uow=uow,
            actor=_subscriber(subscription),
            action=AuditAction.READ,
            entity="AuthorizationRequest",
            entity_ids=[notice.request.request_id],
            fields=["subscriptionNotification"],
        )
    await uow.commit()
    return message.status


async def _earlier_pending(uow: UnitOfWork, message: OutboxMessage) -> OutboxMessage | None:
    """A handshake or notification of the same subscription that has to go first: anything
    numbered lower for a notification; anything at all for a heartbeat."""
    query = select(OutboxMessage).where(
        OutboxMessage.subscription_id == message.subscription_id,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.id != message.id,
    )
    if message.kind is OutboxKind.HANDSHAKE:
        return None
    if message.kind is OutboxKind.NOTIFICATION:
        query = query.where(OutboxMessage.event_number < (message.event_number or 0))
    else:
        query = query.where(OutboxMessage.kind != OutboxKind.HEARTBEAT)
    found: OutboxMessage | None = await uow.session.scalar(
        query.order_by(OutboxMessage.next_attempt_at.desc()).limit(1)
    )
    return found


async def _notice(
    uow: UnitOfWork, message: OutboxMessage, subscription: PartnerSubscription
) -> SubscriptionNotice:
    request = None
    if message.request_id is not None:
        request = await uow.session.get(AuthorizationRequest, message.request_id)
    is_event = message.kind is OutboxKind.NOTIFICATION
    return SubscriptionNotice(
        notice_id=message.idempotency_key,
        kind=NOTICE_KINDS[message.kind],
        subscription_id=subscription.id,
        topic=subscription.topic,
        endpoint=subscription.endpoint,
        sealed_headers=subscription.sealed_headers,
        status=subscription.status.value,
        # A notification counts the events up to its own; the others, all so far.
        events_since_start=(message.event_number or 0)
        if is_event
        else subscription.events_since_start,
        occurred_at=message.created_at,
        event_number=message.event_number if is_event else None,
        request=await snapshot(uow, request) if request is not None else None,
        answer=await current_answer(uow, request) if request is not None else None,
    )


async def _failed(
    uow: UnitOfWork,
    message: OutboxMessage,
    subscription: PartnerSubscription,
    error: PartnerError,
    policy: Any,
) -> None:
    if error.retryable and message.attempts < policy.max_attempts:
        message.next_attempt_at = uow.clock.now() + policy.delay(message.attempts)
        message.last_error = error.message
        reason = error.message
    else:
        message.status, message.last_error = OutboxStatus.FAILED, error.message
        what = f"notification {message.event_number}" if message.event_number else "handshake"
        if message.kind is OutboxKind.HEARTBEAT:
            what = "heartbeat"
        reason = f"Gave up the {what} after {message.attempts} attempts: {error.message}"
    await _set(
        uow,
        subscription,
        status=SubscriptionStatus.ERROR,
        last_error=reason[:500],
        error_count=PartnerSubscription.error_count + 1,
    )


async def _set(uow: UnitOfWork, subscription: PartnerSubscription, **values: Any) -> None:
    """One short UPDATE after the push, so no lock on the subscription is held across it
    (events keep being numbered meanwhile); a subscription turned off meanwhile stays off."""
    await uow.session.execute(
        update(PartnerSubscription)
        .where(
            PartnerSubscription.id == subscription.id,
            PartnerSubscription.status != SubscriptionStatus.OFF,
        )
        .values(updated_at=uow.clock.now(), **values)
        .execution_options(synchronize_session=False)
    )


def _subscriber(subscription: PartnerSubscription) -> Principal:
    """The sending system a notification discloses the request to, for the audit trail
    (which keeps its id and organisation)."""
    return Principal(
        subject_id=subscription.api_client_id,
        organization_id=subscription.organization_id,
        organization_kind=OrganizationKind.PROVIDER,
        roles=frozenset({Role.PARTNER}),
        is_machine=True,
    )
