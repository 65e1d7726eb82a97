"""Product delivery (seeds 002 and 003): the agency itself pays an ACTIVE PRODUCT benefit
assignment to the nominee of its case component (the primary client unless someone else is
nominated), in instalments on the nominee's delivery pattern (method and frequency). A payment
run pays the instalments due in its period, once each, with the provider payments."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.cases.access import load_case
from domain.cases.lifecycle import BenefitAssignmentStatus
from domain.cases.members import check_component
from domain.cases.models import BenefitAssignment, Case, DeliveryMode
from domain.cases.readers import effective_nominee, nominees_by_case_ids
from domain.cases.rules import CASE_WORKERS, require_open
from domain.cases.timeline import add_case_event
from domain.catalog.models import Benefit, UnitOfMeasure
from domain.delivery.access import open_payments, record_created
from domain.delivery.lifecycle import PaymentStatus
from domain.delivery.models import (
    DeliveryFrequency,
    DeliveryMethod,
    DeliveryPattern,
    PayeeKind,
    PaymentLineKind,
    PaymentRun,
    ProviderPayment,
    ProviderPaymentLine,
)
from domain.delivery.rules import instalment_dates, instalments
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal, require_role
from domain.people.models import Person
from domain.uow import UnitOfWork

DEFAULT_PATTERN = (DeliveryMethod.EFT, DeliveryFrequency.MONTHLY)


@dataclass(frozen=True, slots=True)
class Instalment:
    assignment: BenefitAssignment
    due_date: date
    amount: Decimal


async def set_delivery_pattern(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    component: str,
    method: DeliveryMethod,
    frequency: DeliveryFrequency,
) -> DeliveryPattern:
    """How the component's nominee is paid from now on; the previous pattern is history."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id)
    require_open(case.status)
    component = check_component(component)
    now = uow.clock.now()
    current = await uow.session.scalars(
        select(DeliveryPattern)
        .where(
            DeliveryPattern.case_id == case.id,
            DeliveryPattern.component == component,
            DeliveryPattern.ended_at.is_(None),
        )
        .with_for_update()
    )
    for previous in current:
        previous.ended_at = now
    pattern = DeliveryPattern(
        case_id=case.id,
        component=component,
        method=method,
        frequency=frequency,
        set_at=now,
        set_by_id=actor.subject_id,
    )
    uow.session.add(pattern)
    await uow.session.flush()
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="delivery_pattern.set",
        actor=actor,
        related=("DeliveryPattern", pattern.id),
        detail=f"{method.value} {frequency.value}",
    )
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.CREATE,
        entity="DeliveryPattern",
        entity_ids=[pattern.id],
    )
    await uow.commit()
    return pattern


def _total(assignment: BenefitAssignment, benefit: Benefit) -> Decimal:
    """What the assignment pays over its whole period: dollars as assigned, or units at the
    benefit's offering rate."""
    if assignment.unit_of_measure is UnitOfMeasure.DOLLAR:
        return assignment.quantity
    if benefit.offering_rate is None:
        raise DomainError(
            ErrorCode.NO_RATE,
            f"Benefit {benefit.code} has no offering rate to pay its product delivery",
            "periodEnd",
        )
    return assignment.quantity * benefit.offering_rate


async def _patterns(
    uow: UnitOfWork, case_ids: set[uuid.UUID]
) -> dict[tuple[uuid.UUID, str], tuple[DeliveryMethod, DeliveryFrequency]]:
    rows = await uow.session.scalars(
        select(DeliveryPattern).where(
            DeliveryPattern.case_id.in_(case_ids), DeliveryPattern.ended_at.is_(None)
        )
    )
    return {(p.case_id, p.component): (p.method, p.frequency) for p in rows}


async def _paid(
    uow: UnitOfWork, assignment_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ProviderPaymentLine]]:
    lines = await uow.session.scalars(
        select(ProviderPaymentLine)
        .join(ProviderPayment, ProviderPayment.id == ProviderPaymentLine.payment_id)
        .where(
            ProviderPaymentLine.benefit_assignment_id.in_(assignment_ids),
            ProviderPaymentLine.kind == PaymentLineKind.PRODUCT,
            ProviderPayment.status != PaymentStatus.CANCELLED,
        )
    )
    paid: dict[uuid.UUID, list[ProviderPaymentLine]] = defaultdict(list)
    for line in lines:
        assert line.benefit_assignment_id is not None
        paid[line.benefit_assignment_id].append(line)
    return paid


