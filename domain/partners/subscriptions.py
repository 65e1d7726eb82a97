"""Partners' subscriptions to request results (Da Vinci PAS over the R4 Subscriptions
Backport): a sending system subscribes for the requests of the provider organisations it
names; every later determination or status change of such a request is numbered and written
to the outbox in the transaction that made it, so a crash or restart never loses one."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from domain.authorizations.models import AuthorizationRequest
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import Organization, Role
from domain.identity.rules import Principal, require_role
from domain.partners.models import (
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    PartnerSubscription,
    SubscriptionStatus,
)
from domain.partners.queue import add_message
from domain.partners.subscription_rules import (
    NOTIFYING_STATUSES,
    SubscriptionData,
    SubscriptionTopic,
    check_subscription,
    matches,
)
from domain.uow import UnitOfWork

LIVE = (SubscriptionStatus.REQUESTED, SubscriptionStatus.ACTIVE, SubscriptionStatus.ERROR)
TURNED_OFF = "The subscription was turned off"


async def create_subscription(
    *, uow: UnitOfWork, actor: Principal, data: SubscriptionData
) -> PartnerSubscription:
    """A sending system's subscription (one live one per system and topic); its handshake is
    queued and turns it active once delivered."""
    require_role(actor, Role.PARTNER)
    check_subscription(data)
    taken = await uow.session.scalar(
        select(PartnerSubscription.id).where(
            PartnerSubscription.api_client_id == actor.subject_id,
            PartnerSubscription.topic == data.topic,
            PartnerSubscription.status.in_(LIVE),
        )
    )
    if taken is not None:
        raise DomainError(
            ErrorCode.DUPLICATE, f"This system already has subscription {taken} to this topic"
        )
    now = uow.clock.now()
    subscription = PartnerSubscription(
        organization_id=actor.organization_id,
        api_client_id=actor.subject_id,
        topic=data.topic,
        events_since_start=0,
        error_count=0,
        created_at=now,
    )
    uow.session.add(subscription)
    await _ask_for(uow, subscription, data)
    return subscription


async def _ask_for(
    uow: UnitOfWork, subscription: PartnerSubscription, data: SubscriptionData
) -> None:
    """What the partner asked for, status requested, and a handshake queued; commits."""
    subscription.filter_identifiers = list(dict.fromkeys(data.filter_identifiers))
    subscription.endpoint, subscription.reason = data.endpoint, data.reason
    subscription.header_names = list(data.header_names)
    subscription.sealed_headers = data.sealed_headers
    subscription.heartbeat_seconds = data.heartbeat_seconds
    subscription.status, subscription.updated_at = SubscriptionStatus.REQUESTED, uow.clock.now()
    subscription.last_error = None
    await uow.session.flush()
    add_message(uow, OutboxKind.HANDSHAKE, subscription_id=subscription.id, event_number=0)
    await uow.commit()


async def get_subscription(
    *, uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID
) -> PartnerSubscription:
    """One of the actor's organisation's subscriptions; NOT_FOUND for anyone else's."""
    require_role(actor, Role.PARTNER)
    subscription = await uow.session.get(PartnerSubscription, subscription_id)
    if subscription is None or subscription.organization_id != actor.organization_id:
        raise not_found("Subscription")
    return subscription


async def list_subscriptions(
    *, uow: UnitOfWork, actor: Principal, status: SubscriptionStatus | None = None, limit: int = 100
) -> list[PartnerSubscription]:
    """The actor's organisation's subscriptions, oldest first, of one status when given."""
    require_role(actor, Role.PARTNER)
    query = select(PartnerSubscription).where(
        PartnerSubscription.organization_id == actor.organization_id
    )
    if status is not None:
        query = query.where(PartnerSubscription.status == status)
    query = query.order_by(PartnerSubscription.created_at, PartnerSubscription.id).limit(limit)
    return list(await uow.session.scalars(query))


async def update_subscription(
    *,
    uow: UnitOfWork,
    actor: Principal,
    subscription_id: uuid.UUID,
    data: SubscriptionData,
) -> PartnerSubscription:
    """Only the sending system that made it may change it; it is asked for again (status
    requested, a new handshake) and its events keep their numbers."""
    subscription = await get_subscription(uow=uow, actor=actor, subscription_id=subscription_id)
    if subscription.api_client_id != actor.subject_id:
        raise DomainError(ErrorCode.FORBIDDEN, "Only the system that subscribed may change it")
    if data.topic != subscription.topic:
        raise DomainError(ErrorCode.INVALID, "A subscription keeps its topic", "criteria")
    check_subscription(data)
    await _ask_for(uow, subscription, data)
    return subscription


async def turn_off_subscription(
    *, uow: UnitOfWork, actor: Principal, subscription_id: uuid.UUID
) -> PartnerSubscription:
    """Status off: nothing more is sent, and what was still queued is given up."""
    subscription = await get_subscription(uow=uow, actor=actor, subscription_id=subscription_id)
    if subscription.status is not SubscriptionStatus.OFF:
        subscription.status, subscription.updated_at = SubscriptionStatus.OFF, uow.clock.now()
        await uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.subscription_id == subscription.id,
                OutboxMessage.status == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.FAILED, last_error=TURNED_OFF)
        )
    await uow.commit()
    return subscription


async def notify_subscribers(uow: UnitOfWork, request: AuthorizationRequest) -> int:
    """Queue one numbered notification per live subscription the request belongs to: its
    requesting organisation has a filtered identifier, and the subscriber's organisation may
    see the request (it requested or decides it). Callers commit; how many were queued."""
    if request.status not in NOTIFYING_STATUSES:
        return 0
    candidates = list(
        await uow.session.scalars(
            select(PartnerSubscription)
            .where(
                PartnerSubscription.organization_id.in_(
                    {request.requesting_organization_id, request.authorizer_organization_id}
                ),
                PartnerSubscription.topic == SubscriptionTopic.AUTHORIZATION_RESULTS,
                PartnerSubscription.status.in_(LIVE),
            )
            .order_by(PartnerSubscription.id)
            .with_for_update()
        )
    )
    if not candidates:
        return 0
    organization = await uow.session.get(Organization, request.requesting_organization_id)
    identifiers = [organization.npi] if organization and organization.npi else []
    queued = 0
    for subscription in candidates:
        if matches(subscription.filter_identifiers, identifiers):
            subscription.events_since_start += 1
            add_message(
                uow,
                OutboxKind.NOTIFICATION,
                request_id=request.id,
                subscription_id=subscription.id,
                event_number=subscription.events_since_start,
            )
            queued += 1
    return queued


async def queue_heartbeats(*, uow: UnitOfWork, limit: int = 100) -> int:
    """A heartbeat for each active subscription that asked for them and was sent nothing for
    its period, unless something is already queued for it; how many were queued."""
    now = uow.clock.now()
    queued_ids = select(OutboxMessage.subscription_id).where(
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.subscription_id.is_not(None),
    )
    rows = await uow.session.scalars(
        select(PartnerSubscription)
        .where(
            PartnerSubscription.status == SubscriptionStatus.ACTIVE,
            PartnerSubscription.heartbeat_seconds.is_not(None),
            PartnerSubscription.id.not_in(queued_ids),
        )
        .order_by(PartnerSubscription.last_sent_at)
        .limit(limit)
    )
    queued = 0
    for subscription in rows:
        period = timedelta(seconds=subscription.heartbeat_seconds or 0)
        last = subscription.last_sent_at or subscription.created_at
        if last + period <= now:
            add_message(uow, OutboxKind.HEARTBEAT, subscription_id=subscription.id)
            queued += 1
    await uow.commit()
    return queued
