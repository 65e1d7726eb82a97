"""Use cases on referrals: refer a constituent to providers, answer, withdraw, expire, read.

A caseworker's agency sees its referrals whole; a provider's staff see only the referrals
addressed to their organisation, and of those only their own recipient record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select

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
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.models import group_by, keyset_after
from domain.numbers import next_number
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.people.models import AccessReason
from domain.people.service import grant_access
from domain.providers.models import Provider, ProviderService
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
PROVIDER_ROLES = (Role.PROVIDER_STAFF, Role.AUTH_COORDINATOR)
READERS = (*CASE_WORKERS, *PROVIDER_ROLES)


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


def referral_scope(actor: Principal) -> Any:
    """A WHERE clause on Referral: the agency's own, or those addressed to the provider."""
    if actor.organization_kind is OrganizationKind.AGENCY and (
        actor.is_admin or actor.has_any(*CASE_WORKERS)
    ):
        return Referral.organization_id == actor.organization_id
    if actor.is_admin or actor.has_any(*PROVIDER_ROLES):
        return exists().where(
            ReferralRecipient.referral_id == Referral.id,
            ReferralRecipient.provider_organization_id == actor.organization_id,
        )
    return Referral.id.is_(None)


def recipient_scope(actor: Principal) -> Any:
    """A WHERE clause on ReferralRecipient joined to its Referral: a provider sees only its
    own answers; the agency sees every provider's."""
    if actor.organization_kind is OrganizationKind.AGENCY:
        return Referral.organization_id == actor.organization_id
    return ReferralRecipient.provider_organization_id == actor.organization_id


async def load_referral(
    uow: UnitOfWork,
    actor: Principal,
    referral_id: uuid.UUID,
    field: str = "referralId",
    *,
    for_update: bool = False,
) -> Referral:
    query = select(Referral).where(Referral.id == referral_id, referral_scope(actor))
    referral = await uow.session.scalar(query.with_for_update() if for_update else query)
    if referral is None:
        raise not_found("Referral", field)
    return referral


async def load_recipient(
    uow: UnitOfWork,
    actor: Principal,
    recipient_id: uuid.UUID,
    field: str = "id",
    *,
    for_update: bool = False,
) -> tuple[ReferralRecipient, Referral]:
    query = (
        select(ReferralRecipient, Referral)
        .join(Referral, Referral.id == ReferralRecipient.referral_id)
        .where(ReferralRecipient.id == recipient_id, recipient_scope(actor))
    )
    if for_update:
        query = query.with_for_update()
    found = (await uow.session.execute(query)).one_or_none()
    if found is None:
        raise not_found("Referral recipient", field)
    return found[0], found[1]


@dataclass(frozen=True, slots=True)
class ReferralFilter:
    case_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    status: ReferralStatus | None = None
    recipient_status: ReferralRecipientStatus | None = None


async def list_referrals(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: ReferralFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Referral]:
    """Referrals the actor may see, newest first, each read audited."""
    require_role(actor, *READERS)
    base = select(Referral).where(referral_scope(actor))
    if filter.case_id:
        base = base.where(Referral.case_id == filter.case_id)
    if filter.person_id:
        base = base.where(Referral.person_id == filter.person_id)
    if filter.status:
        base = base.where(Referral.status == filter.status)
    if filter.recipient_status:
        mine = exists().where(
            ReferralRecipient.referral_id == Referral.id,
            ReferralRecipient.status == filter.recipient_status,
            recipient_scope(actor),
        )
        base = base.where(mine)
    query = base
    if page.after:
        at, last_id = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(
            keyset_after((Referral.created_at, Referral.id), (at, last_id), descending=True)
        )
    query = query.order_by(Referral.created_at.desc(), Referral.id.desc()).limit(page.first + 1)
    rows = (await uow.session.scalars(query)).all()
    result = page_from_rows(rows, page, lambda r: (r.created_at, r.id))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity=ENTITY,
        entity_ids=[r.id for r in result.items],
    )
    await uow.commit()
    return result.with_total(total)


async def get_referrals(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Referral]:
    if not ids:
        return {}
    query = select(Referral).where(Referral.id.in_(set(ids)), referral_scope(actor))
    found = {r.id: r for r in await uow.session.scalars(query)}
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=found
    )
    await uow.commit()
    return found


async def recipients_by_referral_ids(
    *, uow: UnitOfWork, actor: Principal, referral_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ReferralRecipient]]:
    """For a DataLoader: the recipients the actor may see (a provider only its own)."""
    query = (
        select(ReferralRecipient)
        .join(Referral, Referral.id == ReferralRecipient.referral_id)
        .where(ReferralRecipient.referral_id.in_(set(referral_ids)), recipient_scope(actor))
        .order_by(ReferralRecipient.created_at, ReferralRecipient.id)
    )
    return group_by(await uow.session.scalars(query), referral_ids, lambda r: r.referral_id)


async def get_recipients(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ReferralRecipient]:
    if not ids:
        return {}
    query = (
        select(ReferralRecipient)
        .join(Referral, Referral.id == ReferralRecipient.referral_id)
        .where(ReferralRecipient.id.in_(set(ids)), recipient_scope(actor))
    )
    return {r.id: r for r in await uow.session.scalars(query)}


def _referral_event(name: str, referral: Referral, provider_orgs: list[uuid.UUID]) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity=ENTITY,
        entity_id=referral.id,
        organization_ids=tuple(dict.fromkeys((referral.organization_id, *provider_orgs))),
        occurred_at=referral.updated_at,
        payload={"status": referral.status.value},
    )


async def referrals_by_case_ids(
    *, uow: UnitOfWork, actor: Principal, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Referral]]:
    """The case's referrals (its referrals tab), newest first."""
    query = select(Referral).where(Referral.case_id.in_(set(case_ids)), referral_scope(actor))
    rows = await uow.session.scalars(query.order_by(Referral.created_at.desc(), Referral.id))
    return group_by(rows, case_ids, lambda r: r.case_id)
