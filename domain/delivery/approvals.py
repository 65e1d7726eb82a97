"""The approval check at attendance, what a person decides about the disbursements it held,
and the payment's own lifecycle (approve, issue, cancel). Cancelling a payment makes what it
paid payable again and reopens the corrections it settled; its lines stay as the record."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.access import (
    PAYMENT_RUNNERS,
    delivery_event,
    lock_payments,
    move,
    next_seq,
    require_agency,
)
from domain.delivery.authorized import refresh_used_units
from domain.delivery.lifecycle import (
    CORRECTION_TRANSITIONS,
    DISBURSEMENT_TRANSITIONS,
    PAYMENT_TRANSITIONS,
    CorrectionAction,
    DisbursementAction,
    DisbursementStatus,
    PaymentAction,
    PaymentStatus,
)
from domain.delivery.models import Disbursement, PaymentCorrection, ProviderPayment
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.identity.rules import Principal
from domain.uow import UnitOfWork

ENTITY = "ProviderPayment"


async def approval_check(
    uow: UnitOfWork,
    actor: Principal,
    disbursement: Disbursement,
    threshold: int,
    seq: int,
) -> None:
    """The approval check, when attendance records a disbursement with an amount: those in the
    sampled buckets (`approval_bucket` < `threshold`, drawn once at enrollment) wait for a
    person (PENDING_APPROVAL); the others are approved, payable from the run of seq `seq`."""
    if disbursement.amount is None or disbursement.amount <= 0:
        return
    held = disbursement.approval_bucket < threshold
    action = DisbursementAction.HOLD if held else DisbursementAction.APPROVE
    await move(uow, actor, DISBURSEMENT_TRANSITIONS, disbursement, "Disbursement", action)
    if not held:
        disbursement.payable_seq = seq


async def review_disbursements(
    *,
    uow: UnitOfWork,
    actor: Principal,
    disbursement_ids: Sequence[uuid.UUID],
    approve: bool,
    reason: str | None = None,
) -> list[Disbursement]:
    """Approve (paid by the next run) or reject disbursements held for manual approval."""
    require_agency(actor, *PAYMENT_RUNNERS)
    await lock_payments(uow, actor.organization_id)
    found = {
        d.id: d
        for d in await uow.session.scalars(
            select(Disbursement)
            .where(
                Disbursement.id.in_(set(disbursement_ids)),
                Disbursement.agency_organization_id == actor.organization_id,
            )
            .with_for_update()
        )
    }
    errors = ErrorCollector()
    for index, disbursement_id in enumerate(disbursement_ids):
        held = found.get(disbursement_id)
        if held is None:
            errors.add(ErrorCode.NOT_FOUND, "Disbursement not found", f"disbursementIds.{index}")
        elif held.status is not DisbursementStatus.PENDING_APPROVAL:
            errors.add(
                ErrorCode.ILLEGAL_TRANSITION,
                f"The disbursement is {held.status}",
                f"disbursementIds.{index}",
            )
    errors.raise_if_any()
    action = DisbursementAction.APPROVE if approve else DisbursementAction.REJECT
    seq = await next_seq(uow, actor.organization_id)
    for disbursement in found.values():
        await move(
            uow, actor, DISBURSEMENT_TRANSITIONS, disbursement, "Disbursement", action, reason
        )
        if disbursement.status is DisbursementStatus.APPROVED:
            disbursement.payable_seq = seq  # paid by the next run
    await uow.session.flush()
    await refresh_used_units(uow, {d.authorization_line_id for d in found.values()})
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="Disbursement",
        entity_ids=found,
        fields=["status"],
    )
    for disbursement in found.values():
        uow.record(
            delivery_event(
                f"disbursement.{disbursement.status.value.lower()}",
                "Disbursement",
                disbursement.id,
                (disbursement.agency_organization_id, disbursement.provider_organization_id),
                uow,
            )
        )
    await uow.commit()
    return [found[i] for i in disbursement_ids]


async def transition_provider_payment(
    *,
    uow: UnitOfWork,
    actor: Principal,
    payment_id: uuid.UUID,
    action: PaymentAction,
    reason: str | None = None,
) -> ProviderPayment:
    """Approve, issue or cancel one of the agency's payments."""
    require_agency(actor, *PAYMENT_RUNNERS)
    await lock_payments(uow, actor.organization_id)
    payment = await uow.session.scalar(
        select(ProviderPayment)
        .where(
            ProviderPayment.id == payment_id,
            ProviderPayment.organization_id == actor.organization_id,
        )
        .with_for_update()
    )
    if payment is None:
        raise not_found("Provider payment", "id")
    await move(uow, actor, PAYMENT_TRANSITIONS, payment, ENTITY, action, reason)
    if payment.status is PaymentStatus.ISSUED:
        payment.issued_at = uow.clock.now()
    if payment.status is PaymentStatus.CANCELLED:
        await _release(uow, actor, payment)
    uow.record(
        delivery_event(
            f"provider_payment.{payment.status.value.lower()}",
            ENTITY,
            payment.id,
            (payment.organization_id, *filter(None, (payment.payee_organization_id,))),
            uow,
        )
    )
    await uow.commit()
    return payment


async def _release(uow: UnitOfWork, actor: Principal, payment: ProviderPayment) -> None:
    corrected = await uow.session.scalar(
        select(PaymentCorrection.id)
        .where(PaymentCorrection.original_payment_id == payment.id)
        .limit(1)
    )
    if corrected is not None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "Corrections were recorded against this payment; settle them instead of cancelling",
            "id",
        )
    # What it paid is payable again from the agency's next run on (see `covers`): nothing
    # is written to the disbursements but what attendance kept of what was paid.
    await uow.session.execute(
        update(Disbursement)
        .where(Disbursement.payment_id == payment.id, Disbursement.amount_as_paid.is_not(None))
        .values(quantity_as_paid=None, amount_as_paid=None)
        .execution_options(synchronize_session=False)
    )
    payment.released_seq = await next_seq(uow, payment.organization_id)
    settled = await uow.session.scalars(
        select(PaymentCorrection).where(PaymentCorrection.settled_payment_id == payment.id)
    )
    for correction in settled:
        await move(
            uow,
            actor,
            CORRECTION_TRANSITIONS,
            correction,
            "PaymentCorrection",
            CorrectionAction.REOPEN,
        )
        correction.settled_payment_id = None
