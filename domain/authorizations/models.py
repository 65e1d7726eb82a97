"""AuthorizationRequest (DESIGN §3), one model for both authorizers: an agency caseworker
deciding on a referral (seed 000) and a payer reached through a trading partner (seed 004).
Its lines carry their current determination; every determination is also kept as a row."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.catalog.models import MONEY, UnitOfMeasure
from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped


class AuthorizerKind(StrEnum):
    AGENCY = "AGENCY"
    PAYER = "PAYER"


class Priority(StrEnum):
    STANDARD = "STANDARD"
    EXPEDITED = "EXPEDITED"


class RequestCategory(StrEnum):
    OUTPATIENT_SERVICE = "OUTPATIENT_SERVICE"
    INPATIENT_ADMISSION = "INPATIENT_ADMISSION"
    REFERRAL = "REFERRAL"
    DME = "DME"
    DRUG = "DRUG"
    HOME_HEALTH = "HOME_HEALTH"
    TRANSPORT = "TRANSPORT"
    OTHER = "OTHER"


class CodeSystem(StrEnum):
    BENEFIT = "BENEFIT"  # an agency benefit from the catalog (the line's benefit_id)
    CPT = "CPT"
    HCPCS = "HCPCS"
    SERVICE_TYPE = "SERVICE_TYPE"  # X12 service type code


class AuthorizationRequest(HasId, Timestamped, Base):
    __tablename__ = "authorization_requests"
    # The worklist of each side, one status at a time in decision-due order: a page merges
    # these ordered ranges (one per status asked for) and stops after `first` rows, so it
    # costs the same at 10,000 requests as at 1,000,000.
    __table_args__ = (
        Index(
            "ix_authorization_requests_authorizer_due",
            "authorizer_organization_id", "status", "decision_due_at", "id",
        ),
        Index(
            "ix_authorization_requests_requesting_due",
            "requesting_organization_id", "status", "decision_due_at", "id",
        ),
        Index("ix_authorization_requests_decision_due_at", "decision_due_at"),
    )  # fmt: skip

    number: Mapped[str] = mapped_column(String(32), unique=True)
    authorizer_kind: Mapped[AuthorizerKind] = mapped_column(enum_column(AuthorizerKind))
    authorizer_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    requesting_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    requesting_provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    servicing_provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    patient_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    coverage_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("coverages.id"))
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    referral_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("referrals.id"), index=True)
    referral_recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referral_recipients.id"), unique=True
    )
    # Set only on the request that won its referral: the unique constraint is the database's
    # own guarantee that one referral authorizes one provider, whatever races the checks.
    authorized_referral_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("referrals.id"), unique=True
    )
    priority: Mapped[Priority] = mapped_column(enum_column(Priority))
    category: Mapped[RequestCategory] = mapped_column(enum_column(RequestCategory))
    status: Mapped[AuthorizationStatus] = mapped_column(enum_column(AuthorizationStatus))
    notes: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime | None] = mapped_column()
    decision_due_at: Mapped[datetime | None] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    trading_partner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("trading_partners.id"))
    facility_provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"))
    payer_reference: Mapped[str | None] = mapped_column(String(80))
    submitted_at: Mapped[datetime | None] = mapped_column()
    # When the follow-up engine next asks the payer's partner (None: nothing to ask).
    next_poll_at: Mapped[datetime | None] = mapped_column(index=True)
    poll_count: Mapped[int] = mapped_column(default=0, server_default="0")
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class AuthorizationLine(HasId, Base):
    """A requested service and, once decided, its current determination."""

    __tablename__ = "authorization_lines"
    __table_args__ = (UniqueConstraint("request_id", "sequence"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column()
    code_system: Mapped[CodeSystem] = mapped_column(enum_column(CodeSystem))
    service_code: Mapped[str | None] = mapped_column(String(20))
    benefit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("benefits.id"))
    modifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit_of_measure: Mapped[UnitOfMeasure] = mapped_column(enum_column(UnitOfMeasure))
    requested_start: Mapped[date | None] = mapped_column(Date)
    requested_end: Mapped[date | None] = mapped_column(Date)
    place_of_service: Mapped[str | None] = mapped_column(String(2))
    requested_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    review_action: Mapped[ReviewAction | None] = mapped_column(enum_column(ReviewAction))
    approved_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    approved_start: Mapped[date | None] = mapped_column(Date)
    approved_end: Mapped[date | None] = mapped_column(Date)
    authorization_number: Mapped[str | None] = mapped_column(String(50))
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    reviewer_notes: Mapped[str | None] = mapped_column(Text)
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    used_quantity: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    decided_at: Mapped[datetime | None] = mapped_column()


class AuthorizationDetermination(HasId, Base):
    """Every determination ever recorded for a line, newest last: the line keeps the current
    one, this keeps the history (an appeal's redetermination does not erase the first)."""

    __tablename__ = "authorization_determinations"
    __table_args__ = (
        Index("ix_authorization_determinations_request", "request_id", "recorded_at"),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE")
    )
    line_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_lines.id", ondelete="CASCADE")
    )
    review_action: Mapped[ReviewAction] = mapped_column(enum_column(ReviewAction))
    approved_quantity: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    approved_start: Mapped[date | None] = mapped_column(Date)
    approved_end: Mapped[date | None] = mapped_column(Date)
    authorization_number: Mapped[str | None] = mapped_column(String(50))
    reason_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    rate: Mapped[Decimal | None] = mapped_column(MONEY)
    recorded_at: Mapped[datetime] = mapped_column()
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column()


