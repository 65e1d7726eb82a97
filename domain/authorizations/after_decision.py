"""After the payer decides (seed 004 step 7): the approval reference goes on to claims, a
denial is appealed or discussed peer to peer, and approvals expire at the end of their period."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select, update

from domain.authorizations.answers import lines_of
from domain.authorizations.determinations import determination_from, record_line
from domain.authorizations.lifecycle import (
    APPEALABLE,
    APPROVALS,
    AppealOutcome,
    AuthorizationAction,
    AuthorizationStatus,
    apply_appeal_outcome,
)
from domain.authorizations.models import (
    Appeal,
    AppealStatus,
    AuthorizationLine,
    AuthorizationRequest,
    ClaimReference,
    PeerToPeer,
    PeerToPeerStatus,
)
from domain.authorizations.payer import COORDINATORS, load_own_request
from domain.authorizations.rules import (
    APPEAL_TIME,
    APPROVING,
    PEER_TO_PEER_TIME,
    LineDecision,
    RequestedLine,
    check_decisions,
)
from domain.authorizations.service import audit_change, move_request
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.identity.rules import Principal, require_role
from domain.money import cents
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ClaimLineData:
    line_id: uuid.UUID
    units_used: Decimal
    service_date: date


async def submit_claim_reference(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    claim_id: str,
    lines: tuple[ClaimLineData, ...],
) -> AuthorizationRequest:
    """A claim uses the authorization: within the approved lines' units and period only."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    if request.status is AuthorizationStatus.EXPIRED:
        raise DomainError(
            ErrorCode.AUTHORIZATION_EXPIRED, "The authorization has expired", "requestId"
        )
    if request.status not in APPROVALS:
        raise DomainError(ErrorCode.NOT_AUTHORIZED, f"The request is {request.status}", "requestId")
    if not claim_id.strip() or len(claim_id) > 80 or not lines:
        raise DomainError(ErrorCode.REQUIRED, "A claim id (1-80) and its lines", "claimId")
    by_id = {line.id: line for line in await lines_of(uow, request.id)}
    errors = ErrorCollector()
    for index, claimed in enumerate(lines):
        problem = _claim_problem(by_id.get(claimed.line_id), claimed)
        if problem is not None:
            errors.add(problem[0], problem[1], f"lines.{index}.{problem[2]}")
    errors.raise_if_any()
    for index, claimed in enumerate(lines):
        await _use_units(uow, claimed, index)
        uow.session.add(
            ClaimReference(
                request_id=request.id,
                line_id=claimed.line_id,
                claim_id=claim_id.strip(),
                units_used=cents(claimed.units_used) or Decimal(0),
                service_date=claimed.service_date,
                submitted_at=uow.clock.now(),
                submitted_by_id=actor.subject_id,
            )
        )
    request.updated_at = uow.clock.now()
    await audit_change(uow, actor, request, ["claimReferences"])
    await uow.commit()
    return request


def _claim_problem(
    line: AuthorizationLine | None, claimed: ClaimLineData
) -> tuple[ErrorCode, str, str] | None:
    if line is None:
        return ErrorCode.INVALID, "Not a line of this request", "lineId"
    if line.review_action not in APPROVING:
        return ErrorCode.NOT_AUTHORIZED, "This line was not approved", "lineId"
    if claimed.units_used <= 0:
        return ErrorCode.INVALID, "Units used are positive", "unitsUsed"
    start, end = line.approved_start, line.approved_end
    if (start and claimed.service_date < start) or (end and claimed.service_date > end):
        return ErrorCode.AUTHORIZATION_EXPIRED, f"Approved from {start} to {end}", "serviceDate"
    return None


