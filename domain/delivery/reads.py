"""Reads of delivery: the lists behind `benefitSessions`, `disbursements` and
`providerPayments` (keyset pages, one statement each), and batch reads for DataLoaders."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.access import READERS, disbursement_scope, payment_scope, session_scope
from domain.delivery.lifecycle import (
    DisbursementAction,
    DisbursementStatus,
    PaymentStatus,
    SessionStatus,
)
from domain.delivery.models import (
    BenefitSchedule,
    BenefitSession,
    Disbursement,
    PaymentCorrection,
    ProviderPayment,
    ProviderPaymentLine,
    SessionEnrollment,
    covers,
)
from domain.history import StatusChange, history_by_entity_ids
from domain.identity.rules import Principal, require_role
from domain.models import group_by, keyset_after
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.uow import UnitOfWork

DS, DA = DisbursementStatus, DisbursementAction


@dataclass(frozen=True, slots=True)
class SessionFilter:
    schedule_id: uuid.UUID | None = None
    benefit_id: uuid.UUID | None = None
    status: SessionStatus | None = None
    starts_after: datetime | None = None


@dataclass(frozen=True, slots=True)
class DisbursementFilter:
    case_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    authorization_line_id: uuid.UUID | None = None
    status: DisbursementStatus | None = None


@dataclass(frozen=True, slots=True)
class PaymentFilter:
    status: PaymentStatus | None = None
    provider_id: uuid.UUID | None = None
    period_start: date | None = None


async def _page(
    uow: UnitOfWork,
    base: Any,
    keys: tuple[Any, Any],
    types: tuple[type, type],
    page: PageRequest,
    with_total: bool,
    descending: bool = False,
) -> Page[Any]:
    query = base
    if page.after:
        query = query.where(
            keyset_after(keys, decode_cursor(page.after, types), descending=descending)
        )
    order = [k.desc() for k in keys] if descending else list(keys)
    rows = (await uow.session.scalars(query.order_by(*order).limit(page.first + 1))).all()
    names = [k.key for k in keys]
    result = page_from_rows(rows, page, lambda r: tuple(getattr(r, n) for n in names))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    return result.with_total(total)


async def list_sessions(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: SessionFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[BenefitSession]:
    """The provider's sessions, or the sessions the agency's people are in, soonest first."""
    require_role(actor, *READERS)
    base = select(BenefitSession).where(session_scope(actor))
    if filter.schedule_id:
        base = base.where(BenefitSession.schedule_id == filter.schedule_id)
    if filter.benefit_id:
        of_benefit = select(BenefitSchedule.id).where(
            BenefitSchedule.benefit_id == filter.benefit_id
        )
        base = base.where(BenefitSession.schedule_id.in_(of_benefit))
    if filter.status:
        base = base.where(BenefitSession.status == filter.status)
    if filter.starts_after:
        base = base.where(BenefitSession.starts_at >= filter.starts_after)
    keys = (BenefitSession.starts_at, BenefitSession.id)
    return await _page(uow, base, keys, (datetime, uuid.UUID), page, with_total)


async def list_disbursements(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: DisbursementFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Disbursement]:
    """Disbursements the actor may see, by service date; each read audited."""
    require_role(actor, *READERS)
    base = select(Disbursement).where(disbursement_scope(actor))
    for column, value in (
        (Disbursement.case_id, filter.case_id),
        (Disbursement.person_id, filter.person_id),
        (Disbursement.session_id, filter.session_id),
        (Disbursement.authorization_line_id, filter.authorization_line_id),
    ):
        if value is not None:
            base = base.where(column == value)
    if filter.status is not None:
        base = base.where(status_is(filter.status))
    keys = (Disbursement.service_date, Disbursement.id)
    result = await _page(uow, base, keys, (date, uuid.UUID), page, with_total)
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity="Disbursement",
        entity_ids=[d.id for d in result.items],
    )
    await uow.commit()
    return result


def status_is(status: DisbursementStatus) -> Any:
    """Disbursements whose status as shown (`current_status`) is `status`: PAID is derived
    from the covering payment, the stored one otherwise."""
    if status is DS.PAID:
        return Disbursement.payment_id.is_not(None)
    if status is DS.APPROVED:
        return and_(Disbursement.status == status, Disbursement.payment_id.is_(None))
    return Disbursement.status == status


async def list_payments(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: PaymentFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[ProviderPayment]:
    """The agency's payments, or those to the provider organisation, newest first."""
    require_role(actor, *READERS)
    base = select(ProviderPayment).where(payment_scope(actor))
    if filter.status:
        base = base.where(ProviderPayment.status == filter.status)
    if filter.provider_id:
        base = base.where(ProviderPayment.provider_id == filter.provider_id)
    if filter.period_start:
        base = base.where(ProviderPayment.period_start == filter.period_start)
    keys = (ProviderPayment.created_at, ProviderPayment.number)
    return await _page(uow, base, keys, (datetime, str), page, with_total, descending=True)


async def get_sessions(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BenefitSession]:
    query = select(BenefitSession).where(BenefitSession.id.in_(set(ids)), session_scope(actor))
    return {s.id: s for s in await uow.session.scalars(query)}


