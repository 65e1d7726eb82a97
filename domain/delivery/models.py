"""Service delivery (seeds 000 steps 4-6, 002, 003): benefit schedules and their sessions,
enrollments, one disbursement per enrollment, provider contracts with their rates, provider
payments with lines, and over/underpayment corrections.

The service authorization itself is not copied: it is the approved AuthorizationLine (see
`domain.delivery.authorized`), whose `used_quantity` attendance keeps up to date."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column

from domain.catalog.models import MONEY, UnitOfMeasure
from domain.delivery.lifecycle import (
    ContractStatus,
    CorrectionStatus,
    DisbursementStatus,
    PaymentStatus,
    SessionStatus,
)
from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped

QUANTITY = Numeric(12, 2)


class Recurrence(StrEnum):
    NONE = "NONE"
    DAILY = "DAILY"
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"


class Attendance(StrEnum):
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    EXCUSED = "EXCUSED"
    PARTIAL = "PARTIAL"  # with the units actually received


class RateSource(StrEnum):
    """Where a disbursement's rate came from, highest priority first (DESIGN §3)."""

    AUTHORIZATION = "AUTHORIZATION"
    CONTRACT = "CONTRACT"
    PROVIDER_SERVICE = "PROVIDER_SERVICE"
    OFFERING = "OFFERING"


class ContractKind(StrEnum):
    FLAT_RATE = "FLAT_RATE"  # a fixed amount per payment period, used or not
    UTILIZATION = "UTILIZATION"  # per-unit rates per covered service


class PaymentLineKind(StrEnum):
    DISBURSEMENT = "DISBURSEMENT"
    FLAT_RATE = "FLAT_RATE"
    CORRECTION = "CORRECTION"
    PRODUCT = "PRODUCT"  # one instalment of a product delivery benefit to its nominee


class PayeeKind(StrEnum):
    PROVIDER = "PROVIDER"  # service delivery: the provider that delivered
    NOMINEE = "NOMINEE"  # product delivery: the case component's nominee (seed 003)


class DeliveryMethod(StrEnum):
    EFT = "EFT"
    CHECK = "CHECK"
    CASH = "CASH"


class DeliveryFrequency(StrEnum):
    WEEKLY = "WEEKLY"
    BIWEEKLY = "BIWEEKLY"
    MONTHLY = "MONTHLY"


class CorrectionKind(StrEnum):
    OVERPAYMENT = "OVERPAYMENT"  # recovered by the next run (a negative line)
    UNDERPAYMENT = "UNDERPAYMENT"  # paid by the next run


class BenefitSchedule(HasId, Timestamped, Base):
    """A provider's recurring sessions of one benefit, which constituents are enrolled in."""

    __tablename__ = "benefit_schedules"
    __table_args__ = (Index("ix_benefit_schedules_provider_benefit", "provider_id", "benefit_id"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"))
    name: Mapped[str] = mapped_column(String(200))
    default_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(enum_column(UnitOfMeasure))
    max_participants: Mapped[int] = mapped_column()
    recurrence: Mapped[Recurrence] = mapped_column(enum_column(Recurrence))
    first_session_start: Mapped[datetime] = mapped_column()
    first_session_end: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class BenefitSession(HasId, Timestamped, Base):
    """One occurrence of a schedule; the counts follow enrollment and attendance."""

    __tablename__ = "benefit_sessions"
    __table_args__ = (
        UniqueConstraint("schedule_id", "sequence"),
        Index("ix_benefit_sessions_org_starts_at", "provider_organization_id", "starts_at"),
    )

    schedule_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("benefit_schedules.id", ondelete="CASCADE")
    )
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    sequence: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[SessionStatus] = mapped_column(enum_column(SessionStatus))
    enrolled_count: Mapped[int] = mapped_column(default=0)
    attendee_count: Mapped[int] = mapped_column(default=0)
    absentee_count: Mapped[int] = mapped_column(default=0)


class SessionEnrollment(HasId, Timestamped, Base):
    """A constituent in a session under one authorization line, and their attendance."""

    __tablename__ = "session_enrollments"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("benefit_sessions.id", ondelete="CASCADE")
    )
    authorization_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_lines.id"), index=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    attendance: Mapped[Attendance | None] = mapped_column(enum_column(Attendance))
    attended_units: Mapped[Decimal | None] = mapped_column(QUANTITY)
    recorded_at: Mapped[datetime | None] = mapped_column()
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column()
    enrolled_by_id: Mapped[uuid.UUID] = mapped_column()


