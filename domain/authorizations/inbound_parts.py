"""The parts of an inbound submission (see `inbound`): the `InboundSubmission` value an adapter
maps a PAS Bundle or an X12 278 to, and the checks and builders that turn one into a request's
data (services, coverage, requesting organisation, providers, documents), each raising the
typed DomainError its adapter answers with."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.authorizations.documents import Document, add_attachment, check_document
from domain.authorizations.intake import EhrIntake, IntakeCoverage, IntakeProvider
from domain.authorizations.intake_records import (
    draft_data,
    ordered_services,
    provider_npis,
    providers_by_npi,
    service_line,
)
from domain.authorizations.models import (
    AuthorizationRequest,
    CertificationType,
    InboundChannel,
    Priority,
    RequestCategory,
)
from domain.authorizations.payer_rules import PayerRequestData, ServiceLineData
from domain.errors import DomainError, ErrorCode
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal
from domain.models import new_id
from domain.providers.models import Provider
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class InboundSubmission:
    """A partner's submission in domain terms. `sender_reference` is the sender's identifier
    of this message (PAS Bundle identifier, else the Claim's; X12 BHT03/TRN); an update or a
    cancellation names the earlier submission in `related_reference` (its sender reference,
    or the request number we answered). `requester` is the submitting provider (PAS
    Claim.provider, X12 2010B); each service names its requesting and servicing providers."""

    intake: EhrIntake
    sender_reference: str
    channel: InboundChannel
    payer_identifier: str | None = None
    payer_name: str | None = None
    priority: Priority | None = None  # None: EXPEDITED if any service is
    certification: CertificationType = CertificationType.NEW
    related_reference: str | None = None
    requester: IntakeProvider | None = None
    category: RequestCategory = RequestCategory.OUTPATIENT_SERVICE
    attachments: tuple[Document, ...] = field(default_factory=tuple)
    notes: str | None = None
    # The patient-event trace number (PAS Claim.identifier, X12 2000E TRN): what later updates
    # and cancellations may name in `related_reference`.
    trace_number: str | None = None

    def fingerprint(self) -> str:
        """The same submission always has the same fingerprint (a resend); another does not."""
        return hashlib.sha256(repr(self).encode()).hexdigest()


def acting_for(actor: Principal, request_or_org: AuthorizationRequest | uuid.UUID) -> Principal:
    """The partner acting for the requesting provider organisation, with its staff's rights."""
    organization_id = (
        request_or_org.requesting_organization_id
        if isinstance(request_or_org, AuthorizationRequest)
        else request_or_org
    )
    return Principal(
        subject_id=actor.subject_id,
        organization_id=organization_id,
        organization_kind=OrganizationKind.PROVIDER,
        roles=frozenset({Role.PROVIDER_STAFF}),
        is_machine=actor.is_machine,
    )


def requested_lines(intake: EhrIntake) -> tuple[ServiceLineData, ...]:
    services = ordered_services(intake)
    if not services:
        raise DomainError(ErrorCode.NOTHING_REQUESTED, "No service is requested", "services")
    for index, service in enumerate(services):
        if service.code is None or service.code_system is None:
            raise DomainError(
                ErrorCode.NOTHING_REQUESTED,
                "A requested service has no CPT, HCPCS or service type code",
                f"services.{index}",
            )
    return tuple(service_line(service, index) for index, service in enumerate(services))


def coverage_in_force(intake: EhrIntake) -> IntakeCoverage:
    """The active primary coverage, in force on every requested date."""
    with_member = [c for c in intake.coverages if c.member_id]
    if not with_member:
        raise DomainError(
            ErrorCode.MEMBER_NOT_FOUND, "No coverage with a member id", "coverage.memberId"
        )
    coverage = intake.primary_coverage
    if coverage is None or not coverage.member_id:
        raise DomainError(
            ErrorCode.COVERAGE_INACTIVE, "The coverage is not active", "coverage.status"
        )
    start, end = coverage.period.start, coverage.period.end
    for service in intake.requested_services:
        first, last = service.occurrence.start, service.occurrence.end or service.occurrence.start
        if (end and first and first > end) or (start and last and last < start):
            raise DomainError(
                ErrorCode.COVERAGE_INACTIVE,
                "The coverage is not in force on the requested dates",
                "coverage.period",
            )
    return coverage


async def requesting_organization(
    uow: UnitOfWork, actor: Principal, submission: InboundSubmission
) -> uuid.UUID:
    """The sender's own organisation; for a clearinghouse, the provider organisation the
    requester's (else the requesting provider's) NPI names."""
    if actor.organization_kind is OrganizationKind.PROVIDER:
        return actor.organization_id
    services = submission.intake.requested_services
    candidates = [submission.requester, *(s.requesting_provider for s in services[:1])]
    for npi in (npi for provider in candidates for npi in provider_npis(provider)):
        found = await uow.session.scalar(
            select(Organization).where(
                Organization.npi == npi, Organization.kind == OrganizationKind.PROVIDER
            )
        )
        if found is not None:
            return found.id
        provider = await uow.session.scalar(select(Provider).where(Provider.npi == npi))
        if provider is not None:
            return provider.organization_id
    raise DomainError(
        ErrorCode.PROVIDER_NOT_RECOGNIZED, "The requesting provider is not known", "requester"
    )


async def services_providers(
    uow: UnitOfWork, submission: InboundSubmission
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The directory's requesting and servicing providers; an NPI we do not know is refused."""
    services = ordered_services(submission.intake)
    first = services[0]
    found: list[uuid.UUID | None] = []
    asked = [first.requesting_provider, first.servicing_provider]
    known_ones = await providers_by_npi(uow, asked)
    for field_name, provider, known in zip(
        ("requestingProvider", "servicingProvider"), asked, known_ones, strict=True
    ):
        if known is None and provider_npis(provider):
            raise DomainError(
                ErrorCode.PROVIDER_NOT_RECOGNIZED,
                f"No provider in the directory has the NPI {provider_npis(provider)[0]}",
                field_name,
            )
        found.append(known.id if known else None)
    return found[0], found[1]


def request_data(
    submission: InboundSubmission,
    payer_id: uuid.UUID,
    lines: tuple[ServiceLineData, ...],
    patient_id: uuid.UUID,
    coverage_id: uuid.UUID | None = None,
    requesting: uuid.UUID | None = None,
    servicing: uuid.UUID | None = None,
) -> PayerRequestData:
    expedited = None if submission.priority is None else submission.priority is Priority.EXPEDITED
    data = draft_data(
        submission.intake,
        payer_id,
        lines,
        patient_id=patient_id,
        coverage_id=coverage_id,
        requesting=requesting,
        servicing=servicing,
        category=submission.category,
        expedited=expedited,
    )
    if submission.notes and not data.notes:
        return PayerRequestData(**{**data.__dict__, "notes": submission.notes[:4000]})
    return data


def attach(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, submission: InboundSubmission
) -> None:
    for index, document in enumerate(submission.attachments):
        check_document(
            document.title, document.content_type, document.content, f"attachments.{index}"
        )
        add_attachment(uow, actor, request.id, document)


def receipt_values(
    submission: InboundSubmission,
    *,
    request_id: uuid.UUID,
    reference: str,
    fingerprint: str,
    sender_organization_id: uuid.UUID,
    api_client_id: uuid.UUID | None,
    now: datetime,
) -> dict[str, Any]:
    """The `SubmissionReceipt` of a submission taken in (its key too)."""
    return {
        "id": new_id(),
        "request_id": request_id,
        "channel": submission.channel,
        "sender_reference": reference,
        "trace_number": (submission.trace_number or "").strip()[:200] or None,
        "certification": submission.certification,
        "sender_organization_id": sender_organization_id,
        "api_client_id": api_client_id,
        "fingerprint": fingerprint,
        "received_at": now,
    }
