"""Writing a line's determination: the line keeps the current one, and every determination is
also kept as its own row (an appeal's redetermination does not erase the first)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.authorizations.lifecycle import ReviewAction
from domain.authorizations.models import AuthorizationDetermination, AuthorizationLine
from domain.authorizations.rules import APPROVING, LineDecision
from domain.money import cents
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Determination:
    review_action: ReviewAction
    approved_quantity: Decimal | None = None
    approved_start: date | None = None
    approved_end: date | None = None
    authorization_number: str | None = None
    reason_codes: tuple[str, ...] = ()
    notes: str | None = None
    rate: Decimal | None = None


def record_line(
    uow: UnitOfWork,
    line: AuthorizationLine,
    determination: Determination,
    recorded_by: uuid.UUID | None,
) -> None:
    now = uow.clock.now()
    line.review_action = determination.review_action
    line.approved_quantity = cents(determination.approved_quantity)
    line.approved_start = determination.approved_start
    line.approved_end = determination.approved_end
    line.authorization_number = determination.authorization_number
    line.reason_codes = list(determination.reason_codes)
    line.reviewer_notes = determination.notes
    line.rate = cents(determination.rate)
    line.decided_at = now
    uow.session.add(
        AuthorizationDetermination(
            request_id=line.request_id,
            line_id=line.id,
            review_action=line.review_action,
            approved_quantity=line.approved_quantity,
            approved_start=line.approved_start,
            approved_end=line.approved_end,
            authorization_number=line.authorization_number,
            reason_codes=line.reason_codes,
            notes=line.reviewer_notes,
            rate=line.rate,
            recorded_at=now,
            recorded_by_id=recorded_by,
        )
    )


def determination_from(decision: LineDecision, line: AuthorizationLine) -> Determination:
    """What a decision on a line records: an approval gets the requested quantity and period
    unless it names others; a refusal or a pend approves nothing."""
    approving = decision.review_action in APPROVING
    quantity = decision.approved_quantity
    if approving and quantity is None:
        quantity = line.quantity
    return Determination(
        review_action=decision.review_action,
        approved_quantity=quantity if approving else None,
        approved_start=(decision.approved_start or line.requested_start) if approving else None,
        approved_end=(decision.approved_end or line.requested_end) if approving else None,
        authorization_number=decision.authorization_number,
        reason_codes=decision.reason_codes,
        notes=decision.notes,
    )
