"""What the payer said, applied to a request: answers that come back through a trading
partner (outbox dispatch, polling, pushes), and, for MANUAL payers reached by portal, phone or
fax, what the authorization coordinator records. Also the coordinator's answer to a payer's
request for information."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import aliased

from domain.authorizations.determinations import Determination, determination_from, record_line
from domain.authorizations.lifecycle import (
    AuthorizationAction,
    AuthorizationStatus,
    ReviewAction,
    apply_determination,
    next_status,
)
from domain.authorizations.models import (
    AuthorizationDiagnosis,
    AuthorizationLine,
    AuthorizationRequest,
    InformationRequest,
    InformationRequestStatus,
)
from domain.authorizations.rules import LineDecision, RequestedLine, check_decisions
from domain.authorizations.service import DETERMINATION_ACTION, audit_change, move_request
from domain.errors import DomainError, ErrorCode, not_found
from domain.history import StatusChange
from domain.identity.models import Organization
from domain.identity.rules import Principal
from domain.partners.models import OutboxKind
from domain.partners.ports import (
    AnswerKind,
    LineAnswer,
    PartnerAnswer,
    PartnerLine,
    PartnerParty,
    PartnerRequest,
)
from domain.partners.subscriptions import notify_subscribers
from domain.people.models import Coverage, Person
from domain.providers.models import Provider
from domain.uow import UnitOfWork

# A payer may answer anything a line can carry, CT and NA included.
PAYER_ACTIONS = frozenset(ReviewAction)


async def snapshot(uow: UnitOfWork, request: AuthorizationRequest) -> PartnerRequest:
    """What the partner adapters need of a request, read in the dispatcher's transaction."""
    # The parties in one read (the follow-up engine takes a snapshot for every poll).
    payer_org, requester_org = aliased(Organization), aliased(Organization)
    requesting_provider, servicing_provider = aliased(Provider), aliased(Provider)
    parties = select(
        Person, Coverage, payer_org, requester_org, requesting_provider, servicing_provider
    )
    parties = (
        parties.select_from(Person)
        .outerjoin(Coverage, Coverage.id == request.coverage_id)
        .outerjoin(payer_org, payer_org.id == request.authorizer_organization_id)
        .outerjoin(requester_org, requester_org.id == request.requesting_organization_id)
        .outerjoin(requesting_provider, requesting_provider.id == request.requesting_provider_id)
        .outerjoin(servicing_provider, servicing_provider.id == request.servicing_provider_id)
        .where(Person.id == request.patient_id)
    )
    found = (await uow.session.execute(parties)).one_or_none()
    assert found is not None  # foreign key
    person, coverage, payer, requester, requesting, servicing = found
    lines = await lines_of(uow, request.id)
    diagnoses = await uow.session.scalars(
        select(AuthorizationDiagnosis.code)
        .where(AuthorizationDiagnosis.request_id == request.id)
        .order_by(AuthorizationDiagnosis.sequence)
    )
    assert payer is not None and requester is not None  # foreign keys
    return PartnerRequest(
        request_id=request.id,
        number=request.number,
        priority=request.priority.value,
        category=request.category.value,
        member_id=coverage.member_id if coverage else None,
        patient_family_name=person.family_name,
        patient_given_name=person.given_name,
        patient_birth_date=person.birth_date,
        diagnoses=tuple(diagnoses),
        lines=tuple(
            PartnerLine(
                sequence=line.sequence,
                code_system=line.code_system.value,
                service_code=line.service_code,
                modifiers=tuple(line.modifiers or ()),
                quantity=line.quantity,
                unit_of_measure=line.unit_of_measure.value,
                requested_start=line.requested_start,
                requested_end=line.requested_end,
                place_of_service=line.place_of_service,
            )
            for line in lines
        ),
        payer_reference=request.payer_reference,
        payer_identifier=payer.payer_id,
        payer_name=payer.name,
        requester_name=requester.name,
        requester_npi=requester.npi,
        requesting_provider_name=requesting.name if requesting else None,
        requesting_provider_npi=requesting.npi if requesting else None,
        servicing_provider_name=servicing.name if servicing else None,
        servicing_provider_npi=servicing.npi if servicing else None,
        patient_sex=person.sex.value,
        submitted_at=request.submitted_at,
        payer=PartnerParty(payer.name, payer.payer_id),
        requester=PartnerParty(requesting.name, requesting.npi)
        if requesting
        else PartnerParty(requester.name, requester.npi),
        servicing_provider=PartnerParty(servicing.name, servicing.npi) if servicing else None,
    )


