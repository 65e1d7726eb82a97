"""Inbound submissions (DESIGN §4): a provider organisation's or clearinghouse's system sends
us a prior-authorization request (FHIR PAS `$submit`, X12 278 in a CORE envelope); the
adapter maps it to an `InboundSubmission` and this service takes it in, FHIR- and X12-free.

In ONE transaction: the patient and coverage are matched or recorded, the payer found by its
identifier, the request created with its origin (a `SubmissionReceipt`: channel, sender's
reference, API client) and handed to the payer's trading partner through the outbox. The same
sender reference again answers the request already made and writes nothing; an update or a
cancellation applies to the earlier request. Business rejections raise typed DomainErrors
(docs/errors.md) that adapters turn into ClaimResponse.error / X12 AAA; nothing is written then.

A partner acts through its API client (role PARTNER); what it submits is done *for* the
requesting provider organisation (its own organisation, or for a clearinghouse the one the
requester's NPI names), with that organisation's staff rights and the API client as actor."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.documents import Document, add_attachment, check_document
from domain.authorizations.inbound_state import SubmissionState, current_answer, search_requests
from domain.authorizations.intake import EhrIntake, IntakeCoverage, IntakeProvider
from domain.authorizations.intake_records import (
    draft_data,
    match_coverage,
    match_person,
    ordered_services,
    payer_by_identifier,
    provider_by_npi,
    provider_npis,
    service_line,
)
from domain.authorizations.lifecycle import AWAITING_DETERMINATION, AuthorizationStatus
from domain.authorizations.models import (
    AuthorizationRequest,
    AuthorizerKind,
    CertificationType,
    InboundChannel,
    Priority,
    RequestCategory,
    SubmissionReceipt,
)
from domain.authorizations.payer import (
    EDITABLE,
    draft_payer_request,
    hand_to_partner,
    partner_for,
    replace_details,
    withdraw_request,
)
from domain.authorizations.payer_rules import PayerRequestData, ServiceLineData, check_payer_request
from domain.authorizations.service import ENTITY, audit_change
from domain.errors import DomainError, ErrorCode, forbidden
from domain.identity.models import ApiClient, Organization, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.partners.models import OutboxKind
from domain.partners.outbox import enqueue
from domain.providers.models import Provider
from domain.uow import UnitOfWork

__all__ = [
    "CertificationType",
    "InboundChannel",
    "InboundOutcome",
    "InboundSubmission",
    "SubmissionState",
    "find_submissions",
    "receive_submission",
]

SENDER_KINDS = frozenset({OrganizationKind.PROVIDER, OrganizationKind.CLEARINGHOUSE})
MAX_FOUND = 100


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


@dataclass(frozen=True)
class InboundOutcome:
    """What `receive_submission` did: the request as it now stands, its current answer, and
    whether the submission was a resend (`duplicate`: nothing was written)."""

    state: SubmissionState
    duplicate: bool
    certification: CertificationType

    @property
    def request(self) -> AuthorizationRequest:
        return self.state.request

    @property
    def created(self) -> bool:
        return self.certification is CertificationType.NEW and not self.duplicate


async def receive_submission(
    *, uow: UnitOfWork, actor: Principal, submission: InboundSubmission
) -> InboundOutcome:
    """Take a partner's submission in: a new request sent to its payer, an update, a cancel."""
    _check_sender(actor)
    reference = submission.sender_reference.strip()
    if not reference or len(reference) > 200:
        raise DomainError(
            ErrorCode.REQUIRED, "An identifier of 1-200 characters", "senderReference"
        )
    fingerprint = submission.fingerprint()
    earlier = await _receipt(uow, actor, submission.channel, reference)
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise DomainError(
                ErrorCode.REFERENCE_REUSED,
                "This identifier was used for another submission",
                "senderReference",
            )
        request = await uow.session.get(AuthorizationRequest, earlier.request_id)
        assert request is not None  # foreign key
        return await _outcome(uow, actor, request, submission, duplicate=True)
    if submission.certification is CertificationType.NEW:
        request = await _new_request(uow, actor, submission)
    else:
        request = await _earlier_request(uow, actor, submission.related_reference)
        if submission.certification is CertificationType.CANCEL:
            await withdraw_request(uow, _acting_for(actor, request), request, submission.notes)
        else:
            await _update(uow, actor, request, submission)
    uow.session.add(
        SubmissionReceipt(
            request_id=request.id,
            channel=submission.channel,
            sender_reference=reference,
            trace_number=(submission.trace_number or "").strip()[:200] or None,
            certification=submission.certification,
            sender_organization_id=actor.organization_id,
            api_client_id=await _api_client_id(uow, actor),
            fingerprint=fingerprint,
            received_at=uow.clock.now(),
        )
    )
    await uow.session.flush()
    return await _outcome(uow, actor, request, submission, duplicate=False)


