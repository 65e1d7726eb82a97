"""Who sees and works on what in delivery, the events it tells, and one lifecycle step with
its history. A provider's staff see their organisation's schedules, sessions, disbursements
and payments; the agency's case workers see those of the people whose service it authorized."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import exists, func, select

from domain import lifecycle
from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.lifecycle import PaymentStatus
from domain.delivery.models import (
    BenefitSession,
    Disbursement,
    PaymentRun,
    ProviderPayment,
)
from domain.errors import forbidden
from domain.events import DomainEvent
from domain.history import record_status
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.numbers import next_numbers
from domain.uow import UnitOfWork

PROVIDER_WORKERS = (Role.PROVIDER_STAFF,)
AGENCY_READERS = (Role.CASEWORKER, Role.CASE_SUPERVISOR)
PAYMENT_RUNNERS = (Role.CASE_SUPERVISOR,)
CONTRACT_MANAGERS = (Role.NETWORK_STAFF, Role.CASE_SUPERVISOR)
READERS = (*AGENCY_READERS, *PROVIDER_WORKERS, Role.AUTH_COORDINATOR)

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


def require_provider_worker(actor: Principal) -> None:
    require_role(actor, *PROVIDER_WORKERS)


def require_agency(actor: Principal, *roles: Role) -> None:
    require_role(actor, *roles)
    if actor.organization_kind is not OrganizationKind.AGENCY:
        raise forbidden("Only the agency that authorizes the service does this")


def is_provider(actor: Principal) -> bool:
    return actor.organization_kind is OrganizationKind.PROVIDER


def _agency_reader(actor: Principal) -> bool:
    return actor.organization_kind is OrganizationKind.AGENCY and (
        actor.is_admin or actor.has_any(*AGENCY_READERS)
    )


def disbursement_scope(actor: Principal) -> Any:
    if is_provider(actor):
        return Disbursement.provider_organization_id == actor.organization_id
    if _agency_reader(actor):
        return Disbursement.agency_organization_id == actor.organization_id
    return Disbursement.id.is_(None)


def session_scope(actor: Principal) -> Any:
    """The provider's own sessions; for the agency, sessions one of its people is in."""
    if is_provider(actor):
        return BenefitSession.provider_organization_id == actor.organization_id
    if _agency_reader(actor):
        return exists().where(
            Disbursement.session_id == BenefitSession.id,
            Disbursement.agency_organization_id == actor.organization_id,
        )
    return BenefitSession.id.is_(None)


def payment_scope(actor: Principal) -> Any:
    if is_provider(actor):
        return ProviderPayment.payee_organization_id == actor.organization_id
    if _agency_reader(actor):
        return ProviderPayment.organization_id == actor.organization_id
    return ProviderPayment.id.is_(None)


def delivery_event(
    name: str,
    entity: str,
    entity_id: uuid.UUID,
    organizations: tuple[uuid.UUID, ...],
    uow: UnitOfWork,
    **payload: Any,
) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity=entity,
        entity_id=entity_id,
        organization_ids=tuple(dict.fromkeys(organizations)),
        occurred_at=uow.clock.now(),
        payload={k: str(v) for k, v in payload.items()},
    )


async def record_created(
    uow: UnitOfWork, actor: Principal, entity: str, records: list[Any], *, audit: bool = True
) -> None:
    """New records' first status in the history and, unless the caller audits them together
    with others, their creation in the audit trail."""
    for record in records:
        await record_status(
            uow=uow,
            actor=actor,
            entity=entity,
            entity_id=record.id,
            from_status=None,
            to_status=record.status,
        )
    if audit:
        await record_access(
            uow=uow,
            actor=actor,
            action=AuditAction.CREATE,
            entity=entity,
            entity_ids=[r.id for r in records],
        )


async def move(
    uow: UnitOfWork,
    actor: Principal | None,
    table: Mapping[tuple[S, A], S],
    record: Any,
    entity: str,
    action: A,
    reason: str | None = None,
) -> None:
    """One lifecycle step of `record` (its `status`) with its history; a step that stays
    where it is (attendance recorded again) writes no history."""
    target = lifecycle.next_status(table, record.status, action)
    if target != record.status:
        await record_status(
            uow=uow,
            actor=actor,
            entity=entity,
            entity_id=record.id,
            from_status=record.status,
            to_status=target,
            action=action,
            reason=reason,
        )
    record.status = target
    record.updated_at = uow.clock.now()


async def lock_payments(uow: UnitOfWork, agency_id: uuid.UUID) -> None:
    """Payment runs and approvals of one agency take turns on its organisation row; attendance
    takes the same row shared (`share_payments`), so a run sees a set that holds still."""
    await uow.session.execute(
        select(Organization.id).where(Organization.id == agency_id).with_for_update()
    )


async def next_seq(uow: UnitOfWork, agency_id: uuid.UUID) -> int:
    """The seq of the agency's next run: what becomes payable now is paid by it or later. Read
    under the agency's payment lock, shared or exclusive, so no run comes in between."""
    last = await uow.session.scalar(
        select(func.max(PaymentRun.seq)).where(PaymentRun.organization_id == agency_id)
    )
    return int(last or 0) + 1


async def share_payments(uow: UnitOfWork, agency_ids: set[uuid.UUID]) -> None:
    if agency_ids:
        await uow.session.execute(
            select(Organization.id)
            .where(Organization.id.in_(agency_ids))
            .order_by(Organization.id)
            .with_for_update(read=True)
        )


async def open_payments(
    uow: UnitOfWork, run: PaymentRun, payees: Sequence[Mapping[str, Any]]
) -> list[ProviderPayment]:
    """A PENDING payment of the run for each payee (its payee columns, and `total_amount` if
    known), numbered in one upsert: a fixed number of statements whatever the payees."""
    numbers = await next_numbers(uow=uow, prefix="PAY", count=len(payees))
    now = uow.clock.now()
    payments = [
        ProviderPayment(
            **{"total_amount": Decimal(0), **payee},
            id=uuid.uuid4(),
            number=number,
            run_id=run.id,
            organization_id=run.organization_id,
            period_start=run.period_start,
            period_end=run.period_end,
            status=PaymentStatus.PENDING,
            created_at=now,
            updated_at=now,
        )
        for number, payee in zip(numbers, payees, strict=True)
    ]
    uow.session.add_all(payments)
    return payments