class ProviderContract(HasId, Timestamped, Base):
    """An agency's contract with a provider: a flat amount per payment period, or per-unit
    rates for the covered services (which override provider and offering rates)."""

    __tablename__ = "provider_contracts"
    __table_args__ = (Index("ix_provider_contracts_provider_status", "provider_id", "status"),)

    number: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[ContractKind] = mapped_column(enum_column(ContractKind))
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    flat_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class ContractService(HasId, Base):
    """A service the contract covers; `rate` per unit for a UTILIZATION contract."""

    __tablename__ = "contract_services"
    __table_args__ = (UniqueConstraint("contract_id", "benefit_id"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("provider_contracts.id", ondelete="CASCADE")
    )
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"), index=True)
    rate: Mapped[Decimal | None] = mapped_column(MONEY)


class PaymentRun(HasId, Base):
    """One run of `runProviderPayments` over a period: what it created, for the record."""

    __tablename__ = "payment_runs"
    __table_args__ = (
        Index("ix_payment_runs_org_period", "organization_id", "period_start"),
        UniqueConstraint("organization_id", "seq"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    # The agency's payment sequence: 1, 2, ... per run (taken under the agency's payment lock).
    seq: Mapped[int] = mapped_column(BigInteger, server_default="0")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    run_at: Mapped[datetime] = mapped_column()
    run_by_id: Mapped[uuid.UUID] = mapped_column()
    payments_created: Mapped[int] = mapped_column(default=0)
    disbursements_paid: Mapped[int] = mapped_column(default=0)
    disbursements_held: Mapped[int] = mapped_column(default=0)


class ProviderPayment(HasId, Timestamped, Base):
    """What an agency pays one payee for one period. Once created its lines never change: a
    later change of attendance becomes a PaymentCorrection settled by a later payment."""

    __tablename__ = "provider_payments"
    __table_args__ = (
        Index("ix_provider_payments_org_period", "organization_id", "period_start"),
        Index("ix_provider_payments_payee_org", "payee_organization_id", "period_start"),
        Index("ix_provider_payments_provider_seq", "provider_id", "paid_through_seq"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    run_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payment_runs.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    payee_kind: Mapped[PayeeKind] = mapped_column(enum_column(PayeeKind))
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    payee_organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    payee_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    delivery_method: Mapped[DeliveryMethod | None] = mapped_column(enum_column(DeliveryMethod))
    payee_name: Mapped[str] = mapped_column(String(200))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[PaymentStatus] = mapped_column(enum_column(PaymentStatus))
    total_amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    issued_at: Mapped[datetime | None] = mapped_column()
    # A provider payment pays its provider's disbursements "up to" its run's seq (the
    # watermark, see `covers`); None for a nominee payment.
    paid_through_seq: Mapped[int | None] = mapped_column(BigInteger)
    # Cancelled: the seq of the agency's next run at that moment (what it paid is payable to
    # runs from that one on).
    released_seq: Mapped[int | None] = mapped_column(BigInteger)


def _dominates(payment: Any, agency: Any, provider: Any, seq: Any, day: Any) -> Any:
    return and_(
        payment.organization_id == agency,
        payment.provider_id == provider,
        payment.paid_through_seq >= seq,
        payment.period_end >= day,
    )


def uncovered(agency: Any, provider: Any, seq: Any, day: Any, through: Any) -> Any:
    """No payment made before the run of seq `through`, and not cancelled before that run,
    covers the disbursement (agency, provider, payable seq, service date)."""
    earlier = aliased(ProviderPayment)
    return ~exists().where(
        _dominates(earlier, agency, provider, seq, day),
        earlier.paid_through_seq < through,
        or_(earlier.released_seq.is_(None), earlier.released_seq > through),
    ).correlate_except(earlier)


def _paid_by(agency: Any, provider: Any, seq: Any, day: Any, status: Any) -> Any:
    """The live payment covering a disbursement, as a correlated scalar subquery."""
    return (
        select(ProviderPayment.id)
        .where(
            covers(ProviderPayment, agency, provider, seq, day, status),
            ProviderPayment.status != PaymentStatus.CANCELLED,
        )
        .limit(1)
        .correlate_except(ProviderPayment)
        .scalar_subquery()
    )


def _if_paid(keys: tuple[Any, ...], value: Any) -> Any:
    """`value` of a paid disbursement (one a live payment covers), else NULL."""
    return case((_paid_by(*keys).is_not(None), value), else_=None)


def covers(payment: Any, agency: Any, provider: Any, seq: Any, day: Any, status: Any) -> Any:
    """`payment` paid the disbursement: the disbursement is APPROVED (which it stays once
    paid), of the payment's agency and provider, became payable before the payment's run (its
    seq up to the payment's), its service date is within the payment's period end, and no
    earlier payment that was not cancelled when this one was made covers it. A disbursement
    has at most one covering payment that is not cancelled: the one that paid it."""
    return and_(
        status == DisbursementStatus.APPROVED,
        _dominates(payment, agency, provider, seq, day),
        uncovered(agency, provider, seq, day, payment.paid_through_seq),
    )


class Disbursement(HasId, Timestamped, Base):
    """What one session enrollment delivers and costs; who may see it is denormalised (the
    agency that authorized, the provider's organisation) so lists need no joins to scope."""

    __tablename__ = "disbursements"
    __table_args__ = (
        Index(
            "ix_disbursements_agency_status_date",
            "agency_organization_id",
            "status",
            "service_date",
        ),
        Index("ix_disbursements_provider_org_date", "provider_organization_id", "service_date"),
    )

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("session_enrollments.id", ondelete="CASCADE"), unique=True
    )
    authorization_line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_lines.id"), index=True
    )
    agency_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"))
    benefit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefits.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("benefit_sessions.id"), index=True)
    service_date: Mapped[date] = mapped_column(Date)
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(enum_column(UnitOfMeasure))
    planned_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    disbursed_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    rate_source: Mapped[RateSource | None] = mapped_column(enum_column(RateSource))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[DisbursementStatus] = mapped_column(enum_column(DisbursementStatus))
    # Which of 10,000 buckets the approval check at attendance samples from (a stable draw at
    # creation, so recording the same attendance again picks the same ones).
    approval_bucket: Mapped[int] = mapped_column()
    # The agency's payment sequence when it last became payable (APPROVED): the seq of the
    # next run (`PaymentRun.seq`). None while not payable (see `covers`).
    payable_seq: Mapped[int | None] = mapped_column(BigInteger)
    # What was paid, kept by attendance when it changes a paid disbursement (the run writes
    # no disbursement); None: as paid is as it is.
    quantity_as_paid: Mapped[Decimal | None] = mapped_column(QUANTITY)
    amount_as_paid: Mapped[Decimal | None] = mapped_column(MONEY)
    # Derived, never stored (the run writes no disbursement): the payment that paid it (the
    # live one covering it) and what it paid, loaded with the row. Kept as loaded through a
    # flush: no change of a disbursement itself moves them (a run or a cancellation does).
    payment_id: Mapped[uuid.UUID | None] = column_property(
        _paid_by(agency_organization_id, provider_id, payable_seq, service_date, status),
        expire_on_flush=False,
    )
    paid_quantity: Mapped[Decimal | None] = column_property(
        _if_paid(
            (agency_organization_id, provider_id, payable_seq, service_date, status),
            func.coalesce(quantity_as_paid, disbursed_quantity),
        ),
        expire_on_flush=False,
    )
    paid_amount: Mapped[Decimal | None] = column_property(
        _if_paid(
            (agency_organization_id, provider_id, payable_seq, service_date, status),
            func.coalesce(amount_as_paid, amount),
        ),
        expire_on_flush=False,
    )

    @property
    def current_status(self) -> DisbursementStatus:
        """Its status as people see it: PAID once a live payment covers it."""
        return DisbursementStatus.PAID if self.payment_id is not None else self.status


class ProviderPaymentLine(HasId, Base):
    """The disbursements of one benefit paid (summed), a flat-rate contract's amount, or a
    correction settled. A disbursement's paid quantity and amount are read through the payment
    that covers it (`Disbursement.payment_id`)."""

    __tablename__ = "provider_payment_lines"

    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("provider_payments.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[PaymentLineKind] = mapped_column(enum_column(PaymentLineKind))
    benefit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("benefits.id"))
    disbursement_count: Mapped[int] = mapped_column(default=0)
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("provider_contracts.id"), index=True
    )
    correction_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("payment_corrections.id"), index=True
    )
    benefit_assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("benefit_assignments.id"), index=True
    )
    due_date: Mapped[date | None] = mapped_column(Date)  # of a PRODUCT instalment
    quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    description: Mapped[str | None] = mapped_column(String(200))


