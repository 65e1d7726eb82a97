"""Per-partner rate limits: GCRA spreads calls at the partner's rate, the process and Redis
limiters agree, and the follow-up engine polls under the limit, putting back (never dropping)
what does not fit."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
from adapters.partners.dispatcher import OutboxDispatcher
from adapters.partners.limits import LocalRateLimiter, RedisRateLimiter
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.errors import DomainError
from domain.partners.limits import PartnerLimits, gcra
from domain.partners.models import OutboxMessage, OutboxStatus, TradingPartner
from domain.partners.polling import claim_due_polls, poll_request, unclaim_polls
from tests.adapters.ehr_support import serving
from tests.followup_support import (
    PENDED_CODE,
    eventually,
    exchange_counts,
    point_partner_at,
    statuses,
    submit_requests,
)
from tests.office import build_office

REDIS = "redis://127.0.0.1:6379/13"


def test_gcra_spreads_calls_at_the_rate_and_refuses_past_the_wait():
    limits = PartnerLimits(rate_per_second=10, burst=2)
    tat, waits = 0.0, []
    for _ in range(4):
        reservation, tat = gcra(tat, 0.0, limits, max_wait=0.15)
        waits.append((reservation.granted, round(reservation.wait, 3)))
    # Two back to back (the burst), then one every 0.1 s; the fourth is too far and not booked.
    assert waits == [(True, 0.0), (True, 0.0), (True, 0.1), (False, 0.2)]
    assert round(tat, 3) == 0.3
    unlimited, same = gcra(5.0, 1.0, PartnerLimits(), max_wait=0)
    assert unlimited.granted and unlimited.wait == 0 and same == 5.0


@pytest.mark.parametrize(
    "options",
    [{"rate_per_second": 0}, {"rate_per_second": "fast"}, {"burst": 0}, {"max_concurrency": 1.5}],
)
def test_limits_that_cannot_be_are_refused(options):
    with pytest.raises(DomainError) as raised:
        PartnerLimits.from_options(options)
    assert raised.value.field in options


async def test_the_local_limiter_holds_the_concurrency():
    limiter, limits = LocalRateLimiter(), PartnerLimits(concurrency=2)
    first = await limiter.acquire("p", limits, lease_seconds=60)
    second = await limiter.acquire("p", limits, lease_seconds=60)
    assert first and second and await limiter.acquire("p", limits, lease_seconds=60) is None
    await limiter.release("p", first)
    assert await limiter.acquire("p", limits, lease_seconds=60) is not None
    # A lease that lapsed (its holder died) frees its slot.
    assert await limiter.acquire("q", PartnerLimits(concurrency=1), lease_seconds=0) is not None
    assert await limiter.acquire("q", PartnerLimits(concurrency=1), lease_seconds=60) is not None


async def test_the_redis_limiter_is_shared_by_every_client():
    prefix = f"test:{uuid.uuid4().hex}"
    one, two = RedisRateLimiter(REDIS, prefix=prefix), RedisRateLimiter(REDIS, prefix=prefix)
    limits = PartnerLimits(rate_per_second=1, burst=1, concurrency=1)
    try:
        first = await one.reserve("p", limits, max_wait=1.5)
        second = await two.reserve("p", limits, max_wait=1.5)
        third = await one.reserve("p", limits, max_wait=1.5)
        # The second client books the slot after the first's; the third is too far away.
        assert first.granted and first.wait < 0.5
        assert second.granted and 0.5 < second.wait <= 1.0
        assert not third.granted and third.wait > 1.5
        lease = await one.acquire("p", limits, lease_seconds=60)
        assert lease is not None and await two.acquire("p", limits, lease_seconds=60) is None
        await one.release("p", lease)
        assert await two.acquire("p", limits, lease_seconds=60) is not None
    finally:
        await one.aclose()
        await two.aclose()


@pytest.fixture
async def pended(orgs, uow_factory):
    """Requests the simulated payer pended (each approved when it is next asked)."""
    simulator = PasPayerSimulator({PENDED_CODE: PayerRule(RuleKind.PEND_THEN_APPROVE)})
    office = await build_office(orgs, uow_factory)
    async with serving(simulator.app()) as root:
        await point_partner_at(uow_factory, f"{root}/fhir")
        ids = await submit_requests(office, uow_factory, 6)
        engine = OutboxDispatcher(uow_factory, PartnerRegistry(), None)
        assert await engine.run_once() == 6
        yield ids, simulator


async def limit_partner(uow_factory, **limits):
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.options = {**partner.options, **limits}
        await uow.commit()


async def make_due(uow_factory, ids, clock):
    async with uow_factory() as uow:
        for request_id in ids:
            request = await uow.session.get(AuthorizationRequest, request_id)
            request.next_poll_at = clock.now()
        await uow.commit()


async def test_polls_past_the_limit_wait_their_turn_and_none_is_lost(pended, uow_factory, clock):
    ids, simulator = pended
    await make_due(uow_factory, ids, clock)
    # One call every 2 s and a 1 s horizon: one poll per cycle; the rest stay due as they were.
    await limit_partner(uow_factory, rate_per_second=0.5, max_concurrency=1)
    engine = OutboxDispatcher(uow_factory, PartnerRegistry(), None, horizon_seconds=1.0)
    assert await engine.poll_due() == 1
    now = await statuses(uow_factory, ids)
    assert sorted(now.values()).count(AuthorizationStatus.APPROVED) == 1
    async with uow_factory() as uow:
        waiting = (
            await uow.session.scalars(
                select(AuthorizationRequest.next_poll_at).where(
                    AuthorizationRequest.status == AuthorizationStatus.PENDED
                )
            )
        ).all()
    assert len(waiting) == 5 and all(at == clock.now() for at in waiting)

    # At a rate that fits, the next cycles ask every one of them, each exactly once.
    await limit_partner(uow_factory, rate_per_second=20, burst=2, max_concurrency=2)
    fast = OutboxDispatcher(uow_factory, PartnerRegistry(), None, horizon_seconds=1.0)

    async def all_approved() -> bool:
        await fast.poll_due()
        states = await statuses(uow_factory, ids)
        return all(s is AuthorizationStatus.APPROVED for s in states.values())

    await eventually(all_approved, attempts=50)
    assert await exchange_counts(uow_factory, "INQUIRE") == dict.fromkeys(ids, 1)
    assert len([r for r in simulator.requests if r.startswith("inquire")]) == 6


async def test_dispatch_past_the_limit_is_deferred_not_dropped(orgs, uow_factory, clock):
    simulator = PasPayerSimulator({PENDED_CODE: PayerRule(RuleKind.PEND_THEN_APPROVE)})
    office = await build_office(orgs, uow_factory)
    async with serving(simulator.app()) as root:
        await point_partner_at(uow_factory, f"{root}/fhir", rate_per_second=0.5)
        ids = await submit_requests(office, uow_factory, 3)
        engine = OutboxDispatcher(uow_factory, PartnerRegistry(), None, horizon_seconds=1.0)
        assert await engine.run_once() == 1
        async with uow_factory() as uow:
            rows = (await uow.session.scalars(select(OutboxMessage))).all()
        pending = [m for m in rows if m.status is OutboxStatus.PENDING]
        # Deferred past the limit, not counted as an attempt, and sent once its turn comes.
        assert len(pending) == 2 and all(m.attempts == 0 for m in pending)
        assert all(m.next_attempt_at > clock.now() for m in pending)
        states = await statuses(uow_factory, ids)
        assert list(states.values()).count(AuthorizationStatus.SUBMITTING) == 2
        assert len([r for r in simulator.requests if r.startswith("submit")]) == 1
        await limit_partner(uow_factory, rate_per_second=50)
        clock.advance(timedelta(seconds=60))
        engine = OutboxDispatcher(uow_factory, PartnerRegistry(), None, horizon_seconds=1.0)
        assert await engine.run_once() == 2
        states = await statuses(uow_factory, ids)
        assert set(states.values()) == {AuthorizationStatus.PENDED}


async def test_a_lapsed_claim_is_never_asked_twice(pended, uow_factory, clock):
    """A poller whose claim lapsed (it waited past its lease, say on a loaded machine) while
    another took the same requests neither asks the partner again nor undoes the new claim."""
    ids, simulator = pended
    await make_due(uow_factory, ids, clock)
    partner_id = await only_partner_id(uow_factory)
    lease = timedelta(seconds=10)
    async with uow_factory() as uow:
        first = await claim_due_polls(uow=uow, partner_id=partner_id, limit=10, lease=lease)
    assert {c.request_id for c in first} == set(ids)
    clock.advance(timedelta(seconds=11))
    async with uow_factory() as uow:
        second = await claim_due_polls(uow=uow, partner_id=partner_id, limit=10, lease=lease)
    assert {c.request_id for c in second} == set(ids)
    asked_before = len([r for r in simulator.requests if r.startswith("inquire")])

    # The first poller wakes up: its polls are skipped and its give-back changes nothing.
    for claim in first[:3]:
        async with uow_factory() as uow:
            skipped = await poll_request(
                uow=uow, request_id=claim.request_id, directory=PartnerRegistry(), claim=claim
            )
        assert skipped is None
    async with uow_factory() as uow:
        await unclaim_polls(uow=uow, claims=first[3:])
    async with uow_factory() as uow:
        held = await uow.session.scalars(
            select(AuthorizationRequest.next_poll_at).where(AuthorizationRequest.id.in_(ids))
        )
        assert set(held) == {second[0].claimed_until}
    assert len([r for r in simulator.requests if r.startswith("inquire")]) == asked_before

    # The second poller's claims hold: each request is asked exactly once.
    for claim in second:
        async with uow_factory() as uow:
            status = await poll_request(
                uow=uow, request_id=claim.request_id, directory=PartnerRegistry(), claim=claim
            )
        assert status is AuthorizationStatus.APPROVED
    assert await exchange_counts(uow_factory, "INQUIRE") == dict.fromkeys(ids, 1)


async def only_partner_id(uow_factory) -> uuid.UUID:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(TradingPartner.id))
