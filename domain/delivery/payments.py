"""Provider payments: `run_provider_payments(period)` pays each provider what is due up to the
end of the period: approved disbursements (attendance approved them, or held a sampled share
for a person), flat-rate contracts' amounts, and open corrections. Running a period again
creates nothing twice: what was paid is covered by its payment's watermark (`covers`), each
correction settles once, a contract is charged once per period.

The run writes per payee, never per disbursement: its run's `seq`, per provider payment the
seq it paid through, the lines (one aggregate per payment and benefit) and the corrections it
settles. A disbursement's PAID state, payment and paid amount are read from the covering
payment (`Disbursement.payment_id`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.access import (
    PAYMENT_RUNNERS,
    delivery_event,
    lock_payments,
    move,
    next_seq,
    open_payments,
    record_created,
    require_agency,
)
from domain.delivery.contracts import flat_amount_of
from domain.delivery.lifecycle import (
    CORRECTION_TRANSITIONS,
    ContractStatus,
    CorrectionAction,
    CorrectionStatus,
    DisbursementStatus,
    PaymentStatus,
)
from domain.delivery.models import (
    ContractKind,
    Disbursement,
    PayeeKind,
    PaymentCorrection,
    PaymentLineKind,
    PaymentRun,
    ProviderContract,
    ProviderPayment,
    ProviderPaymentLine,
    uncovered,
)
from domain.delivery.product import pay_nominees
from domain.delivery.rules import check_period
from domain.identity.rules import Principal
from domain.providers.models import Provider
from domain.uow import UnitOfWork

ENTITY = "ProviderPayment"
D = DisbursementStatus


@dataclass
class Due:
    """What one provider is owed by a run, before its payment exists."""

    organization_id: uuid.UUID
    flat_rate: list[ProviderContract] = field(default_factory=list)
    corrections: list[PaymentCorrection] = field(default_factory=list)
    disbursements: bool = False


@dataclass(frozen=True, slots=True)
class RunResult:
    run: PaymentRun
    payments: list[ProviderPayment]


async def run_provider_payments(
    *,
    uow: UnitOfWork,
    actor: Principal,
    period_start: date,
    period_end: date,
) -> RunResult:
    """Pay each provider of the actor's agency what is due up to `period_end`, once."""
    require_agency(actor, *PAYMENT_RUNNERS)
    check_period(period_start, period_end)
    await lock_payments(uow, actor.organization_id)
    run = PaymentRun(
        id=uuid.uuid4(),
        organization_id=actor.organization_id,
        seq=await next_seq(uow, actor.organization_id),
        period_start=period_start,
        period_end=period_end,
        run_at=uow.clock.now(),
        run_by_id=actor.subject_id,
    )
    uow.session.add(run)
    await uow.session.flush()
    run.disbursements_held = await _held(uow, actor.organization_id, period_end)
    totals = await _payable_totals(uow, run)
    dues = await _dues(uow, actor.organization_id, period_start, period_end, totals)
    made = await _new_payments(uow, run, dues)
    await uow.session.flush()
    run.disbursements_paid = sum(int(row.count) for row in totals)
    paid = _disbursement_lines(made, totals)
    for payment, due in made:
        await _add_lines(uow, actor, payment, due, paid.get(payment.provider_id, []))
    payments = [payment for payment, _ in made]
    payments += await pay_nominees(uow, actor, run)
    run.payments_created = len(payments)
    await _announce(uow, actor, payments)
    await uow.commit()
    return RunResult(run, payments)


async def _held(uow: UnitOfWork, agency_id: uuid.UUID, period_end: date) -> int:
    """How many disbursements of the period wait for a person (the check at attendance)."""
    count = await uow.session.scalar(
        select(func.count()).where(
            Disbursement.agency_organization_id == agency_id,
            Disbursement.status == D.PENDING_APPROVAL,
            Disbursement.service_date <= period_end,
        )
    )
    return int(count or 0)


async def _payable_totals(uow: UnitOfWork, run: PaymentRun) -> list[Any]:
    """What the run pays, in one aggregate per provider and benefit: approved disbursements
    with an amount and a service date up to the period end that no earlier payment (not
    cancelled) covers. Nothing is written to them: the run's payments cover them."""
    D_ = Disbursement
    rows = await uow.session.execute(
        select(
            D_.provider_id,
            D_.provider_organization_id,
            D_.benefit_id,
            func.count().label("count"),
            func.sum(D_.disbursed_quantity).label("quantity"),
            func.sum(D_.amount).label("amount"),
        )
        .where(
            D_.agency_organization_id == run.organization_id,
            D_.status == D.APPROVED,
            D_.service_date <= run.period_end,
            D_.payable_seq <= run.seq,
            uncovered(
                D_.agency_organization_id, D_.provider_id, D_.payable_seq, D_.service_date, run.seq
            ),
        )
        .group_by(D_.provider_id, D_.provider_organization_id, D_.benefit_id)
        .order_by(D_.provider_id, D_.benefit_id)
    )
    return list(rows)