class PaymentCorrection(HasId, Timestamped, Base):
    """Too much or too little paid for a disbursement, linked to the payment that paid it."""

    __tablename__ = "payment_corrections"
    __table_args__ = (Index("ix_payment_corrections_org_status", "organization_id", "status"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    disbursement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disbursements.id"), index=True)
    original_payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("provider_payments.id"), index=True
    )
    kind: Mapped[CorrectionKind] = mapped_column(enum_column(CorrectionKind))
    quantity_delta: Mapped[Decimal] = mapped_column(QUANTITY)
    amount: Mapped[Decimal] = mapped_column(MONEY)  # signed: negative for an overpayment
    status: Mapped[CorrectionStatus] = mapped_column(enum_column(CorrectionStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    settled_payment_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("provider_payments.id"))
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class DeliveryPattern(HasId, Base):
    """How a case component's nominee is paid (seed 003): method and frequency. The current
    row has no `ended_at`; ended rows are its history. None set: EFT, MONTHLY."""

    __tablename__ = "delivery_patterns"
    __table_args__ = (Index("ix_delivery_patterns_case_component", "case_id", "component"),)

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    component: Mapped[str] = mapped_column(String(80))
    method: Mapped[DeliveryMethod] = mapped_column(enum_column(DeliveryMethod))
    frequency: Mapped[DeliveryFrequency] = mapped_column(enum_column(DeliveryFrequency))
    set_at: Mapped[datetime] = mapped_column()
    set_by_id: Mapped[uuid.UUID] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
