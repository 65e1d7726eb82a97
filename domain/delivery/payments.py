"""Provider payments: `run_provider_payments(period)` pays each provider what is due up to the
end of the period: recorded disbursements (less a sampled share held for manual approval),
flat-rate contracts' amounts, and open corrections. Running a period again creates nothing
twice: what was paid is marked paid, each correction settles once, a contract is charged once
per period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery import bulk
from domain.delivery.access import (
    PAYMENT_RUNNERS,
    delivery_event,
    lock_payments,
    move,
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
    DisbursementAction,
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
)
from domain.delivery.product import pay_nominees
from domain.delivery.rules import check_period, manual_approval_buckets
from domain.identity.rules import Principal
from domain.providers.models import Provider
from domain.uow import UnitOfWork

ENTITY = "ProviderPayment"
D, DA = DisbursementStatus, DisbursementAction


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
    manual_approval_share: Decimal,
) -> RunResult:
    """Pay each provider of the actor's agency what is due up to `period_end`, once."""
    require_agency(actor, *PAYMENT_RUNNERS)
    check_period(period_start, period_end)
    threshold = manual_approval_buckets(manual_approval_share)
    await lock_payments(uow, actor.organization_id)
    run = PaymentRun(
        id=uuid.uuid4(),
        organization_id=actor.organization_id,
        period_start=period_start,
        period_end=period_end,
        run_at=uow.clock.now(),
        run_by_id=actor.subject_id,
    )
    uow.session.add(run)
    await uow.session.flush()
    run.disbursements_held = await _approve(uow, actor, period_end, threshold)
    dues = await _dues(uow, actor.organization_id, period_start, period_end)
    made = await _new_payments(uow, run, dues)
    await uow.session.flush()
    run.disbursements_paid = await _pay_disbursements(uow, actor, run, period_end)
    paid = await _disbursement_lines(uow, run)
    for payment, due in made:
        await _add_lines(uow, actor, payment, due, paid.get(payment.id, []))
    payments = [payment for payment, _ in made]
    payments += await pay_nominees(uow, actor, run)
    run.payments_created = len(payments)
    await _announce(uow, actor, payments)
    await uow.commit()
    return RunResult(run, payments)


def _payable(agency_id: uuid.UUID, period_end: date, *statuses: DisbursementStatus) -> Any:
    return and_(
        Disbursement.agency_organization_id == agency_id,
        Disbursement.service_date <= period_end,
        Disbursement.status.in_(statuses),
        Disbursement.amount > 0,
        Disbursement.payment_id.is_(None),
    )


async def _approve(uow: UnitOfWork, actor: Principal, period_end: date, threshold: int) -> int:
    """The approval check: recorded disbursements in the sampled buckets wait for a person;
    the others are approved by the run (their history says so; `_pay_disbursements` moves
    them on to PAID in the same statement as the approved ones, one write per row)."""
    held = and_(
        _payable(actor.organization_id, period_end, D.RECORDED),
        Disbursement.approval_bucket < threshold,
    )
    await bulk.history_of(uow, actor, held, D.RECORDED, D.PENDING_APPROVAL, DA.HOLD)
    count = await bulk.set_status(uow, held, D.PENDING_APPROVAL)
    passed = _payable(actor.organization_id, period_end, D.RECORDED)
    await bulk.history_of(uow, actor, passed, D.RECORDED, D.APPROVED, DA.APPROVE)
    return count


async def _dues(
    uow: UnitOfWork, agency_id: uuid.UUID, period_start: date, period_end: date
) -> dict[uuid.UUID, Due]:
    dues: dict[uuid.UUID, Due] = {}
    approved = await uow.session.execute(
        select(Disbursement.provider_id, Disbursement.provider_organization_id)
        .where(_payable(agency_id, period_end, D.RECORDED, D.APPROVED))
        .group_by(Disbursement.provider_id, Disbursement.provider_organization_id)
    )
    for provider_id, organization_id in approved:
        dues.setdefault(provider_id, Due(organization_id)).disbursements = True
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
    number of providers (their names in one read, their numbers in one upsert)."""
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
            }
            for provider_id, due in dues.items()
        ],
    )
    return list(zip(payments, dues.values(), strict=True))


async def _pay_disbursements(
    uow: UnitOfWork, actor: Principal, run: PaymentRun, period_end: date
) -> int:
    """Approved disbursements (by a person, or by this run's check: still RECORDED here) are
    paid by the run's payment to their provider, and keep what was paid on each of them."""
    payable = _payable(run.organization_id, period_end, D.RECORDED, D.APPROVED)
    await bulk.history_of(uow, actor, payable, D.APPROVED, D.PAID, DA.PAY)
    to_provider = and_(
        payable,
        ProviderPayment.run_id == run.id,
        ProviderPayment.provider_id == Disbursement.provider_id,
    )
    return await bulk.set_status(
        uow,
        to_provider,
        D.PAID,
        payment_id=ProviderPayment.id,
        paid_quantity=Disbursement.disbursed_quantity,
        paid_amount=Disbursement.amount,
    )


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


async def _disbursement_lines(
    uow: UnitOfWork, run: PaymentRun
) -> dict[uuid.UUID, list[ProviderPaymentLine]]:
    """For each payment of the run, one line per benefit: the count, units and amount of the
    disbursements it paid (one aggregate for all the run's payments)."""
    totals = await uow.session.execute(
        select(
            Disbursement.payment_id,
            Disbursement.benefit_id,
            func.count(),
            func.sum(Disbursement.paid_quantity),
            func.sum(Disbursement.paid_amount),
        )
        .where(
            Disbursement.payment_id.in_(
                select(ProviderPayment.id).where(ProviderPayment.run_id == run.id)
            )
        )
        .group_by(Disbursement.payment_id, Disbursement.benefit_id)
        .order_by(Disbursement.payment_id, Disbursement.benefit_id)
    )
    lines: dict[uuid.UUID, list[ProviderPaymentLine]] = {}
    for payment_id, benefit_id, count, quantity, amount in totals:
        lines.setdefault(payment_id, []).append(
            _line(
                payment_id,
                PaymentLineKind.DISBURSEMENT,
                Decimal(amount),
                benefit_id=benefit_id,
                disbursement_count=int(count),
                quantity=Decimal(quantity),
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