async def find_submissions(
    *,
    uow: UnitOfWork,
    actor: Principal,
    sender_reference: str | None = None,
    number: str | None = None,
    authorization_number: str | None = None,
    member_id: str | None = None,
    service_from: date | None = None,
    service_to: date | None = None,
) -> list[SubmissionState]:
    """The requests this partner sent that match every filter given (at least one), newest
    first, each read audited. `sender_reference` matches the sender reference or the trace
    number of any of the partner's submissions for the request."""
    _check_sender(actor)
    found = await search_requests(
        uow,
        actor.organization_id,
        sender_reference=sender_reference,
        number=number,
        authorization_number=authorization_number,
        member_id=member_id,
        service_from=service_from,
        service_to=service_to,
        limit=MAX_FOUND,
    )
    states = [await current_answer(uow, request) for request in found]
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity=ENTITY,
        entity_ids=[r.id for r in found],
    )
    await uow.commit()
    return states


def _check_sender(actor: Principal) -> None:
    require_role(actor, Role.PARTNER)
    if actor.organization_kind not in SENDER_KINDS:
        raise forbidden("Submissions come from a provider organisation or a clearinghouse")


async def _outcome(
    uow: UnitOfWork,
    actor: Principal,
    request: AuthorizationRequest,
    submission: InboundSubmission,
    *,
    duplicate: bool,
) -> InboundOutcome:
    if duplicate:  # a resend: only its reading is recorded
        await record_access(
            uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=[request.id]
        )
    state = await current_answer(uow, request)
    await uow.commit()
    return InboundOutcome(state, duplicate, submission.certification)


async def _receipt(
    uow: UnitOfWork, actor: Principal, channel: InboundChannel, reference: str
) -> SubmissionReceipt | None:
    receipt: SubmissionReceipt | None = await uow.session.scalar(
        select(SubmissionReceipt).where(
            SubmissionReceipt.sender_organization_id == actor.organization_id,
            SubmissionReceipt.channel == channel,
            SubmissionReceipt.sender_reference == reference,
        )
    )
    return receipt


async def _api_client_id(uow: UnitOfWork, actor: Principal) -> uuid.UUID | None:
    if not actor.is_machine:
        return None
    found: uuid.UUID | None = await uow.session.scalar(
        select(ApiClient.id).where(ApiClient.id == actor.subject_id)
    )
    return found


def _acting_for(actor: Principal, request_or_org: AuthorizationRequest | Organization) -> Principal:
    """The partner acting for the requesting provider organisation, with its staff's rights."""
    organization_id = (
        request_or_org.requesting_organization_id
        if isinstance(request_or_org, AuthorizationRequest)
        else request_or_org.id
    )
    return Principal(
        subject_id=actor.subject_id,
        organization_id=organization_id,
        organization_kind=OrganizationKind.PROVIDER,
        roles=frozenset({Role.PROVIDER_STAFF}),
        is_machine=actor.is_machine,
    )


async def _new_request(
    uow: UnitOfWork, actor: Principal, submission: InboundSubmission
) -> AuthorizationRequest:
    intake = submission.intake
    lines = _lines(intake)
    coverage = _coverage(intake)
    # The identifier asked is authoritative; only without one is the payer's name used.
    asked = submission.payer_identifier or (
        coverage.payer_identifier.value if coverage.payer_identifier else None
    )
    payer = await payer_by_identifier(
        uow, asked, None if asked else (submission.payer_name or coverage.payer_name)
    )
    if payer is None:
        raise DomainError(
            ErrorCode.PAYER_UNKNOWN, "No payer has this identifier", "payerIdentifier"
        )
    partner = await partner_for(uow, payer.id)
    acting = _acting_for(actor, await _requesting_organization(uow, actor, submission))
    requesting, servicing = await _providers(uow, submission)
    check_payer_request(_data(submission, payer.id, lines, uuid.uuid4()))  # before any write
    person, known = await match_person(
        uow, acting, intake, payer_id=payer.id, member_id=coverage.member_id
    )
    if known:
        await record_access(
            uow=uow, actor=acting, action=AuditAction.READ, entity="Person", entity_ids=[person.id]
        )
    coverage_id = await match_coverage(uow, acting, person.id, payer.id, coverage)
    data = _data(submission, payer.id, lines, person.id, coverage_id, requesting, servicing)
    request = await draft_payer_request(uow=uow, actor=acting, data=data)
    _attach(uow, acting, request, submission)
    await hand_to_partner(uow, acting, request, partner)
    return request


def _lines(intake: EhrIntake) -> tuple[ServiceLineData, ...]:
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


def _coverage(intake: EhrIntake) -> IntakeCoverage:
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