async def _use_units(uow: UnitOfWork, claimed: ClaimLineData, index: int) -> None:
    """Add the units in one statement that refuses to pass the approved quantity, so two
    claims at once cannot both take the last units."""
    units = cents(claimed.units_used) or Decimal(0)
    result = await uow.session.execute(
        update(AuthorizationLine)
        .where(
            AuthorizationLine.id == claimed.line_id,
            AuthorizationLine.used_quantity + units <= AuthorizationLine.approved_quantity,
        )
        .values(used_quantity=AuthorizationLine.used_quantity + units)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        raise DomainError(
            ErrorCode.UNITS_EXCEEDED, "More units than remain approved", f"lines.{index}.unitsUsed"
        )


async def appeal_determination(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    reason: str,
    expedited: bool = False,
) -> Appeal:
    """Ask the payer to reconsider a denial or a partial approval."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    if not reason.strip():
        raise DomainError(ErrorCode.REQUIRED, "Say why the decision should change", "reason")
    appeal = await _open_appeal(uow, actor, request, reason.strip(), expedited, via_p2p=False)
    await audit_change(uow, actor, request, ["appeals"])
    await uow.commit()
    return appeal


async def _open_appeal(
    uow: UnitOfWork,
    actor: Principal,
    request: AuthorizationRequest,
    reason: str,
    expedited: bool,
    *,
    via_p2p: bool,
) -> Appeal:
    await move_request(uow, actor, request, AuthorizationAction.APPEAL, reason)
    now = uow.clock.now()
    appeal = Appeal(
        request_id=request.id,
        reason=reason,
        expedited=expedited,
        status=AppealStatus.OPEN,
        submitted_at=now,
        due_at=now + APPEAL_TIME[expedited],
        via_peer_to_peer=via_p2p,
    )
    uow.session.add(appeal)
    await uow.session.flush()
    return appeal


async def record_appeal_outcome(
    *,
    uow: UnitOfWork,
    actor: Principal,
    appeal_id: uuid.UUID,
    outcome: AppealOutcome,
    decisions: tuple[LineDecision, ...] = (),
    notes: str | None = None,
) -> AuthorizationRequest:
    """The payer's answer to the appeal; an overturn redetermines the lines it changes."""
    require_role(actor, *COORDINATORS)
    appeal = await uow.session.get(Appeal, appeal_id)
    if appeal is None:
        raise not_found("Appeal", "appealId")
    request = await load_own_request(uow, actor, appeal.request_id, "appealId")
    if appeal.status is not AppealStatus.OPEN:
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "This appeal is decided", "appealId")
    await _decide(uow, actor, request, outcome, decisions, notes)
    appeal.status = AppealStatus(outcome.value)
    appeal.decided_at, appeal.outcome_notes = uow.clock.now(), notes
    await audit_change(uow, actor, request, ["appeals", "lines.determination"])
    await uow.commit()
    return request


async def _decide(
    uow: UnitOfWork,
    actor: Principal,
    request: AuthorizationRequest,
    outcome: AppealOutcome,
    decisions: tuple[LineDecision, ...],
    notes: str | None,
) -> None:
    lines = await lines_of(uow, request.id)
    if outcome is AppealOutcome.OVERTURNED:
        requested = {
            line.id: RequestedLine(line.id, line.quantity, line.requested_start, line.requested_end)
            for line in lines
        }
        check_decisions(decisions, requested, frozenset(APPROVING))
        by_line = {d.line_id: d for d in decisions}
        for line in lines:
            if line.id in by_line:
                record_line(uow, line, determination_from(by_line[line.id], line), actor.subject_id)
    target = apply_appeal_outcome(
        request.status, outcome, [line.review_action for line in lines if line.review_action]
    )
    action = {
        AuthorizationStatus.APPROVED: AuthorizationAction.OVERTURN,
        AuthorizationStatus.PARTIALLY_APPROVED: AuthorizationAction.OVERTURN_PARTIALLY,
        AuthorizationStatus.UPHELD: AuthorizationAction.UPHOLD,
    }[target]
    await move_request(uow, actor, request, action, notes)
    request.decided_at = uow.clock.now()


