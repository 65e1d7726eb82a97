"""Provider network management: recruiting (adequacy targets, campaigns, leads), applications
with their credentials, documents and document requests, alerts, contract templates,
contracts with their versions, and onboarding tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.identity.models import enum_column
from domain.models import Base, HasId, Timestamped
from domain.network.lifecycle import (
    ApplicationStatus,
    CommitteeDecision,
    ContractStatus,
    ContractVersionStatus,
    NetworkStage,
    OnboardingTaskStatus,
    OutreachStatus,
    VerificationStatus,
)


class CampaignStatus(StrEnum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class LeadSource(StrEnum):
    TARGET = "TARGET"  # put on a campaign's list by network staff
    INTEREST_FORM = "INTEREST_FORM"  # the provider filled in the public interest form


class CredentialKind(StrEnum):
    NPI = "NPI"
    LICENSE = "LICENSE"
    BOARD_CERTIFICATION = "BOARD_CERTIFICATION"
    EDUCATION = "EDUCATION"
    MALPRACTICE_INSURANCE = "MALPRACTICE_INSURANCE"
    SANCTIONS_CHECK = "SANCTIONS_CHECK"  # exclusion lists (OIG LEIE, SAM) for each practitioner


class VerificationMethod(StrEnum):
    IN_HOUSE = "IN_HOUSE"  # a credentialing specialist checked the document
    SOURCE = "SOURCE"  # asked a verification source (primary source verification)


class VerificationSourceKind(StrEnum):
    NPI_REGISTRY = "NPI_REGISTRY"
    LICENSE_BOARD = "LICENSE_BOARD"
    SANCTIONS_LIST = "SANCTIONS_LIST"


class DocumentRequestStatus(StrEnum):
    OPEN = "OPEN"
    ANSWERED = "ANSWERED"


class AlertKind(StrEnum):
    CREDENTIAL_EXPIRING = "CREDENTIAL_EXPIRING"
    CREDENTIAL_EXPIRED = "CREDENTIAL_EXPIRED"
    RECREDENTIALING_DUE = "RECREDENTIALING_DUE"
    CONTRACT_EXPIRING = "CONTRACT_EXPIRING"
    CONTRACT_EXPIRED = "CONTRACT_EXPIRED"


class NetworkTier(StrEnum):
    PREFERRED = "PREFERRED"
    STANDARD = "STANDARD"
    LIMITED = "LIMITED"


class OnboardingTaskKind(StrEnum):
    DIRECTORY_LISTING = "DIRECTORY_LISTING"
    PORTAL_ACCESS = "PORTAL_ACCESS"
    TRAINING = "TRAINING"


class AdequacyTarget(HasId, Timestamped, Base):
    """How many in-network providers of a specialty the network wants within `radius_km` of
    a point (a county seat, a ZIP centroid): the measure of a network gap."""

    __tablename__ = "network_adequacy_targets"
    __table_args__ = (UniqueConstraint("organization_id", "specialty_code", "area_name"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    specialty_code: Mapped[str] = mapped_column(String(10))
    specialty_display: Mapped[str] = mapped_column(String(200))
    area_name: Mapped[str] = mapped_column(String(200))
    latitude: Mapped[float] = mapped_column()
    longitude: Mapped[float] = mapped_column()
    radius_km: Mapped[float] = mapped_column()
    target_count: Mapped[int] = mapped_column()


class RecruitmentCampaign(HasId, Timestamped, Base):
    """Outreach to providers who would fill a gap; `code` names it on the public interest form."""

    __tablename__ = "network_campaigns"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    specialty_code: Mapped[str | None] = mapped_column(String(10))
    area_name: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[CampaignStatus] = mapped_column(enum_column(CampaignStatus))
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class Lead(HasId, Timestamped, Base):
    """A prospective provider: a campaign's target or someone who said they are interested."""

    __tablename__ = "network_leads"
    __table_args__ = (
        Index("ix_network_leads_org_status", "organization_id", "status"),
        Index("ix_network_leads_campaign_email", "campaign_id", "email"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("network_campaigns.id"))
    source: Mapped[LeadSource] = mapped_column(enum_column(LeadSource))
    status: Mapped[OutreachStatus] = mapped_column(enum_column(OutreachStatus))  # outreach
    stage: Mapped[NetworkStage] = mapped_column(enum_column(NetworkStage))
    name: Mapped[str] = mapped_column(String(200))
    practice_name: Mapped[str | None] = mapped_column(String(200))
    npi: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    specialty_code: Mapped[str | None] = mapped_column(String(10))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)
    outreach_note: Mapped[str | None] = mapped_column(Text)
    last_contacted_at: Mapped[datetime | None] = mapped_column()
    interest_at: Mapped[datetime | None] = mapped_column()
    provider_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Application(HasId, Timestamped, Base):
    """A provider's application to join the network, filled in by its own staff on the portal.

    The practice, practitioners, locations, specialties, services and languages are kept as
    the applicant entered them (checked with the directory's rules) until the committee
    approves; then they become the provider's directory entries (`provider_id`)."""

    __tablename__ = "network_applications"
    __table_args__ = (
        Index("ix_network_applications_org_status", "organization_id", "status"),
        Index("ix_network_applications_recredentialing", "recredentialing_due_on"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    lead_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("network_leads.id"))
    status: Mapped[ApplicationStatus] = mapped_column(enum_column(ApplicationStatus))
    stage: Mapped[NetworkStage] = mapped_column(enum_column(NetworkStage))
    practice: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    practitioners: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    locations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    specialties: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    services: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column()
    decision: Mapped[CommitteeDecision | None] = mapped_column(enum_column(CommitteeDecision))
    decision_notes: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column()
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column()
    credentialed_on: Mapped[date | None] = mapped_column(Date)
    recredentialing_due_on: Mapped[date | None] = mapped_column(Date)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("providers.id"), index=True)
    practitioner_provider_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Credential(HasId, Timestamped, Base):
    """One item of the credentialing checklist and its verification: a licence, board
    certification, degree, malpractice policy, NPI or sanctions check of the practice or one
    of its practitioners (`subject_npi`)."""

    __tablename__ = "network_credentials"
    __table_args__ = (
        Index("ix_network_credentials_application", "application_id", "position"),
        Index("ix_network_credentials_status_expires", "status", "expires_on"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column()
    kind: Mapped[CredentialKind] = mapped_column(enum_column(CredentialKind))
    subject_name: Mapped[str] = mapped_column(String(200))
    subject_npi: Mapped[str | None] = mapped_column(String(10))
    number: Mapped[str | None] = mapped_column(String(80))
    issuer: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str | None] = mapped_column(String(2))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[VerificationStatus] = mapped_column(enum_column(VerificationStatus))
    method: Mapped[VerificationMethod | None] = mapped_column(enum_column(VerificationMethod))
    source: Mapped[VerificationSourceKind | None] = mapped_column(
        enum_column(VerificationSourceKind)
    )
    source_reference: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    verified_at: Mapped[datetime | None] = mapped_column()
    verified_by_id: Mapped[uuid.UUID | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class DocumentRequest(HasId, Base):
    """A credentialing specialist's request for more documents; the applicant answers it."""

    __tablename__ = "network_document_requests"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[DocumentRequestStatus] = mapped_column(enum_column(DocumentRequestStatus))
    requested_at: Mapped[datetime] = mapped_column()
    requested_by_id: Mapped[uuid.UUID] = mapped_column()
    answered_at: Mapped[datetime | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)


class ApplicationDocument(HasId, Base):
    """A file the applicant uploaded (licence copy, certificate of insurance, W-9, ...)."""

    __tablename__ = "network_documents"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id", ondelete="CASCADE"), index=True
    )
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("network_document_requests.id"))
    title: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column()
    uploaded_by_id: Mapped[uuid.UUID] = mapped_column()


