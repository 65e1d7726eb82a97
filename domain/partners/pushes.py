"""Answers a partner pushes (a PAS notification, an asynchronous 278 response) instead of
waiting to be asked: applied like a polled answer, and the pending poll is cancelled (or, while
the payer is still deciding, pushed back to a full interval as a safety net).

Who may push: a PAS payer presents the bearer token whose digest its partner keeps
(`push_token_sha256`); an X12 payer or clearinghouse is a CORE API client that its partner
names (`push_core_clients`).

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
from domain.identity.models import ApiClient, Organization
from domain.identity.rules import Principal
from domain.partners.exchanges import Attempt, log_exchange
from domain.partners.models import ExchangeOutcome, Protocol, TradingPartner
from domain.partners.polling import POLLABLE, PollingPolicy, schedule_poll
from domain.partners.ports import PartnerAnswer
from domain.uow import UnitOfWork

# The partner's option holding the SHA-256 (hex) of the bearer token it pushes with.
OPTION_PUSH_TOKEN = "push_token_sha256"
# An X12_CORE partner's option listing the API client ids (CORE usernames) that may push its
# 278 responses to our CORE endpoint.
OPTION_PUSH_CORE_CLIENTS = "push_core_clients"


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


PAYER_FIELD = "payer"


@dataclass(frozen=True, slots=True)
class PushingPartner:
    partner: TradingPartner
    payer_id: str | None  # the payer's id (a 278's UMO NM109)


async def core_pushing_partners(*, uow: UnitOfWork, actor: Principal) -> list[PushingPartner]:
    """The active X12_CORE partners whose option `push_core_clients` names the actor's API
    client (its client id, the CORE username); FORBIDDEN when none does."""
    client = await uow.session.get(ApiClient, actor.subject_id) if actor.is_machine else None
    rows = await uow.session.execute(
        select(TradingPartner, Organization.payer_id)
        .join(Organization, Organization.id == TradingPartner.payer_organization_id)
        .where(TradingPartner.active.is_(True), TradingPartner.protocol == Protocol.X12_CORE)
        .order_by(TradingPartner.id)
    )
    allowed = [
        PushingPartner(partner, payer_id)
        for partner, payer_id in rows
        if client is not None and client.client_id in _pushing_clients(partner)
    ]
    if not allowed:
        raise DomainError(ErrorCode.FORBIDDEN, "This client pushes answers for no trading partner")
    return allowed


def choose_pushing_partner(partners: list[PushingPartner], payer_id: str | None) -> TradingPartner:
    """The partner an answer speaks for: the only one, or, for a client pushing for several
    (a clearinghouse), the one whose payer has `payer_id`; NOT_FOUND otherwise."""
    if len(partners) > 1:
        partners = [p for p in partners if p.payer_id and p.payer_id == payer_id]
    if len(partners) != 1:
        raise not_found("Trading partner", PAYER_FIELD)
    return partners[0].partner


def _pushing_clients(partner: TradingPartner) -> list[str]:
    named = (partner.options or {}).get(OPTION_PUSH_CORE_CLIENTS)
    return [str(name) for name in named] if isinstance(named, list) else []


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
    idempotency_key: uuid.UUID | None = None,
) -> PushResult:
    """Apply what `partner` pushed about the request it names (by our request number or the
    payer's reference); logged as an inbound exchange (with the message's `idempotency_key`,
    when it has one). Commits."""
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
        idempotency_key=idempotency_key,
        direction="INBOUND",
    )
    await uow.commit()
    return PushResult(request.id, outcome, request.status)
