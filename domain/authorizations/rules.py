"""Pure rules of authorization requests: what a requested line and a line's determination
must say, due dates, and the amount an approval commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.authorizations.lifecycle import ReviewAction
from domain.authorizations.models import Priority
from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.money import cents

# CMS-0057-F decision time frames; a partner or agency may set its own.
DECISION_TIME = {Priority.EXPEDITED: timedelta(hours=72), Priority.STANDARD: timedelta(days=7)}
APPROVING = frozenset(
    {ReviewAction.CERTIFIED, ReviewAction.PARTIALLY_CERTIFIED, ReviewAction.MODIFIED}
)
# What an agency caseworker may answer on a line (the payer codes CT and NA are a payer's).
AGENCY_ACTIONS = frozenset({*APPROVING, ReviewAction.NOT_CERTIFIED, ReviewAction.PENDED})


@dataclass(frozen=True, slots=True)
class LineData:
    quantity: Decimal
    requested_start: date | None = None
    requested_end: date | None = None
    requested_rate: Decimal | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class RequestedLine:
    """A line as stored, for checking a determination against it."""

    id: uuid.UUID
    quantity: Decimal
    requested_start: date | None
    requested_end: date | None


@dataclass(frozen=True, slots=True)
class LineDecision:
    line_id: uuid.UUID
    review_action: ReviewAction
    approved_quantity: Decimal | None = None
    approved_start: date | None = None
    approved_end: date | None = None
    rate: Decimal | None = None
    authorization_number: str | None = None
    reason_codes: tuple[str, ...] = field(default_factory=tuple)
    notes: str | None = None


def decision_due(received_at: datetime, priority: Priority) -> datetime:
    return received_at + DECISION_TIME[priority]


def check_lines(lines: tuple[LineData, ...], period: tuple[date, date], units: Decimal) -> None:
    """Requested lines fall inside the assigned benefit's period and units."""
    errors = ErrorCollector()
    if not lines:
        errors.add(ErrorCode.REQUIRED, "Request at least one line", "lines")
    for index, line in enumerate(lines):
        at = f"lines.{index}"
        if line.quantity <= 0:
            errors.add(ErrorCode.INVALID, "Quantity must be positive", f"{at}.quantity")
        start, end = line.requested_start, line.requested_end
        if start and end and end < start:
            errors.add(
                ErrorCode.INVALID_PERIOD, "The period ends before it starts", f"{at}.requestedEnd"
            )
        if (start and start < period[0]) or (end and end > period[1]):
            errors.add(
                ErrorCode.INVALID_PERIOD,
                f"The benefit is assigned from {period[0]} to {period[1]}",
                f"{at}.requestedStart",
            )
        if line.requested_rate is not None and line.requested_rate < 0:
            errors.add(ErrorCode.INVALID, "A rate is not negative", f"{at}.requestedRate")
    if lines and sum(line.quantity for line in lines) > units:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"The benefit is assigned for {units} units", "lines")
    errors.raise_if_any()


def check_decisions(
    decisions: tuple[LineDecision, ...],
    lines: dict[uuid.UUID, RequestedLine],
    allowed: frozenset[ReviewAction],
) -> None:
    """Each decision names a line of the request once and says what its action needs."""
    errors = ErrorCollector()
    if not decisions:
        errors.add(ErrorCode.REQUIRED, "Decide at least one line", "lines")
    seen: set[uuid.UUID] = set()
    for index, decision in enumerate(decisions):
        at = f"lines.{index}"
        line = lines.get(decision.line_id)
        if line is None or decision.line_id in seen:
            errors.add(ErrorCode.INVALID, "Each line of this request once", f"{at}.lineId")
            continue
        seen.add(decision.line_id)
        if decision.review_action not in allowed:
            errors.add(
                ErrorCode.INVALID,
                f"{decision.review_action.name} is not an answer here",
                f"{at}.reviewAction",
            )
        for problem in _decision_problems(decision, line):
            errors.add(problem.code, problem.message, f"{at}.{problem.field}")
    errors.raise_if_any()


def _decision_problems(decision: LineDecision, line: RequestedLine) -> list[DomainError]:
    problems = []
    action, quantity = decision.review_action, decision.approved_quantity
    if action in APPROVING and quantity is not None and quantity <= 0:
        problems.append(
            DomainError(ErrorCode.INVALID, "Approve a positive quantity", "approvedQuantity")
        )
    if action in (ReviewAction.PARTIALLY_CERTIFIED, ReviewAction.MODIFIED) and quantity is None:
        problems.append(DomainError(ErrorCode.REQUIRED, "Say what is approved", "approvedQuantity"))
    if (
        action is ReviewAction.PARTIALLY_CERTIFIED
        and quantity is not None
        and quantity >= line.quantity
    ):
        problems.append(
            DomainError(
                ErrorCode.INVALID, "A partial approval is less than requested", "approvedQuantity"
            )
        )
    if action is ReviewAction.CERTIFIED and quantity is not None and quantity != line.quantity:
        problems.append(
            DomainError(
                ErrorCode.INVALID, "Approve what was requested, or answer A2/A6", "approvedQuantity"
            )
        )
    if action is ReviewAction.NOT_CERTIFIED and not (
        decision.reason_codes or (decision.notes or "").strip()
    ):
        problems.append(DomainError(ErrorCode.REQUIRED, "A denial says why", "reasonCodes"))
    start = decision.approved_start or line.requested_start
    end = decision.approved_end or line.requested_end
    if action in APPROVING and (start is None or end is None):
        problems.append(
            DomainError(ErrorCode.REQUIRED, "An approval has a period", "approvedStart")
        )
    elif action in APPROVING and start and end and end < start:
        problems.append(
            DomainError(ErrorCode.INVALID_PERIOD, "The period ends before it starts", "approvedEnd")
        )
    if decision.rate is not None and decision.rate < 0:
        problems.append(DomainError(ErrorCode.INVALID, "A rate is not negative", "rate"))
    return problems


def approved_quantity(decision: LineDecision, line: RequestedLine) -> Decimal | None:
    if decision.review_action not in APPROVING:
        return None
    return cents(
        decision.approved_quantity if decision.approved_quantity is not None else line.quantity
    )


def committed_amount(lines: list[tuple[Decimal | None, Decimal | None]]) -> Decimal:
    """What an approval commits the agency to: approved units x rate, summed, rounded once."""
    total = sum((q * r for q, r in lines if q is not None and r is not None), Decimal(0))
    return cents(total) or Decimal(0)


# A pre-service appeal is decided within 72 hours when expedited, else 30 days; a peer-to-peer
# discussion is held within 3 days of the request (payers' usual windows).
APPEAL_TIME = {True: timedelta(hours=72), False: timedelta(days=30)}
PEER_TO_PEER_TIME = timedelta(days=3)
