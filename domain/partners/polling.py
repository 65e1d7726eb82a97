"""Following up with partners: requests waiting on a payer are asked for their status
(PAS $inquire, X12 278 inquiry) and the answer is applied like any other. The follow-up engine
picks the due requests; this module asks one partner about one request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from domain.authorizations.answers import apply_inquiry_answer, snapshot
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.partners.exchanges import Attempt, log_exchange
from domain.partners.models import ExchangeOutcome, Protocol, TradingPartner
from domain.partners.ports import PartnerDirectory, PartnerError
from domain.uow import UnitOfWork

POLLABLE = (
    AuthorizationStatus.SUBMITTED,
    AuthorizationStatus.PENDED,
    AuthorizationStatus.INFO_REQUESTED,
)


@dataclass(frozen=True, slots=True)
class PollingPolicy:
    """Ask after `initial`, then twice as long each time up to `max_interval`; stop once the
    decision is `grace` past due (the coordinator takes it from there)."""

    initial: timedelta = timedelta(seconds=30)
    max_interval: timedelta = timedelta(hours=1)
    grace: timedelta = timedelta(days=1)

    def next_poll(self, now: datetime, polls: int, due: datetime | None) -> datetime | None:
        wait = min(self.max_interval, self.initial * (2 ** min(polls, 20)))
        return self._within_grace(now + wait, due)

    def safety_net(self, now: datetime, due: datetime | None) -> datetime | None:
        """For a partner that pushes its answers: one poll a full interval away, in case a
        push is lost."""
        return self._within_grace(now + self.max_interval, due)

    def _within_grace(self, at: datetime, due: datetime | None) -> datetime | None:
        return None if due is not None and at > due + self.grace else at


def schedule_poll(
    request: AuthorizationRequest, partner: TradingPartner, now: datetime, policy: PollingPolicy
) -> None:
    """After the partner answered: the next poll while the request waits on a partner that can
    be asked, none otherwise."""
    waiting = request.status in POLLABLE and partner.protocol is not Protocol.MANUAL
    request.next_poll_at = (
        policy.next_poll(now, request.poll_count, request.decision_due_at) if waiting else None
    )


async def due_polls(*, uow: UnitOfWork, limit: int = 100) -> list[uuid.UUID]:
    """Requests whose next poll is due, oldest first."""
    query = (
        select(AuthorizationRequest.id)
        .where(
            AuthorizationRequest.next_poll_at <= uow.clock.now(),
            AuthorizationRequest.status.in_(POLLABLE),
        )
        .order_by(AuthorizationRequest.next_poll_at)
        .limit(limit)
    )
    return list(await uow.session.scalars(query))


async def pollable_partners(*, uow: UnitOfWork) -> list[TradingPartner]:
    """The active partners that can be asked for a status (all but MANUAL)."""
    query = select(TradingPartner).where(
        TradingPartner.active.is_(True), TradingPartner.protocol != Protocol.MANUAL
    )
    return list(await uow.session.scalars(query.order_by(TradingPartner.id)))


@dataclass(frozen=True, slots=True)
class PollClaim:
    """One due poll a poller has taken: the request, when it was due, and the `next_poll_at`
    the claim set. The claim holds only while the row still says `claimed_until`: once the
    lease lapses another poller may take it, and this one's poll is then skipped."""

    request_id: uuid.UUID
    due_at: datetime
    claimed_until: datetime


async def claim_due_polls(
    *, uow: UnitOfWork, partner_id: uuid.UUID, limit: int, lease: timedelta
) -> list[PollClaim]:
    """Up to `limit` of one partner's due polls, oldest first: their `next_poll_at` moves
    `lease` ahead, so no other poller takes them while this one waits for the partner's rate
    limit, and a poller that dies only delays them by the lease. Commits."""
    now = uow.clock.now()
    until = now + lease
    rows = (
        await uow.session.execute(
            select(AuthorizationRequest.id, AuthorizationRequest.next_poll_at)
            .where(
                AuthorizationRequest.trading_partner_id == partner_id,
                AuthorizationRequest.next_poll_at <= now,
                AuthorizationRequest.status.in_(POLLABLE),
            )
            .order_by(AuthorizationRequest.next_poll_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).all()
    due = {row.id: row.next_poll_at for row in rows}
    if not due:
        return []
    taken = await uow.session.scalars(
        update(AuthorizationRequest)
        .where(AuthorizationRequest.id.in_(due), AuthorizationRequest.next_poll_at <= now)
        .values(next_poll_at=until)
        .returning(AuthorizationRequest.id)
        .execution_options(synchronize_session=False)
    )
    claimed = set(taken)
    await uow.commit()
    return [PollClaim(id_, at, until) for id_, at in due.items() if id_ in claimed]


async def unclaim_polls(*, uow: UnitOfWork, claims: list[PollClaim]) -> None:
    """Polls taken but not asked (the partner's limit was reached): due again as they were,
    in their place in the queue, unless another poller has taken them since. Commits."""
    for claim in claims:
        await uow.session.execute(
            update(AuthorizationRequest)
            .where(
                AuthorizationRequest.id == claim.request_id,
                AuthorizationRequest.status.in_(POLLABLE),
                AuthorizationRequest.next_poll_at == claim.claimed_until,
            )
            .values(next_poll_at=claim.due_at)
            .execution_options(synchronize_session=False)
        )
    await uow.commit()


async def poll_request(
    *,
    uow: UnitOfWork,
    request_id: uuid.UUID,
    directory: PartnerDirectory,
    policy: PollingPolicy = PollingPolicy(),
    claim: PollClaim | None = None,
) -> AuthorizationStatus | None:
    """Ask the request's partner for its status and apply the answer; None when there is
    nothing to ask (not waiting, a MANUAL payer, another poller holds it, or — with the
    `claim` a poller took — that claim has lapsed and another poller took the request or
    already asked)."""
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.id == request_id, AuthorizationRequest.status.in_(POLLABLE)
    )
    if claim is not None:
        query = query.where(AuthorizationRequest.next_poll_at == claim.claimed_until)
    request = await uow.session.scalar(query.with_for_update(skip_locked=True))
    if request is None or request.trading_partner_id is None:
        return None
    partner = await uow.session.get(TradingPartner, request.trading_partner_id)
    if partner is None or partner.protocol is Protocol.MANUAL:
        request.next_poll_at = None
        await uow.commit()
        return None
    port = directory.for_partner(partner.protocol.value, partner.adapter_options())
    attempt = Attempt.start(uow)
    try:
        answer = await port.inquire(await snapshot(uow, request))
    except PartnerError as error:
        outcome, detail = ExchangeOutcome.FAILED, error.message
    else:
        outcome, detail = ExchangeOutcome.SUCCEEDED, answer.kind.value
        await apply_inquiry_answer(uow, request, answer)
    log_exchange(
        uow,
        attempt,
        request_id=request.id,
        partner_id=partner.id,
        operation="INQUIRE",
        outcome=outcome,
        detail=detail,
    )
    request.poll_count += 1
    schedule_poll(request, partner, uow.clock.now(), policy)
    await uow.commit()
    return request.status