async def _dues(
    uow: UnitOfWork,
    agency_id: uuid.UUID,
    period_start: date,
    period_end: date,
    totals: list[Any],
) -> dict[uuid.UUID, Due]:
    dues: dict[uuid.UUID, Due] = {}
    for row in totals:
        dues.setdefault(row.provider_id, Due(row.provider_organization_id)).disbursements = True
    for contract in await _flat_rate_due(uow, agency_id, period_start, period_end):
        dues.setdefault(
            contract.provider_id, Due(contract.provider_organization_id)
        ).flat_rate.append(contract)
    corrections = await uow.session.execute(
        select(PaymentCorrection, Disbursement.provider_id, Disbursement.provider_organization_id)
        .join(Disbursement, Disbursement.id == PaymentCorrection.disbursement_id)
        .where(
            PaymentCorrection.organization_id == agency_id,
            PaymentCorrection.status == CorrectionStatus.OPEN,
        )
        .order_by(PaymentCorrection.created_at, PaymentCorrection.id)
    )
    for correction, provider_id, organization_id in corrections:
        dues.setdefault(provider_id, Due(organization_id)).corrections.append(correction)
    return dues


async def _flat_rate_due(
    uow: UnitOfWork, agency_id: uuid.UUID, period_start: date, period_end: date
) -> list[ProviderContract]:
    """Active flat-rate contracts in force during the period and not yet charged for a period
    overlapping it (in a payment that was not cancelled)."""
    charged = (
        select(ProviderPaymentLine.contract_id)
        .join(ProviderPayment, ProviderPayment.id == ProviderPaymentLine.payment_id)
        .where(
            ProviderPaymentLine.kind == PaymentLineKind.FLAT_RATE,
            ProviderPayment.status != PaymentStatus.CANCELLED,
            ProviderPayment.period_start <= period_end,
            ProviderPayment.period_end >= period_start,
        )
    )
    query = select(ProviderContract).where(
        ProviderContract.organization_id == agency_id,
        ProviderContract.kind == ContractKind.FLAT_RATE,
        ProviderContract.status == ContractStatus.ACTIVE,
        ProviderContract.period_start <= period_end,
        ProviderContract.period_end >= period_start,
        ProviderContract.id.not_in(charged),
    )
    return list(await uow.session.scalars(query.order_by(ProviderContract.number)))


async def _new_payments(
    uow: UnitOfWork, run: PaymentRun, dues: dict[uuid.UUID, Due]
) -> list[tuple[ProviderPayment, Due]]:
    """One PENDING payment per provider due, in a fixed number of statements whatever the
    number of providers (their names in one read, their numbers in one upsert); each pays
    its provider's disbursements through the run's seq."""
    if not dues:
        return []
    rows = await uow.session.execute(
        select(Provider.id, Provider.name).where(Provider.id.in_(dues))
    )
    names = {row.id: row.name for row in rows}
    payments = await open_payments(
        uow,
        run,
        [
            {
                "payee_kind": PayeeKind.PROVIDER,
                "provider_id": provider_id,
                "payee_organization_id": due.organization_id,
                "payee_name": names[provider_id],
                "paid_through_seq": run.seq,
            }
            for provider_id, due in dues.items()
        ],
    )
    return list(zip(payments, dues.values(), strict=True))


async def _add_lines(
    uow: UnitOfWork,
    actor: Principal,
    payment: ProviderPayment,
    due: Due,
    lines: list[ProviderPaymentLine],
) -> None:
    for contract in due.flat_rate:
        amount = flat_amount_of(contract)
        lines.append(_line(payment.id, PaymentLineKind.FLAT_RATE, amount, contract_id=contract.id))
    for correction in due.corrections:
        lines.append(
            _line(
                payment.id,
                PaymentLineKind.CORRECTION,
                correction.amount,
                correction_id=correction.id,
                quantity=correction.quantity_delta,
                description=correction.kind.value,
            )
        )
        correction.settled_payment_id = payment.id
        await move(
            uow,
            actor,
            CORRECTION_TRANSITIONS,
            correction,
            "PaymentCorrection",
            CorrectionAction.SETTLE,
        )
    uow.session.add_all(lines)
    payment.total_amount = sum((line.amount for line in lines), Decimal(0))
    await record_created(uow, actor, ENTITY, [payment], audit=False)


def _disbursement_lines(
    made: list[tuple[ProviderPayment, Due]], totals: list[Any]
) -> dict[uuid.UUID | None, list[ProviderPaymentLine]]:
    """Per provider, one line per benefit: the count, units and amount of the disbursements
    its payment covers (from the run's one aggregate)."""
    payment_of = {payment.provider_id: payment.id for payment, _ in made}
    lines: dict[uuid.UUID | None, list[ProviderPaymentLine]] = {}
    for row in totals:
        lines.setdefault(row.provider_id, []).append(
            _line(
                payment_of[row.provider_id],
                PaymentLineKind.DISBURSEMENT,
                Decimal(row.amount),
                benefit_id=row.benefit_id,
                disbursement_count=int(row.count),
                quantity=Decimal(row.quantity),
            )
        )
    return lines


def _line(
    payment_id: uuid.UUID, kind: PaymentLineKind, amount: Decimal, **values: Any
) -> ProviderPaymentLine:
    return ProviderPaymentLine(payment_id=payment_id, kind=kind, amount=amount, **values)


async def _announce(uow: UnitOfWork, actor: Principal, payments: list[ProviderPayment]) -> None:
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.CREATE,
        entity=ENTITY,
        entity_ids=[p.id for p in payments],
    )
    for payment in payments:
        uow.record(
            delivery_event(
                "provider_payment.created",
                ENTITY,
                payment.id,
                (payment.organization_id, *filter(None, (payment.payee_organization_id,))),
                uow,
                total=payment.total_amount,
            )
        )
