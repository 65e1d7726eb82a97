"""Delivery lifecycles (seeds 000 and 002, DESIGN §3) as transition tables: benefit sessions,
session enrollments, disbursements, provider contracts, provider payments and payment
corrections. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain import lifecycle


class SessionStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"  # its roster's attendance was recorded
    CANCELLED = "CANCELLED"


class SessionAction(StrEnum):
    COMPLETE = "COMPLETE"
    CANCEL = "CANCEL"


class DisbursementStatus(StrEnum):
    """One per session enrollment: planned at enrollment, disbursed by attendance, paid by a
    payment run. A change of attendance after payment keeps it PAID and makes a correction.
    PAID is never stored: a paid disbursement stays APPROVED and is PAID while a payment
    covers it (`Disbursement.current_status`); PAY and RELEASE are its payment's steps."""

    ENROLLED = "ENROLLED"
    RECORDED = "RECORDED"  # attendance set its disbursed quantity and amount
    PENDING_APPROVAL = "PENDING_APPROVAL"  # picked by the approval check for a person to see
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"  # refused at manual approval: never paid
    PAID = "PAID"
    CANCELLED = "CANCELLED"  # its session was cancelled before attendance


class DisbursementAction(StrEnum):
    RECORD = "RECORD"
    HOLD = "HOLD"
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    PAY = "PAY"
    RELEASE = "RELEASE"  # its payment was cancelled: payable again
    CANCEL = "CANCEL"


class ContractStatus(StrEnum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"


class ContractAction(StrEnum):
    ACTIVATE = "ACTIVATE"
    SUSPEND = "SUSPEND"
    RESUME = "RESUME"
    TERMINATE = "TERMINATE"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    ISSUED = "ISSUED"
    CANCELLED = "CANCELLED"


class PaymentAction(StrEnum):
    APPROVE = "APPROVE"
    ISSUE = "ISSUE"
    CANCEL = "CANCEL"


class CorrectionStatus(StrEnum):
    OPEN = "OPEN"  # to be settled by the next payment run
    SETTLED = "SETTLED"


class CorrectionAction(StrEnum):
    SETTLE = "SETTLE"
    REOPEN = "REOPEN"  # the payment that settled it was cancelled


S, A = SessionStatus, SessionAction
SESSION_TRANSITIONS: Mapping[tuple[SessionStatus, SessionAction], SessionStatus] = {
    (S.SCHEDULED, A.COMPLETE): S.COMPLETED,
    (S.SCHEDULED, A.CANCEL): S.CANCELLED,
}

D, DA = DisbursementStatus, DisbursementAction
# Attendance may be recorded again until the disbursement is paid; after that RECORD keeps it
# PAID (the service writes a correction instead of editing what was paid).
DISBURSEMENT_TRANSITIONS: Mapping[
    tuple[DisbursementStatus, DisbursementAction], DisbursementStatus
] = {
    **{
        (status, DA.RECORD): D.RECORDED
        for status in (D.ENROLLED, D.RECORDED, D.PENDING_APPROVAL, D.APPROVED)
    },
    (D.PAID, DA.RECORD): D.PAID,
    (D.ENROLLED, DA.CANCEL): D.CANCELLED,
    (D.RECORDED, DA.HOLD): D.PENDING_APPROVAL,
    (D.RECORDED, DA.APPROVE): D.APPROVED,
    (D.PENDING_APPROVAL, DA.APPROVE): D.APPROVED,
    (D.PENDING_APPROVAL, DA.REJECT): D.REJECTED,
    (D.APPROVED, DA.PAY): D.PAID,
    (D.PAID, DA.RELEASE): D.APPROVED,
}

C, CA = ContractStatus, ContractAction
CONTRACT_TRANSITIONS: Mapping[tuple[ContractStatus, ContractAction], ContractStatus] = {
    (C.DRAFT, CA.ACTIVATE): C.ACTIVE,
    (C.ACTIVE, CA.SUSPEND): C.SUSPENDED,
    (C.SUSPENDED, CA.RESUME): C.ACTIVE,
    (C.DRAFT, CA.TERMINATE): C.TERMINATED,
    (C.ACTIVE, CA.TERMINATE): C.TERMINATED,
    (C.SUSPENDED, CA.TERMINATE): C.TERMINATED,
}

P, PA = PaymentStatus, PaymentAction
PAYMENT_TRANSITIONS: Mapping[tuple[PaymentStatus, PaymentAction], PaymentStatus] = {
    (P.PENDING, PA.APPROVE): P.APPROVED,
    (P.APPROVED, PA.ISSUE): P.ISSUED,
    (P.PENDING, PA.CANCEL): P.CANCELLED,
    (P.APPROVED, PA.CANCEL): P.CANCELLED,
}

CORRECTION_TRANSITIONS: Mapping[tuple[CorrectionStatus, CorrectionAction], CorrectionStatus] = {
    (CorrectionStatus.OPEN, CorrectionAction.SETTLE): CorrectionStatus.SETTLED,
    (CorrectionStatus.SETTLED, CorrectionAction.REOPEN): CorrectionStatus.OPEN,
}

# Disbursements whose units count against the authorization: all but the ones that will never
# be delivered or paid.
LIVE_DISBURSEMENTS = frozenset(set(D) - {D.CANCELLED, D.REJECTED})


def next_session_status(current: SessionStatus, action: SessionAction) -> SessionStatus:
    return lifecycle.next_status(SESSION_TRANSITIONS, current, action)


def next_disbursement_status(
    current: DisbursementStatus, action: DisbursementAction
) -> DisbursementStatus:
    return lifecycle.next_status(DISBURSEMENT_TRANSITIONS, current, action)


def next_contract_status(current: ContractStatus, action: ContractAction) -> ContractStatus:
    return lifecycle.next_status(CONTRACT_TRANSITIONS, current, action)


def next_payment_status(current: PaymentStatus, action: PaymentAction) -> PaymentStatus:
    return lifecycle.next_status(PAYMENT_TRANSITIONS, current, action)


def next_correction_status(current: CorrectionStatus, action: CorrectionAction) -> CorrectionStatus:
    return lifecycle.next_status(CORRECTION_TRANSITIONS, current, action)
