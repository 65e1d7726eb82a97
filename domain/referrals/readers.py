"""Reading referrals: the list, batches for DataLoaders; every read audited."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select

from domain.audit.models import AuditAction
from domain.audit.service import audited_newest_first, record_access
from domain.identity.rules import Principal, require_role
from domain.models import group_by
from domain.pagination import Page, PageRequest
from domain.referrals.access import READERS, recipient_scope, referral_scope
from domain.referrals.lifecycle import ReferralRecipientStatus
from domain.referrals.models import Referral, ReferralRecipient, ReferralStatus
from domain.uow import UnitOfWork

ENTITY = "Referral"


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
    return await audited_newest_first(
        uow=uow,
        actor=actor,
        base=base,
        model=Referral,
        entity=ENTITY,
        page=page,
        with_total=with_total,
    )


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


async def referrals_by_case_ids(
    *, uow: UnitOfWork, actor: Principal, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Referral]]:
    """The case's referrals (its referrals tab), newest first."""
    query = select(Referral).where(Referral.case_id.in_(set(case_ids)), referral_scope(actor))
    rows = await uow.session.scalars(query.order_by(Referral.created_at.desc(), Referral.id))
    return group_by(rows, case_ids, lambda r: r.case_id)