def due_instalments(
    assignment: BenefitAssignment,
    total: Decimal,
    frequency: DeliveryFrequency,
    paid: list[ProviderPaymentLine],
    period: tuple[date, date],
) -> list[Instalment]:
    """What is left to pay goes in equal instalments on the due dates after the last one paid
    (so a changed frequency never pays twice); those up to the end of `period` are due now."""
    last = max((line.due_date for line in paid if line.due_date), default=None)
    left = total - sum((line.amount for line in paid), Decimal(0))
    dates = [
        d
        for d in instalment_dates(assignment.period_start, assignment.period_end, frequency)
        if last is None or d > last
    ]
    return [
        Instalment(assignment, due, amount)
        for due, amount in zip(dates, instalments(left, len(dates)), strict=True)
        if due <= period[1] and amount != 0
    ]


async def pay_nominees(uow: UnitOfWork, actor: Principal, run: PaymentRun) -> list[ProviderPayment]:
    """One payment per nominee and delivery method with the instalments due in the run."""
    rows = (
        await uow.session.execute(
            select(BenefitAssignment, Case, Benefit)
            .join(Case, Case.id == BenefitAssignment.case_id)
            .join(Benefit, Benefit.id == BenefitAssignment.benefit_id)
            .where(
                Case.organization_id == run.organization_id,
                BenefitAssignment.delivery_mode == DeliveryMode.PRODUCT,
                BenefitAssignment.status == BenefitAssignmentStatus.ACTIVE,
                BenefitAssignment.period_start <= run.period_end,
                BenefitAssignment.period_end >= run.period_start,
            )
            .order_by(BenefitAssignment.created_at, BenefitAssignment.id)
        )
    ).all()
    if not rows:
        return []
    case_ids = {case.id for _, case, _ in rows}
    patterns = await _patterns(uow, case_ids)
    nominees = await nominees_by_case_ids(uow=uow, case_ids=list(case_ids))
    paid = await _paid(uow, [a.id for a, _, _ in rows])
    groups: dict[tuple[uuid.UUID, DeliveryMethod], list[Instalment]] = defaultdict(list)
    for assignment, case, benefit in rows:
        method, frequency = patterns.get((case.id, assignment.component), DEFAULT_PATTERN)
        payee = effective_nominee(nominees[case.id], assignment.component, case.primary_client_id)
        due = due_instalments(
            assignment,
            _total(assignment, benefit),
            frequency,
            paid[assignment.id],
            (run.period_start, run.period_end),
        )
        groups[(payee, method)].extend(due)
    return await _nominee_payments(uow, actor, run, {k: due for k, due in groups.items() if due})


async def _nominee_payments(
    uow: UnitOfWork,
    actor: Principal,
    run: PaymentRun,
    groups: dict[tuple[uuid.UUID, DeliveryMethod], list[Instalment]],
) -> list[ProviderPayment]:
    """One payment per nominee and method with its instalments as lines, in a fixed number of
    statements whatever the number of nominees."""
    if not groups:
        return []
    people = await uow.session.execute(
        select(Person.id, Person.given_name, Person.family_name).where(
            Person.id.in_({payee for payee, _ in groups})
        )
    )
    names = {person_id: f"{given} {family}" for person_id, given, family in people}
    payments = await open_payments(
        uow,
        run,
        [
            {
                "payee_kind": PayeeKind.NOMINEE,
                "payee_person_id": payee,
                "delivery_method": method,
                "payee_name": names[payee],
                "total_amount": sum((i.amount for i in due), Decimal(0)),
            }
            for (payee, method), due in groups.items()
        ],
    )
    await uow.session.flush()
    uow.session.add_all(
        ProviderPaymentLine(
            payment_id=payment.id,
            kind=PaymentLineKind.PRODUCT,
            benefit_id=i.assignment.benefit_id,
            benefit_assignment_id=i.assignment.id,
            due_date=i.due_date,
            amount=i.amount,
            description=i.assignment.component,
        )
        for payment, due in zip(payments, groups.values(), strict=True)
        for i in due
    )
    await record_created(uow, actor, "ProviderPayment", payments, audit=False)
    return payments
