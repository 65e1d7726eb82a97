"""Answers a partner pushes (a PAS notification, an asynchronous 278 response) instead of
waiting to be asked: applied like a polled answer, and the pending poll is cancelled (or, while
the payer is still deciding, pushed back to a full interval as a safety net).

Idempotent and order-safe: each answer carries the partner's own time; one no newer than the
newest applied (a duplicate, or an older answer overtaken on the way) changes nothing, and an
answer for a request that is no longer waiting on its partner changes nothing either."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select

from domain.authorizations.answers import apply_inquiry_answer, is_stale
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.errors import DomainError, ErrorCode, not_found
from domain.partners.exchanges import Attempt, log_exchange
from domain.partners.models import ExchangeOutcome, TradingPartner
from domain.partners.polling import POLLABLE, PollingPolicy, schedule_poll
from domain.partners.ports import PartnerAnswer
from domain.uow import UnitOfWork

# The partner's option holding the SHA-256 (hex) of the bearer token it pushes with.
OPTION_PUSH_TOKEN = "push_token_sha256"


def push_token_digest(token: str) -> str:
    """What a partner's record keeps of its push token (never the token itself)."""
    return hashlib.sha256(token.encode()).hexdigest()


async def authenticate_partner(
    *, uow: UnitOfWork, partner_id: uuid.UUID, token: str | None
) -> TradingPartner:
    """The active partner whose push token this is; UNAUTHENTICATED otherwise (the same answer
    for an unknown partner, one that does not push, and a wrong token)."""
    partner = await uow.session.get(TradingPartner, partner_id)
    expected = (partner.options or {}).get(OPTION_PUSH_TOKEN) if partner else None
    given = push_token_digest(token) if token else ""
    if (
        partner is None
        or not partner.active
        or not isinstance(expected, str)
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise DomainError(ErrorCode.UNAUTHENTICATED, "A valid partner token is required")
    return partner


class PushOutcome(StrEnum):
    APPLIED = "APPLIED"
    STALE = "STALE"  # a duplicate or an older answer: nothing changed
    NOT_WAITING = "NOT_WAITING"  # the request is decided or closed: nothing changed


@dataclass(frozen=True, slots=True)
class PushResult:
    request_id: uuid.UUID
    outcome: PushOutcome
    status: AuthorizationStatus


async def apply_pushed_answer(
    *,
    uow: UnitOfWork,
    partner: TradingPartner,
    identifiers: tuple[str, ...],
    answer: PartnerAnswer,
    operation: str = "NOTIFY",
    policy: PollingPolicy = PollingPolicy(),
) -> PushResult:
    """Apply what `partner` pushed about the request it names (by our request number or the
    payer's reference); logged as an inbound exchange. Commits."""
    if not identifiers and not answer.payer_reference:
        raise DomainError(ErrorCode.REQUIRED, "The answer names no request", "identifier")
    names = set(identifiers) | ({answer.payer_reference} if answer.payer_reference else set())
    request = await uow.session.scalar(
        select(AuthorizationRequest)
        .where(
            AuthorizationRequest.trading_partner_id == partner.id,
            or_(
                AuthorizationRequest.number.in_(names),
                AuthorizationRequest.payer_reference.in_(names),
            ),
        )
        .with_for_update()
    )
    if request is None:
        raise not_found("Authorization request", "identifier")
    if request.status is AuthorizationStatus.SUBMITTING:
        # Our submission's own answer has not come back yet; the partner pushes again later.
        raise DomainError(
            ErrorCode.CONFLICT, "The request is still being submitted; retry later", "identifier"
        )
    attempt = Attempt.start(uow)
    if request.status not in POLLABLE:
        outcome = PushOutcome.NOT_WAITING
    elif is_stale(request, answer):
        outcome = PushOutcome.STALE
    else:
        await apply_inquiry_answer(uow, request, answer)
        # Pushed: the pending poll is cancelled; while the payer is still deciding, one safety
        # net a full interval away stays, in case a later push is lost.
        schedule_poll(request, partner, uow.clock.now(), policy)
        if request.next_poll_at is not None:
            request.next_poll_at = policy.safety_net(uow.clock.now(), request.decision_due_at)
        outcome = PushOutcome.APPLIED
    log_exchange(
        uow,
        attempt,
        request_id=request.id,
        partner_id=partner.id,
        operation=operation,
        outcome=ExchangeOutcome.SUCCEEDED,
        detail=f"{answer.kind.value} {outcome.value}",
        direction="INBOUND",
    )
    await uow.commit()
    return PushResult(request.id, outcome, request.status)