async def _requesting_organization(
    uow: UnitOfWork, actor: Principal, submission: InboundSubmission
) -> Organization:
    """The sender's own organisation; for a clearinghouse, the provider organisation the
    requester's (else the requesting provider's) NPI names."""
    if actor.organization_kind is OrganizationKind.PROVIDER:
        own = await uow.session.get(Organization, actor.organization_id)
        assert own is not None  # the token's organisation exists
        return own
    services = submission.intake.requested_services
    candidates = [submission.requester, *(s.requesting_provider for s in services[:1])]
    for npi in (npi for provider in candidates for npi in provider_npis(provider)):
        found = await uow.session.scalar(
            select(Organization).where(
                Organization.npi == npi, Organization.kind == OrganizationKind.PROVIDER
            )
        )
        if found is None:
            provider = await uow.session.scalar(select(Provider).where(Provider.npi == npi))
            found = (
                await uow.session.get(Organization, provider.organization_id) if provider else None
            )
        if found is not None:
            return found
    raise DomainError(
        ErrorCode.PROVIDER_NOT_RECOGNIZED, "The requesting provider is not known", "requester"
    )


async def _providers(
    uow: UnitOfWork, submission: InboundSubmission
) -> tuple[uuid.UUID | None, uuid.UUID | None]:
    """The directory's requesting and servicing providers; an NPI we do not know is refused."""
    services = ordered_services(submission.intake)
    first = services[0]
    found: list[uuid.UUID | None] = []
    for field_name, provider in (
        ("requestingProvider", first.requesting_provider),
        ("servicingProvider", first.servicing_provider),
    ):
        known = await provider_by_npi(uow, provider)
        if known is None and provider_npis(provider):
            raise DomainError(
                ErrorCode.PROVIDER_NOT_RECOGNIZED,
                f"No provider in the directory has the NPI {provider_npis(provider)[0]}",
                field_name,
            )
        found.append(known.id if known else None)
    return found[0], found[1]


def _data(
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


def _attach(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, submission: InboundSubmission
) -> None:
    for index, document in enumerate(submission.attachments):
        check_document(
            document.title, document.content_type, document.content, f"attachments.{index}"
        )
        add_attachment(uow, actor, request.id, document)


async def _earlier_request(
    uow: UnitOfWork, actor: Principal, related: str | None
) -> AuthorizationRequest:
    """The request an update or cancellation names (by the sender reference or trace number
    of an earlier submission, or by our number), if this partner sent it; the latest first."""
    related = (related or "").strip()
    sent_by_actor = select(SubmissionReceipt.request_id).where(
        SubmissionReceipt.sender_organization_id == actor.organization_id
    )
    request: AuthorizationRequest | None = None
    if related:
        by_reference = sent_by_actor.where(
            (SubmissionReceipt.sender_reference == related)
            | (SubmissionReceipt.trace_number == related)
        )
        request = await uow.session.scalar(
            select(AuthorizationRequest)
            .where(
                AuthorizationRequest.authorizer_kind == AuthorizerKind.PAYER,
                (AuthorizationRequest.id.in_(by_reference))
                | (
                    (AuthorizationRequest.number == related)
                    & AuthorizationRequest.id.in_(sent_by_actor)
                ),
            )
            .order_by(AuthorizationRequest.created_at.desc())
            .limit(1)
            .with_for_update()
        )
    if request is None:
        raise DomainError(
            ErrorCode.ORIGINAL_NOT_FOUND,
            "No earlier submission of yours has this identifier",
            "relatedReference",
        )
    return request


async def _update(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, submission: InboundSubmission
) -> None:
    """An unsent or rejected request takes the new details and goes again; one with the payer
    gets the new documents, sent as additional information."""
    acting = _acting_for(actor, request)
    if request.status in EDITABLE:
        lines = _lines(submission.intake)
        requesting, servicing = await _providers(uow, submission)
        data = _data(
            submission,
            request.authorizer_organization_id,
            lines,
            request.patient_id,
            request.coverage_id,
            requesting,
            servicing,
        )
        await replace_details(uow, acting, request, data)
        _attach(uow, acting, request, submission)
        await hand_to_partner(
            uow, acting, request, await partner_for(uow, request.authorizer_organization_id)
        )
    elif request.status in (*AWAITING_DETERMINATION, AuthorizationStatus.SUBMITTING):
        _attach(uow, acting, request, submission)
        request.updated_at = uow.clock.now()
        await audit_change(uow, acting, request, ["attachments"])
        if submission.attachments and request.status in AWAITING_DETERMINATION:
            partner = await partner_for(uow, request.authorizer_organization_id)
            enqueue(uow, OutboxKind.PROVIDE_INFO, request, partner)
    else:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"A {request.status} request cannot be updated",
            "relatedReference",
        )