async def get_schedules(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BenefitSchedule]:
    """For a DataLoader: the caller read the sessions through a scoped path."""
    query = select(BenefitSchedule).where(BenefitSchedule.id.in_(set(ids)))
    return {s.id: s for s in await uow.session.scalars(query)}


async def get_disbursements(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Disbursement]:
    query = select(Disbursement).where(Disbursement.id.in_(set(ids)), disbursement_scope(actor))
    found = {d.id: d for d in await uow.session.scalars(query)}
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity="Disbursement", entity_ids=found
    )
    await uow.commit()
    return found


async def get_payments(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, ProviderPayment]:
    query = select(ProviderPayment).where(ProviderPayment.id.in_(set(ids)), payment_scope(actor))
    return {p.id: p for p in await uow.session.scalars(query)}


async def enrollments_by_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, SessionEnrollment]:
    """For a DataLoader: the caller read the disbursements through a scoped path."""
    query = select(SessionEnrollment).where(SessionEnrollment.id.in_(set(ids)))
    return {e.id: e for e in await uow.session.scalars(query)}


async def disbursements_by_session_ids(
    *, uow: UnitOfWork, actor: Principal, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Disbursement]]:
    """A session's roster as the actor may see it (the agency: its own people only)."""
    query = select(Disbursement).where(
        Disbursement.session_id.in_(set(session_ids)), disbursement_scope(actor)
    )
    rows = list(await uow.session.scalars(query.order_by(Disbursement.created_at, Disbursement.id)))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity="Disbursement",
        entity_ids=[d.id for d in rows],
    )
    await uow.commit()
    return group_by(rows, session_ids, lambda d: d.session_id)


async def lines_by_payment_ids(
    *, uow: UnitOfWork, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ProviderPaymentLine]]:
    query = select(ProviderPaymentLine).where(ProviderPaymentLine.payment_id.in_(set(payment_ids)))
    rows = await uow.session.scalars(
        query.order_by(ProviderPaymentLine.kind, ProviderPaymentLine.id)
    )
    return group_by(rows, payment_ids, lambda line: line.payment_id)


async def corrections_by_payment_ids(
    *, uow: UnitOfWork, payment_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PaymentCorrection]]:
    """Over- and underpayments found after the payment, oldest first."""
    query = select(PaymentCorrection).where(
        PaymentCorrection.original_payment_id.in_(set(payment_ids))
    )
    rows = await uow.session.scalars(
        query.order_by(PaymentCorrection.created_at, PaymentCorrection.id)
    )
    return group_by(rows, payment_ids, lambda c: c.original_payment_id)


async def disbursement_history(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StatusChange]]:
    """For a DataLoader and the domain: each disbursement's transitions, oldest first. A run
    writes no disbursement, so its PAY steps (and a cancellation's RELEASE) are read from the
    history of the payments that covered it: a payment's own first row (created PENDING) is
    the record of `APPROVED -> PAID` for what it covers, its CANCELLED row the record of
    `PAID -> APPROVED`. The caller read the disbursements through a scoped path."""
    stored = await history_by_entity_ids(uow=uow, entity="Disbursement", entity_ids=ids)
    for disbursement_id, steps in (await payment_steps(uow, ids)).items():
        stored[disbursement_id] = sorted([*stored.get(disbursement_id, []), *steps], key=_order)
    return stored


def _order(change: StatusChange) -> tuple[datetime, int]:
    # by time, then by key (steps of one instant in the order they were written): a step kept
    # on the row later than it happened (migration 0009's downgrade) still falls in its place
    return change.changed_at, change.id


async def payment_steps(
    uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[StatusChange]]:
    """The PAY and RELEASE steps of disbursements, from the payments that covered them (not
    added to the session: read, never written)."""
    if not ids:
        return {}
    D_, P_ = Disbursement, ProviderPayment
    rows = await uow.session.execute(
        select(D_.id, StatusChange)
        .select_from(D_)
        .join(
            P_,
            covers(
                P_,
                D_.agency_organization_id,
                D_.provider_id,
                D_.payable_seq,
                D_.service_date,
                D_.status,
            ),
        )
        .join(
            StatusChange,
            and_(
                StatusChange.entity == "ProviderPayment",
                StatusChange.entity_id == P_.id,
                or_(
                    StatusChange.from_status.is_(None),
                    StatusChange.to_status == PaymentStatus.CANCELLED.value,
                ),
            ),
        )
        .where(D_.id.in_(set(ids)))
        .order_by(StatusChange.id)
    )
    steps: dict[uuid.UUID, list[StatusChange]] = {}
    for disbursement_id, row in rows:
        pay = row.from_status is None
        steps.setdefault(disbursement_id, []).append(
            StatusChange(
                id=row.id,
                entity="Disbursement",
                entity_id=disbursement_id,
                from_status=(DS.APPROVED if pay else DS.PAID).value,
                to_status=(DS.PAID if pay else DS.APPROVED).value,
                action=(DA.PAY if pay else DA.RELEASE).value,
                changed_at=row.changed_at,
                changed_by_id=row.changed_by_id,
                changed_by_organization_id=row.changed_by_organization_id,
                reason=row.reason,
            )
        )
    return steps
