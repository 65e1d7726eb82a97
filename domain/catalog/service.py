"""Use cases on the benefit catalog."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, or_, select

from domain.catalog.models import Benefit, BenefitCategory
from domain.catalog.rules import BenefitData, check_benefit
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.models import keyset_after
from domain.money import cents
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.uow import UnitOfWork

OFFERING_ORGANIZATIONS = (OrganizationKind.AGENCY, OrganizationKind.PAYER)


async def create_benefit(*, uow: UnitOfWork, actor: Principal, data: BenefitData) -> Benefit:
    """Add a benefit to the offering organisation's catalog."""
    require_role(actor, Role.CASE_SUPERVISOR, Role.NETWORK_STAFF)
    if actor.organization_kind not in OFFERING_ORGANIZATIONS:
        raise DomainError(ErrorCode.FORBIDDEN, "Only agencies and payers offer benefits")
    check_benefit(data)
    taken = await uow.session.scalar(
        select(Benefit.id).where(
            Benefit.organization_id == actor.organization_id, Benefit.code == data.code
        )
    )
    if taken is not None:
        raise DomainError(ErrorCode.DUPLICATE, "A benefit with this code exists", "code")
    now = uow.clock.now()
    benefit = Benefit(
        organization_id=actor.organization_id,
        code=data.code,
        name=data.name.strip(),
        description=data.description,
        benefit_type=data.benefit_type.strip(),
        category=data.category,
        unit_of_measure=data.unit_of_measure,
        max_units=cents(data.max_units),
        max_units_frequency=data.max_units_frequency,
        offering_rate=cents(data.offering_rate),
        currency=data.currency,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(benefit)
    await uow.session.flush()
    uow.record(
        DomainEvent(
            name="benefit.created",
            entity="Benefit",
            entity_id=benefit.id,
            organization_ids=(actor.organization_id,),
            occurred_at=now,
        )
    )
    await uow.commit()
    return benefit


@dataclass(frozen=True, slots=True)
class BenefitFilter:
    text: str | None = None
    category: BenefitCategory | None = None
    organization_id: uuid.UUID | None = None
    active: bool | None = True


async def list_benefits(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: BenefitFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Benefit]:
    """The catalog is shared: every signed-in user may browse every organisation's offerings."""
    query = select(Benefit)
    for word in (filter.text or "").lower().split()[:5]:
        query = query.where(
            or_(
                func.lower(Benefit.name).contains(word, autoescape=True),
                func.lower(Benefit.benefit_type).contains(word, autoescape=True),
                func.lower(Benefit.code).contains(word, autoescape=True),
            )
        )
    if filter.category:
        query = query.where(Benefit.category == filter.category)
    if filter.organization_id:
        query = query.where(Benefit.organization_id == filter.organization_id)
    if filter.active is not None:
        query = query.where(Benefit.active == filter.active)
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    if page.after:
        name, last_id = decode_cursor(page.after, (str, uuid.UUID))
        query = query.where(keyset_after((Benefit.name, Benefit.id), (name, last_id)))
    query = query.order_by(Benefit.name, Benefit.id).limit(page.first + 1)
    rows = (await uow.session.scalars(query)).all()
    return page_from_rows(rows, page, lambda b: (b.name, b.id)).with_total(total)


async def get_benefits(*, uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Benefit]:
    """Benefits by id, for DataLoaders and node lookups (the catalog is not scoped)."""
    if not ids:
        return {}
    rows = await uow.session.scalars(select(Benefit).where(Benefit.id.in_(set(ids))))
    return {b.id: b for b in rows}
