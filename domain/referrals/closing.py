"""How a referral's recipients and the referral itself come to an end, shared by the referral
use cases, the agency's authorization and the closing of a case."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update

from domain.authorizations.lifecycle import TRANSITIONS, AuthorizationAction
from domain.authorizations.lifecycle import next_status as next_authorization_status
from domain.authorizations.models import AuthorizationRequest
from domain.events import DomainEvent
from domain.history import record_status
from domain.identity.rules import Principal
from domain.people.models import AccessReason
from domain.people.service import revoke_access
from domain.providers.models import Provider
from domain.referrals.lifecycle import ReferralRecipientAction, ReferralRecipientStatus
from domain.referrals.lifecycle import next_status as next_recipient_status
from domain.referrals.models import Referral, ReferralRecipient, ReferralStatus
from domain.referrals.rules import derive_authorization_status
from domain.uow import UnitOfWork

RECIPIENT = "ReferralRecipient"
# Undecided requests, which the agency (their authorizer) may still cancel.
CANCELLABLE = frozenset(s for s, a in TRANSITIONS if a is AuthorizationAction.CANCEL)


async def move_recipient(
    uow: UnitOfWork,
    actor: Principal | None,
    referral: Referral,
    recipient: ReferralRecipient,
    action: ReferralRecipientAction,
    reason: str | None = None,
) -> None:
    """One step of a recipient's lifecycle, with history; a provider that will not deliver
    loses sight of the constituent and is told."""
    target = next_recipient_status(recipient.status, action)
    await record_status(
        uow=uow,
        actor=actor,
        entity=RECIPIENT,
        entity_id=recipient.id,
        from_status=recipient.status,
        to_status=target,
        action=action,
        reason=reason,
    )
    recipient.status, recipient.updated_at = target, uow.clock.now()
    if target is not ReferralRecipientStatus.ACCEPTED:
        await revoke_access(
            uow=uow,
            person_id=referral.person_id,
            organization_id=recipient.provider_organization_id,
            reason=AccessReason.REFERRAL,
        )
    uow.record(recipient_event(f"referral.recipient_{target.value.lower()}", referral, recipient))


async def take_load(uow: UnitOfWork, recipient: ReferralRecipient) -> bool:
    """Count the referral toward the provider's load if it has room, in one statement so two
    acceptances cannot both take the last place."""
    taken = await uow.session.execute(
        update(Provider)
        .where(
            Provider.id == recipient.provider_id,
            (Provider.capacity.is_(None)) | (Provider.current_load < Provider.capacity),
        )
        .values(current_load=Provider.current_load + 1)
    )
    if taken.rowcount != 1:
        return False
    recipient.counts_toward_load = True
    return True


async def release_load(uow: UnitOfWork, recipient: ReferralRecipient) -> None:
    """The provider will not work on this referral after all: its place is free again."""
    if not recipient.counts_toward_load:
        return
    await uow.session.execute(
        update(Provider)
        .where(Provider.id == recipient.provider_id, Provider.current_load > 0)
        .values(current_load=Provider.current_load - 1)
    )
    recipient.counts_toward_load = False


async def refresh_authorization_status(uow: UnitOfWork, referral: Referral) -> None:
    """The referral's authorization status follows its providers' requests."""
    await uow.session.flush()  # the session does not autoflush: count what was just changed
    statuses = await uow.session.scalars(
        select(AuthorizationRequest.status).where(AuthorizationRequest.referral_id == referral.id)
    )
    referral.authorization_status = derive_authorization_status(statuses)
    referral.updated_at = uow.clock.now()


def close_referral(uow: UnitOfWork, referral: Referral) -> None:
    if referral.status is ReferralStatus.OPEN:
        referral.status, referral.closed_at = ReferralStatus.CLOSED, uow.clock.now()
        referral.updated_at = referral.closed_at


async def close_referrals_of_case(*, uow: UnitOfWork, actor: Principal, case_id: uuid.UUID) -> None:
    """A closing case closes its open referrals: unanswered providers are withdrawn from,
    requests still undecided are cancelled, and every place taken is freed."""
    referrals = (
        await uow.session.scalars(
            select(Referral)
            .where(Referral.case_id == case_id, Referral.status == ReferralStatus.OPEN)
            .with_for_update()
        )
    ).all()
    for referral in referrals:
        await _end_recipients(uow, actor, referral, "the case closed")
        await _cancel_open_requests(uow, actor, referral, "the case closed")
        await refresh_authorization_status(uow, referral)
        close_referral(uow, referral)


async def _end_recipients(
    uow: UnitOfWork, actor: Principal, referral: Referral, reason: str
) -> None:
    recipients = await uow.session.scalars(
        select(ReferralRecipient).where(ReferralRecipient.referral_id == referral.id)
    )
    for recipient in recipients:
        if recipient.status is ReferralRecipientStatus.PENDING:
            await move_recipient(
                uow, actor, referral, recipient, ReferralRecipientAction.WITHDRAW, reason
            )
        await release_load(uow, recipient)


async def _cancel_open_requests(
    uow: UnitOfWork, actor: Principal, referral: Referral, reason: str
) -> None:
    requests = await uow.session.scalars(
        select(AuthorizationRequest).where(
            AuthorizationRequest.referral_id == referral.id,
            AuthorizationRequest.status.in_(CANCELLABLE),
        )
    )
    for request in requests:
        target = next_authorization_status(request.status, AuthorizationAction.CANCEL)
        await record_status(
            uow=uow,
            actor=actor,
            entity="AuthorizationRequest",
            entity_id=request.id,
            from_status=request.status,
            to_status=target,
            action=AuthorizationAction.CANCEL,
            reason=reason,
        )
        request.status, request.updated_at = target, uow.clock.now()


def recipient_event(name: str, referral: Referral, recipient: ReferralRecipient) -> DomainEvent:
    """Told to the agency and to the provider concerned, never to the other providers."""
    return DomainEvent(
        name=name,
        entity="Referral",
        entity_id=referral.id,
        organization_ids=(referral.organization_id, recipient.provider_organization_id),
        occurred_at=recipient.updated_at,
        payload={"recipientId": str(recipient.id), "status": recipient.status.value},
    )