async def current_answer(uow: UnitOfWork, request: AuthorizationRequest) -> PartnerAnswer:
    """The request as it stands, told as a partner answer: each line's current determination
    (pended while undecided, cancelled when the request was), or why it was rejected."""
    if request.status is AuthorizationStatus.REJECTED:
        reason = await uow.session.scalar(
            select(StatusChange.reason)
            .where(StatusChange.entity_id == request.id, StatusChange.to_status == request.status)
            .order_by(StatusChange.id.desc())
            .limit(1)
        )
        return PartnerAnswer(AnswerKind.REJECTED, request.payer_reference, reason=reason)
    undecided = (
        ReviewAction.CANCELLED
        if request.status is AuthorizationStatus.CANCELLED
        else ReviewAction.PENDED
    )
    lines = tuple(
        LineAnswer(
            sequence=line.sequence,
            review_action=line.review_action or undecided,
            approved_quantity=line.approved_quantity,
            approved_start=line.approved_start,
            approved_end=line.approved_end,
            authorization_number=line.authorization_number,
            reason_codes=tuple(line.reason_codes or ()),
        )
        for line in await lines_of(uow, request.id)
    )
    return PartnerAnswer(AnswerKind.DECIDED, request.payer_reference, lines)


async def lines_of(uow: UnitOfWork, request_id: uuid.UUID) -> list[AuthorizationLine]:
    query = select(AuthorizationLine).where(AuthorizationLine.request_id == request_id)
    return list(await uow.session.scalars(query.order_by(AuthorizationLine.sequence)))


async def apply_partner_answer(
    uow: UnitOfWork, request: AuthorizationRequest, kind: OutboxKind, answer: PartnerAnswer
) -> None:
    """The partner took the message: move the request as its answer says (the system acts)."""
    if kind is OutboxKind.SUBMIT and request.status is AuthorizationStatus.SUBMITTING:
        await move_request(uow, None, request, AuthorizationAction.SUBMISSION_SUCCEEDED)
    await apply_inquiry_answer(uow, request, answer)


def _determination(given: LineAnswer) -> Determination:
    return Determination(
        review_action=given.review_action,
        approved_quantity=given.approved_quantity,
        approved_start=given.approved_start,
        approved_end=given.approved_end,
        authorization_number=given.authorization_number,
        reason_codes=tuple(given.reason_codes),
        notes=given.notes,
    )


def _decisions(lines: list[AuthorizationLine]) -> list[tuple[object, ...]]:
    """What a subscriber is told of each line, to see whether an answer changed any."""
    return [
        (
            line.review_action,
            line.approved_quantity,
            line.approved_start,
            line.approved_end,
            line.authorization_number,
            tuple(line.reason_codes or ()),
        )
        for line in lines
    ]


async def _apply_status(
    uow: UnitOfWork,
    actor: Principal | None,
    request: AuthorizationRequest,
    actions: list[ReviewAction | None],
    notes: str | None,
    changed: bool,
) -> None:
    target = apply_determination(request.status, [a or ReviewAction.PENDED for a in actions])
    if target != request.status:
        await move_request(uow, actor, request, DETERMINATION_ACTION[target], notes)
    elif changed:  # some line was decided while the request stays pended
        await notify_subscribers(uow, request)
    if target not in (AuthorizationStatus.PENDED, AuthorizationStatus.INFO_REQUESTED):
        request.decided_at = uow.clock.now()


def is_stale(request: AuthorizationRequest, answer: PartnerAnswer) -> bool:
    """The partner made this answer no later than the newest one applied (a duplicate, or an
    older answer overtaken on the way)."""
    seen = request.partner_answered_at
    return answer.answered_at is not None and seen is not None and answer.answered_at <= seen


