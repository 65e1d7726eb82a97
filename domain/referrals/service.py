"""Use cases on referrals: refer a constituent to providers, answer, withdraw, expire, read.

A caseworker's agency sees its referrals whole; a provider's staff see only the referrals
addressed to their organisation, and of those only their own recipient record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.cases.benefits import load_assignment
from domain.cases.lifecycle import BenefitAssignmentStatus
from domain.cases.models import DeliveryMode
from domain.cases.rules import CASE_WORKERS, require_open
from domain.cases.timeline import add_case_event
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.events import DomainEvent
from domain.history import record_status
from domain.identity.rules import Principal, require_role
from domain.numbers import next_number
from domain.people.models import AccessReason
from domain.people.service import grant_access
from domain.providers.models import Provider, ProviderService
from domain.referrals.access import PROVIDER_ROLES, load_recipient, load_referral
from domain.referrals.closing import (
    close_referral,
    move_recipient,
    release_load,
    take_load,
)
from domain.referrals.lifecycle import (
    ReferralRecipientAction,
    ReferralRecipientStatus,
    check_decline,
)
from domain.referrals.models import Referral, ReferralRecipient, ReferralStatus
from domain.referrals.rules import ReferralData, check_provider_can_receive, check_referral
from domain.uow import UnitOfWork

ENTITY = "Referral"


async def create_referral(*, uow: UnitOfWork, actor: Principal, data: ReferralData) -> Referral:
    """Refer the constituent of a SERVICE benefit assignment to one or more providers."""
    require_role(actor, *CASE_WORKERS)
    now = uow.clock.now()
    check_referral(data, now)
    assignment, case = await load_assignment(
        uow, actor, data.benefit_assignment_id, "benefitAssignmentId"
    )
    require_open(case.status)
    if assignment.delivery_mode is not DeliveryMode.SERVICE or assignment.status not in (
        BenefitAssignmentStatus.PLANNED,
        BenefitAssignmentStatus.ACTIVE,
    ):
        raise DomainError(
            ErrorCode.INVALID,
            "Only a planned or active SERVICE benefit is referred to providers",
            "benefitAssignmentId",
        )
    providers = await _check_providers(uow, data, assignment.benefit_id)
    referral = Referral(
        number=await next_number(uow=uow, prefix="REF"),
        organization_id=case.organization_id,
        case_id=case.id,
        benefit_assignment_id=assignment.id,
        person_id=assignment.person_id,
        benefit_id=assignment.benefit_id,
        referred_by_id=actor.subject_id,
        reason=data.reason.strip(),
        urgency=data.urgency,
        notes=data.notes,
        consent_given=True,
        languages=list(data.languages),
        respond_by=data.respond_by,
        status=ReferralStatus.OPEN,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(referral)
    await uow.session.flush()
    for provider in providers:
        await _add_recipient(uow, actor, referral, provider)
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="referral.created",
        actor=actor,
        related=(ENTITY, referral.id),
    )
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity=ENTITY, entity_ids=[referral.id]
    )
    uow.record(
        _referral_event("referral.created", referral, [p.organization_id for p in providers])
    )
    await uow.commit()
    return referral


async def _check_providers(
    uow: UnitOfWork, data: ReferralData, benefit_id: uuid.UUID
) -> list[Provider]:
    """Every chosen provider exists, delivers the benefit, accepts referrals and has room."""
    found = {
        p.id: p
        for p in await uow.session.scalars(
            select(Provider).where(Provider.id.in_(data.provider_ids))
        )
    }
    offering = set(
        await uow.session.scalars(
            select(ProviderService.provider_id).where(
                ProviderService.provider_id.in_(data.provider_ids),
                ProviderService.benefit_id == benefit_id,
                ProviderService.active.is_(True),
            )
        )
    )
    errors = ErrorCollector()
    for index, provider_id in enumerate(data.provider_ids):
        provider = found.get(provider_id)
        if provider is None:
            errors.add(ErrorCode.NOT_FOUND, "Provider not found", f"providerIds.{index}")
            continue
        problem = check_provider_can_receive(
            index=index,
            offers_benefit=provider_id in offering,
            accepting_referrals=provider.accepting_referrals,
            capacity=provider.capacity,
            current_load=provider.current_load,
        )
        if problem is not None:
            errors.errors.append(problem)
    errors.raise_if_any()
    return [found[p] for p in data.provider_ids]


async def _add_recipient(
    uow: UnitOfWork, actor: Principal, referral: Referral, provider: Provider
) -> None:
    recipient = ReferralRecipient(
        referral_id=referral.id,
        provider_id=provider.id,
        provider_organization_id=provider.organization_id,
        status=ReferralRecipientStatus.PENDING,
        respond_by=referral.respond_by,
        created_at=referral.created_at,
        updated_at=referral.created_at,
    )
    uow.session.add(recipient)
    await uow.session.flush()
    await record_status(
        uow=uow,
        actor=actor,
        entity="ReferralRecipient",
        entity_id=recipient.id,
        from_status=None,
        to_status=recipient.status,
    )
    await grant_access(
        uow=uow,
        person_id=referral.person_id,
        organization_id=provider.organization_id,
        reason=AccessReason.REFERRAL,
    )


async def respond_to_referral(
    *,
    uow: UnitOfWork,
    actor: Principal,
    recipient_id: uuid.UUID,
    accept: bool,
    reason: str | None = None,
) -> ReferralRecipient:
    """The provider accepts (taking a place of its capacity) or declines, saying why."""
    require_role(actor, *PROVIDER_ROLES)
    recipient, referral = await load_recipient(uow, actor, recipient_id, for_update=True)
    if (
        recipient.status is ReferralRecipientStatus.PENDING
        and uow.clock.now() > recipient.respond_by
    ):
        raise DomainError(ErrorCode.RESPONSE_OVERDUE, "The date to respond has passed", "id")
    if accept:
        await move_recipient(uow, actor, referral, recipient, ReferralRecipientAction.ACCEPT)
        if not await take_load(uow, recipient):
            raise DomainError(ErrorCode.AT_CAPACITY, "Your provider is at capacity", "id")
    else:
        why = check_decline(reason)
        await move_recipient(uow, actor, referral, recipient, ReferralRecipientAction.DECLINE, why)
        recipient.decline_reason = why
    recipient.responded_at, recipient.responded_by_id = uow.clock.now(), actor.subject_id
    await _close_if_unanswerable(uow, referral)
    add_case_event(
        uow=uow,
        case_id=referral.case_id,
        kind=f"referral.{recipient.status.value.lower()}",
        actor=actor,
        related=("ReferralRecipient", recipient.id),
    )
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity=ENTITY,
        entity_ids=[referral.id],
        fields=["recipients.status"],
    )
    await uow.commit()
    return recipient


async def _close_if_unanswerable(uow: UnitOfWork, referral: Referral) -> None:
    """A referral whose every provider has said no (or never answered) is over."""
    await uow.session.flush()
    live = await uow.session.scalar(
        select(func.count()).where(
            ReferralRecipient.referral_id == referral.id,
            ReferralRecipient.status.in_(
                (ReferralRecipientStatus.PENDING, ReferralRecipientStatus.ACCEPTED)
            ),
        )
    )
    if not live:
        close_referral(uow, referral)


async def withdraw_referral(
    *,
    uow: UnitOfWork,
    actor: Principal,
    referral_id: uuid.UUID,
    recipient_ids: Sequence[uuid.UUID] = (),
    reason: str | None = None,
) -> Referral:
    """The caseworker takes the referral back from providers that have not answered yet (all
    of them when none are named)."""
    require_role(actor, *CASE_WORKERS)
    referral = await load_referral(uow, actor, referral_id, "id", for_update=True)
    recipients = (
        await uow.session.scalars(
            select(ReferralRecipient).where(ReferralRecipient.referral_id == referral.id)
        )
    ).all()
    chosen = [r for r in recipients if not recipient_ids or r.id in set(recipient_ids)]
    if recipient_ids and len(chosen) != len(set(recipient_ids)):
        raise not_found("Referral recipient", "recipientIds")
    for recipient in chosen:
        await move_recipient(
            uow, actor, referral, recipient, ReferralRecipientAction.WITHDRAW, reason
        )
        await release_load(uow, recipient)
    await _close_if_unanswerable(uow, referral)
    add_case_event(
        uow=uow,
        case_id=referral.case_id,
        kind="referral.withdrawn",
        actor=actor,
        related=(ENTITY, referral.id),
    )
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity=ENTITY,
        entity_ids=[referral.id],
        fields=["recipients.status"],
    )
    await uow.commit()
    return referral


async def expire_overdue_recipients(*, uow: UnitOfWork, limit: int = 500) -> int:
    """Providers that did not answer by their date: EXPIRED (run by the follow-up engine).
    Returns how many expired, so a caller can run it again until nothing is left."""
    now = uow.clock.now()
    rows = (
        await uow.session.execute(
            select(ReferralRecipient, Referral)
            .join(Referral, Referral.id == ReferralRecipient.referral_id)
            .where(
                ReferralRecipient.status == ReferralRecipientStatus.PENDING,
                ReferralRecipient.respond_by < now,
            )
            .order_by(ReferralRecipient.respond_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    for recipient, referral in rows:
        await move_recipient(
            uow,
            None,
            referral,
            recipient,
            ReferralRecipientAction.EXPIRE,
            "no answer by the date to respond",
        )
        await _close_if_unanswerable(uow, referral)
        add_case_event(
            uow=uow,
            case_id=referral.case_id,
            kind="referral.expired",
            actor=None,
            related=("ReferralRecipient", recipient.id),
        )
    await uow.commit()
    return len(rows)


def _referral_event(name: str, referral: Referral, provider_orgs: list[uuid.UUID]) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity=ENTITY,
        entity_id=referral.id,
        organization_ids=tuple(dict.fromkeys((referral.organization_id, *provider_orgs))),
        occurred_at=referral.updated_at,
        payload={"status": referral.status.value},
    )