class AuthorizationDiagnosis(HasId, Base):
    """An ICD-10-CM diagnosis of the request; the first (sequence 1) is the principal one."""

    __tablename__ = "authorization_diagnoses"
    __table_args__ = (UniqueConstraint("request_id", "code"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(8))
    display: Mapped[str | None] = mapped_column(String(200))


class AttachmentKind(StrEnum):
    CLINICAL_NOTE = "CLINICAL_NOTE"
    LAB_RESULT = "LAB_RESULT"
    IMAGING_REPORT = "IMAGING_REPORT"
    LETTER_OF_MEDICAL_NECESSITY = "LETTER_OF_MEDICAL_NECESSITY"
    PRESCRIPTION = "PRESCRIPTION"
    QUESTIONNAIRE = "QUESTIONNAIRE"
    APPEAL_LETTER = "APPEAL_LETTER"
    OTHER = "OTHER"


class AuthorizationAttachment(HasId, Base):
    """A document sent with a request (or an answer to an information request). The content is
    kept with its SHA-256, so what was sent can be proven later."""

    __tablename__ = "authorization_attachments"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    information_request_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("information_requests.id")
    )
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind))
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    attached_at: Mapped[datetime] = mapped_column()
    attached_by_id: Mapped[uuid.UUID] = mapped_column()


class InformationRequestStatus(StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"


class InformationRequest(HasId, Base):
    """The authorizer asked for more: what, and by when; then the requester's answer."""

    __tablename__ = "information_requests"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    requested: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[InformationRequestStatus] = mapped_column(enum_column(InformationRequestStatus))
    requested_at: Mapped[datetime] = mapped_column()
    response: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column()
    answered_by_id: Mapped[uuid.UUID | None] = mapped_column()


class ClaimReference(HasId, Base):
    """A claim that used an authorization: which line, how many units, for which date."""

    __tablename__ = "claim_references"
    __table_args__ = (UniqueConstraint("claim_id", "line_id"),)

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    line_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("authorization_lines.id"))
    claim_id: Mapped[str] = mapped_column(String(80))
    units_used: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    service_date: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column()
    submitted_by_id: Mapped[uuid.UUID] = mapped_column()