async def apply_inquiry_answer(
    uow: UnitOfWork, request: AuthorizationRequest, answer: PartnerAnswer
) -> bool:
    """What a status inquiry (or a push) said: a decision, a rejection, or still nothing new.
    False, changing nothing, when the answer is older than one already applied."""
    if is_stale(request, answer):
        return False
    if answer.answered_at is not None:
        request.partner_answered_at = answer.answered_at
    if answer.payer_reference:
        request.payer_reference = answer.payer_reference
    if answer.kind is AnswerKind.REJECTED:
        await move_request(uow, None, request, AuthorizationAction.REJECT, answer.reason)
    elif answer.kind is AnswerKind.CANCELLED:
        await move_request(uow, None, request, AuthorizationAction.CANCEL, answer.reason)
    elif answer.kind is AnswerKind.DECIDED:
        by_sequence = {line.sequence: line for line in answer.lines}
        lines = await lines_of(uow, request.id)
        before = _decisions(lines)
        for line in lines:
            given = by_sequence.get(line.sequence)
            if given is not None:
                record_line(uow, line, _determination(given), None)
        actions = [line.review_action for line in lines]
        await _apply_status(uow, None, request, actions, None, _decisions(lines) != before)
    return True


async def apply_partner_failure(
    uow: UnitOfWork, request: AuthorizationRequest, kind: OutboxKind, reason: str
) -> None:
    """The transport gave up: a submission fails with the reason (a coordinator may retry)."""
    if kind is OutboxKind.SUBMIT and request.status is AuthorizationStatus.SUBMITTING:
        await move_request(uow, None, request, AuthorizationAction.SUBMISSION_FAILED, reason)


async def record_payer_determination(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request: AuthorizationRequest,
    decisions: tuple[LineDecision, ...],
    payer_reference: str | None,
    notes: str | None,
) -> AuthorizationRequest:
    """What a MANUAL payer answered (by portal, phone or fax), as the coordinator records it."""
    lines = await lines_of(uow, request.id)
    requested = {
        line.id: RequestedLine(line.id, line.quantity, line.requested_start, line.requested_end)
        for line in lines
    }
    check_decisions(decisions, requested, PAYER_ACTIONS)
    by_line = {d.line_id: d for d in decisions}
    before = _decisions(lines)
    for line in lines:
        decision = by_line.get(line.id)
        if decision is not None:
            record_line(uow, line, determination_from(decision, line), actor.subject_id)
    if payer_reference:
        request.payer_reference = payer_reference.strip()
    actions = [line.review_action for line in lines]
    await _apply_status(uow, actor, request, actions, notes, _decisions(lines) != before)
    await audit_change(uow, actor, request, ["lines.determination"])
    await uow.commit()
    return request


async def record_information_request(
    *,
    uow: UnitOfWork,
    actor: Principal | None,
    request: AuthorizationRequest,
    requested: str,
    due_at: datetime | None,
) -> InformationRequest:
    """The payer asked for more (pending the request first if it was only received)."""
    if not requested.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say what the payer asked for", "requested")
    if request.status is AuthorizationStatus.SUBMITTED:
        await move_request(uow, actor, request, AuthorizationAction.PEND)
    await move_request(uow, actor, request, AuthorizationAction.REQUEST_INFO)
    asked = InformationRequest(
        request_id=request.id,
        requested=requested.strip(),
        due_at=due_at,
        status=InformationRequestStatus.OPEN,
        requested_at=uow.clock.now(),
    )
    uow.session.add(asked)
    await uow.session.flush()
    return asked


async def answer_information_request(
    uow: UnitOfWork,
    actor: Principal,
    request: AuthorizationRequest,
    information_request_id: uuid.UUID,
    response: str,
) -> InformationRequest:
    """The coordinator's answer: the request is PENDED again, waiting for the decision."""
    asked = await uow.session.get(InformationRequest, information_request_id)
    if asked is None or asked.request_id != request.id:
        raise not_found("Information request", "informationRequestId")
    if asked.status is not InformationRequestStatus.OPEN:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION, "This was answered already", "informationRequestId"
        )
    if not response.strip():
        raise DomainError(ErrorCode.REQUIRED, "Give the information asked for", "response")
    next_status(request.status, AuthorizationAction.PROVIDE_INFO)  # refuses before writing
    await move_request(uow, actor, request, AuthorizationAction.PROVIDE_INFO)
    asked.status, asked.response = InformationRequestStatus.ANSWERED, response.strip()
    asked.answered_at, asked.answered_by_id = uow.clock.now(), actor.subject_id
    return asked
