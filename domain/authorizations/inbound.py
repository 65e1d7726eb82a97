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

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.inbound_new import take_new_submission
from domain.authorizations.inbound_parts import (
    InboundSubmission,
    acting_for,
    attach,
    coverage_in_force,
    receipt_values,
    request_data,
    requested_lines,
    requesting_organization,
    services_providers,
)
from domain.authorizations.inbound_state import SubmissionState, current_answer, search_requests
from domain.authorizations.intake_records import (
    match_patient_coverage,
    payer_by_identifier,
)
from domain.authorizations.lifecycle import AWAITING_DETERMINATION, AuthorizationStatus
from domain.authorizations.models import (
    AuthorizationRequest,
    AuthorizerKind,
    CertificationType,
    InboundChannel,
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
from domain.authorizations.payer_rules import check_payer_request
from domain.authorizations.service import ENTITY, audit_change
from domain.errors import DomainError, ErrorCode, forbidden
from domain.identity.models import ApiClient, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.partners.models import OutboxKind
from domain.partners.outbox import enqueue
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
class InboundOutcome:
    """What `receive_submission` did: the request as it now stands, its current answer, and
    whether the submission was a resend (`duplicate`: nothing was written). `prepared`: what
    the caller's `meanwhile` made of it while it was written, if it was asked to."""

    state: SubmissionState
    duplicate: bool
    certification: CertificationType
    prepared: Any = None

    @property
    def request(self) -> AuthorizationRequest:
        return self.state.request

    @property
    def created(self) -> bool:
        return self.certification is CertificationType.NEW and not self.duplicate


async def receive_submission(
    *,
    uow: UnitOfWork,
    actor: Principal,
    submission: InboundSubmission,
    with_details: bool = True,
    lean: bool = True,
    meanwhile: Callable[[SubmissionState], Any] | None = None,
) -> InboundOutcome:
    """Take a partner's submission in: a new request sent to its payer, an update, a cancel.
    The outcome's state carries the partner details only `with_details` (the re-read of the
    request that an answer echoing the request's own resources does not need). A NEW one for
    a patient known by member id takes `inbound_new`'s path unless not `lean` (the same rows);
    there, without details, `meanwhile` (the caller's answer, say) is given the state while
    the database writes it, its request not yet numbered, and what it returns comes back as
    the outcome's `prepared` once the rows are committed."""
    _check_sender(actor)
    reference = submission.sender_reference.strip()
    if not reference or len(reference) > 200:
        raise DomainError(
            ErrorCode.REQUIRED, "An identifier of 1-200 characters", "senderReference"
        )
    if lean and submission.certification is CertificationType.NEW:
        taken = await take_new_submission(
            uow,
            actor,
            submission,
            reference=reference,
            with_details=with_details,
            meanwhile=meanwhile,
        )
        if taken is not None:  # committed
            state, prepared = taken
            return InboundOutcome(state, False, submission.certification, prepared)
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
        return await _outcome(
            uow, actor, request, submission, duplicate=True, with_details=with_details
        )
    if submission.certification is CertificationType.NEW:
        request = await _new_request(uow, actor, submission)
    else:
        request = await _earlier_request(uow, actor, submission.related_reference)
        if submission.certification is CertificationType.CANCEL:
            await withdraw_request(uow, acting_for(actor, request), request, submission.notes)
        else:
            await _update(uow, actor, request, submission)
    receipt = receipt_values(
        submission,
        request_id=request.id,
        reference=reference,
        fingerprint=fingerprint,
        sender_organization_id=actor.organization_id,
        api_client_id=await _api_client_id(uow, actor),
        now=uow.clock.now(),
    )
    uow.session.add(SubmissionReceipt(**receipt))
    await uow.session.flush()
    new = submission.certification is CertificationType.NEW
    return await _outcome(
        uow,
        actor,
        request,
        submission,
        duplicate=False,
        with_details=with_details,
        origin=reference if new else None,
    )


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
    with_details: bool,
    origin: str | None = None,
) -> InboundOutcome:
    if duplicate:  # a resend: only its reading is recorded
        await record_access(
            uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=[request.id]
        )
    state = await current_answer(uow, request, with_details=with_details, origin=origin)
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


async def _new_request(
    uow: UnitOfWork, actor: Principal, submission: InboundSubmission
) -> AuthorizationRequest:
    intake = submission.intake
    lines = requested_lines(intake)
    coverage = coverage_in_force(intake)
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
    acting = acting_for(actor, await requesting_organization(uow, actor, submission))
    requesting, servicing = await services_providers(uow, submission)
    check_payer_request(request_data(submission, payer.id, lines, uuid.uuid4()))  # before any write
    person, known, coverage_id = await match_patient_coverage(
        uow, acting, intake, payer.id, coverage
    )
    if known:
        await record_access(
            uow=uow, actor=acting, action=AuditAction.READ, entity="Person", entity_ids=[person.id]
        )
    data = request_data(submission, payer.id, lines, person.id, coverage_id, requesting, servicing)
    request = await draft_payer_request(uow=uow, actor=acting, data=data)
    attach(uow, acting, request, submission)
    await hand_to_partner(uow, acting, request, partner)
    return request


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
    acting = acting_for(actor, request)
    if request.status in EDITABLE:
        lines = requested_lines(submission.intake)
        requesting, servicing = await services_providers(uow, submission)
        data = request_data(
            submission,
            request.authorizer_organization_id,
            lines,
            request.patient_id,
            request.coverage_id,
            requesting,
            servicing,
        )
        await replace_details(uow, acting, request, data)
        attach(uow, acting, request, submission)
        await hand_to_partner(
            uow, acting, request, await partner_for(uow, request.authorizer_organization_id)
        )
    elif request.status in (*AWAITING_DETERMINATION, AuthorizationStatus.SUBMITTING):
        attach(uow, acting, request, submission)
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