async def request_peer_to_peer(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    proposed_times: tuple[datetime, ...],
    contact_name: str,
    contact_phone: str,
) -> PeerToPeer:
    """Ask for the requesting physician to discuss the denial with the payer's reviewer."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    if request.status not in APPEALABLE:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION, f"The request is {request.status}", "requestId"
        )
    errors = ErrorCollector()
    if not proposed_times:
        errors.add(ErrorCode.REQUIRED, "Propose at least one time", "proposedTimes")
    for index, at in enumerate(proposed_times):
        if at.tzinfo is None or at <= uow.clock.now():
            errors.add(ErrorCode.INVALID, "A future time with its offset", f"proposedTimes.{index}")
    if not contact_name.strip():
        errors.add(ErrorCode.REQUIRED, "Who the reviewer calls", "contactName")
    if not contact_phone.strip():
        errors.add(ErrorCode.REQUIRED, "The number to call", "contactPhone")
    errors.raise_if_any()
    now = uow.clock.now()
    review = PeerToPeer(
        request_id=request.id,
        proposed_times=[t.isoformat() for t in proposed_times],
        contact_name=contact_name.strip()[:200],
        contact_phone=contact_phone.strip()[:40],
        status=PeerToPeerStatus.REQUESTED,
        requested_at=now,
        due_at=now + PEER_TO_PEER_TIME,
    )
    uow.session.add(review)
    await uow.session.flush()
    await audit_change(uow, actor, request, ["peerToPeer"])
    await uow.commit()
    return review


async def record_peer_to_peer_outcome(
    *,
    uow: UnitOfWork,
    actor: Principal,
    peer_to_peer_id: uuid.UUID,
    outcome: AppealOutcome,
    held_at: datetime | None = None,
    decisions: tuple[LineDecision, ...] = (),
    notes: str | None = None,
) -> PeerToPeer:
    """What came of the discussion: upheld, the denial stands; overturned, the payer changes
    its decision, recorded as a reconsideration (APPEALED, then the new determination)."""
    require_role(actor, *COORDINATORS)
    review = await uow.session.get(PeerToPeer, peer_to_peer_id)
    if review is None:
        raise not_found("Peer-to-peer review", "peerToPeerId")
    request = await load_own_request(uow, actor, review.request_id, "peerToPeerId")
    if review.status not in (PeerToPeerStatus.REQUESTED, PeerToPeerStatus.SCHEDULED):
        raise DomainError(ErrorCode.ILLEGAL_TRANSITION, "This discussion is over", "peerToPeerId")
    if outcome is AppealOutcome.OVERTURNED:
        await _open_appeal(uow, actor, request, "peer-to-peer", False, via_p2p=True)
        await _decide(uow, actor, request, outcome, decisions, notes)
    now = uow.clock.now()
    review.status, review.outcome, review.outcome_notes = (
        PeerToPeerStatus.COMPLETED,
        AppealStatus(outcome.value),
        notes,
    )
    review.scheduled_at, review.completed_at = held_at or review.scheduled_at, now
    await audit_change(uow, actor, request, ["peerToPeer"])
    await uow.commit()
    return review


async def expire_authorizations(*, uow: UnitOfWork, limit: int = 500) -> int:
    """Approvals whose every approved line has ended are EXPIRED (the follow-up engine runs
    this daily); returns how many."""
    today = uow.clock.now().date()
    last_day = (
        select(AuthorizationLine.request_id, func.max(AuthorizationLine.approved_end).label("ends"))
        .where(AuthorizationLine.approved_end.is_not(None))
        .group_by(AuthorizationLine.request_id)
        .subquery()
    )
    requests = (
        await uow.session.scalars(
            select(AuthorizationRequest)
            .join(last_day, last_day.c.request_id == AuthorizationRequest.id)
            .where(AuthorizationRequest.status.in_(APPROVALS), last_day.c.ends < today)
            .limit(limit)
            .with_for_update(skip_locked=True, of=AuthorizationRequest)
        )
    ).all()
    for request in requests:
        await move_request(
            uow, None, request, AuthorizationAction.EXPIRE, "the approved period ended"
        )
    await uow.commit()
    return len(requests)