class NetworkAlert(HasId, Base):
    """Raised once per credential and date by the expiry scan; `key` keeps it unique."""

    __tablename__ = "network_alerts"
    __table_args__ = (Index("ix_network_alerts_org_raised", "organization_id", "raised_at"),)

    key: Mapped[str] = mapped_column(String(120), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id", ondelete="CASCADE")
    )
    credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("network_credentials.id", ondelete="CASCADE")
    )
    due_on: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column()


class ContractTemplate(HasId, Timestamped, Base):
    """A contract text with `{{merge_field}}` placeholders and default terms."""

    __tablename__ = "network_contract_templates"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    merge_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[uuid.UUID] = mapped_column()


class NetworkContract(HasId, Timestamped, Base):
    """The network's contract with an approved provider, in versions; the signed one rules.

    `delivery_contract_ids` are the service-delivery contracts its activation opened, whose
    rates the disbursement rate priority uses."""

    __tablename__ = "network_contracts"
    __table_args__ = (Index("ix_network_contracts_org_status", "organization_id", "status"),)

    number: Mapped[str] = mapped_column(String(32), unique=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id"), index=True
    )
    provider_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("providers.id"), index=True)
    provider_organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network_contract_templates.id"))
    status: Mapped[ContractStatus] = mapped_column(enum_column(ContractStatus))
    current_version: Mapped[int] = mapped_column()
    signature_envelope_id: Mapped[str | None] = mapped_column(String(120))
    signed_by_name: Mapped[str | None] = mapped_column(String(200))
    signed_by_email: Mapped[str | None] = mapped_column(String(254))
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_document_hash: Mapped[str | None] = mapped_column(String(64))
    activated_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    delivery_contract_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class ContractVersion(HasId, Base):
    """One version of a contract: its terms and the document rendered from the template."""

    __tablename__ = "network_contract_versions"
    __table_args__ = (UniqueConstraint("contract_id", "number"),)

    contract_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_contracts.id", ondelete="CASCADE")
    )
    number: Mapped[int] = mapped_column()
    status: Mapped[ContractVersionStatus] = mapped_column(enum_column(ContractVersionStatus))
    tier: Mapped[NetworkTier] = mapped_column(enum_column(NetworkTier))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    payment_terms: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    covered_services: Mapped[list[str]] = mapped_column(JSON, default=list)
    clauses: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    document: Mapped[str] = mapped_column(Text)
    document_hash: Mapped[str] = mapped_column(String(64))
    change_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column()
    created_by_id: Mapped[uuid.UUID] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column()


class OnboardingTask(HasId, Timestamped, Base):
    """What must be done before an approved, contracted provider is in network."""

    __tablename__ = "network_onboarding_tasks"
    __table_args__ = (UniqueConstraint("contract_id", "kind"),)

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("network_applications.id"), index=True
    )
    contract_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("network_contracts.id"))
    kind: Mapped[OnboardingTaskKind] = mapped_column(enum_column(OnboardingTaskKind))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[OnboardingTaskStatus] = mapped_column(enum_column(OnboardingTaskStatus))
    due_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