class AppealStatus(StrEnum):
    OPEN = "OPEN"
    OVERTURNED = "OVERTURNED"
    UPHELD = "UPHELD"


class Appeal(HasId, Base):
    __tablename__ = "appeals"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    expedited: Mapped[bool] = mapped_column()
    status: Mapped[AppealStatus] = mapped_column(enum_column(AppealStatus))
    submitted_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    decided_at: Mapped[datetime | None] = mapped_column()
    outcome_notes: Mapped[str | None] = mapped_column(Text)
    via_peer_to_peer: Mapped[bool] = mapped_column(default=False)


class PeerToPeerStatus(StrEnum):
    REQUESTED = "REQUESTED"
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class PeerToPeer(HasId, Base):
    """The requesting physician asks to discuss a denial with the payer's medical reviewer."""

    __tablename__ = "peer_to_peer_reviews"

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    proposed_times: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_phone: Mapped[str] = mapped_column(String(40))
    status: Mapped[PeerToPeerStatus] = mapped_column(enum_column(PeerToPeerStatus))
    requested_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime] = mapped_column()
    scheduled_at: Mapped[datetime | None] = mapped_column()
    outcome: Mapped[AppealStatus | None] = mapped_column(enum_column(AppealStatus))
    outcome_notes: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column()


class Requirement(StrEnum):
    REQUIRED = "REQUIRED"
    NOT_REQUIRED = "NOT_REQUIRED"
    UNKNOWN = "UNKNOWN"  # no rule of the payer covers it: ask the payer


class AuthorizationRule(HasId, Timestamped, Base):
    """One of a payer's prior-authorization rules: services in a code range (optionally only
    with some diagnoses, at some places of service, or above a quantity) need authorization, or
    do not, and with which documentation. More specific rules win over broader ones."""

    __tablename__ = "authorization_rules"
    __table_args__ = (
        Index("ix_authorization_rules_payer_code", "payer_organization_id", "code_system"),
    )

    payer_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    code_system: Mapped[CodeSystem] = mapped_column(enum_column(CodeSystem))
    code_from: Mapped[str] = mapped_column(String(20))
    code_to: Mapped[str] = mapped_column(String(20))
    diagnosis_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    places_of_service: Mapped[list[str]] = mapped_column(JSON, default=list)
    quantity_over: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    requirement: Mapped[Requirement] = mapped_column(enum_column(Requirement))
    documentation: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)


class InboundChannel(StrEnum):
    """How a partner's submission reached us."""

    FHIR_PAS = "FHIR_PAS"  # Da Vinci PAS Claim/$submit on /fhir
    X12_278 = "X12_278"  # X12 278 request in a CAQH CORE envelope on /soap/core


class CertificationType(StrEnum):
    """What a submission asks (X12 UM02 / PAS certificationType): a new request, an update of
    an earlier one, or its cancellation."""

    NEW = "NEW"
    UPDATE = "UPDATE"
    CANCEL = "CANCEL"


class SubmissionReceipt(HasId, Base):
    """One submission a partner sent us (PAS Bundle, X12 278) and the request it made or
    changed: the request's origin is its NEW receipt. The sender's reference (Bundle
    identifier, BHT03/TRN) is unique per sending organisation and channel, so a resend is
    recognised; the fingerprint tells a resend from a different message reusing the reference."""

    __tablename__ = "submission_receipts"
    __table_args__ = (
        UniqueConstraint(
            "sender_organization_id",
            "channel",
            "sender_reference",
            name="uq_submission_receipts_sender_reference",
        ),
    )

    request_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("authorization_requests.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[InboundChannel] = mapped_column(enum_column(InboundChannel))
    sender_reference: Mapped[str] = mapped_column(String(200))
    trace_number: Mapped[str | None] = mapped_column(String(200))
    certification: Mapped[CertificationType] = mapped_column(enum_column(CertificationType))
    sender_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    api_client_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("api_clients.id"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column()
