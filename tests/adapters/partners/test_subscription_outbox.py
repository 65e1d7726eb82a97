"""Subscription notifications end to end over real HTTP on loopback: requests decided through
the domain's paths (the MANUAL payer's determination recorded by the coordinator, the
simulated PAS payer answering a follow-up inquiry) are pushed by the outbox dispatcher with the
real HttpSubscriptionNotifier to a subscriber's endpoint under uvicorn: in order, once each,
retried after failures, given up into a visible dead letter, and never lost across a restart."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from fhir.resources.R4B.bundle import Bundle
from sqlalchemy import func, select

from adapters.fhir.backport import PAS_TOPIC
from adapters.fhir.notifier import HttpSubscriptionNotifier
from adapters.fhir.pas import from_pas_response
from adapters.partners.directory import PartnerRegistry
from adapters.partners.dispatcher import OutboxDispatcher
from adapters.sealing import Sealer
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.audit.models import AuditEvent
from domain.authorizations.coordinator import record_manual_determination
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import AuthorizationLine, CodeSystem
from domain.authorizations.payer_rules import ServiceLineData
from domain.authorizations.rules import LineDecision
from domain.partners import subscriptions
from domain.partners.models import (
    OutboxMessage,
    OutboxStatus,
    PartnerSubscription,
    Protocol,
    SubscriptionStatus,
    TradingPartner,
)
from domain.partners.outbox import RetryPolicy
from domain.partners.polling import poll_request
from domain.partners.ports import AnswerKind
from domain.partners.subscription_rules import SubscriptionData, SubscriptionTopic
from tests.adapters.ehr_support import free_port, serving
from tests.adapters.subscription_support import (
    ELSEWHERE_NPI,
    NORTHSIDE_NPI,
    Receiver,
    build_world,
)
from tests.office import submitted_payer_request

SECRET = "subscription-tests-sealing-secret-0123456789"
HOOK_TOKEN = "Bearer hook-secret-for-northside"


async def subscribe(uow_factory, actor, endpoint, identifiers, headers=(), heartbeat=None):
    data = SubscriptionData(
        topic=SubscriptionTopic.AUTHORIZATION_RESULTS,
        filter_identifiers=tuple(identifiers),
        endpoint=endpoint,
        heartbeat_seconds=heartbeat,
        header_names=tuple(h.split(":")[0] for h in headers),
        sealed_headers=Sealer(SECRET).seal(list(headers)) if headers else None,
    )
    async with uow_factory() as uow:
        made = await subscriptions.create_subscription(uow=uow, actor=actor, data=data)
        return made.id


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


def dispatcher(uow_factory, policy=RetryPolicy(max_attempts=3), timeout=2.0):
    """A fresh dispatcher, as a restarted process would build one."""
    notifier = HttpSubscriptionNotifier(Sealer(SECRET), timeout_seconds=timeout)
    return OutboxDispatcher(uow_factory, PartnerRegistry(), None, policy=policy, notifier=notifier)


async def new_request(uow_factory, office, code="72148"):
    line = ServiceLineData(
        CodeSystem.CPT, code, Decimal(2), requested_start=date(2026, 1, 20),
        requested_end=date(2026, 2, 20),
    )  # fmt: skip
    return await submitted_payer_request(uow_factory, office, line)


async def decide(uow_factory, office, request_id, action, number=None):
    async with uow_factory() as uow:
        (line,) = await uow.session.scalars(
            select(AuthorizationLine).where(AuthorizationLine.request_id == request_id)
        )
        reasons = ("0U",) if action is ReviewAction.NOT_CERTIFIED else ()
        decision = LineDecision(line.id, action, authorization_number=number, reason_codes=reasons)
        await record_manual_determination(
            uow=uow, actor=office["olive"], request_id=request_id, decisions=(decision,)
        )


async def subscription(uow_factory, subscription_id):
    async with uow_factory() as uow:
        return await uow.session.get(PartnerSubscription, subscription_id)


def pas_answer(delivery):
    """The PAS Response Bundle a notification carries, read back as the domain's answer."""
    return from_pas_response(Bundle.model_validate(delivery.body))


async def test_a_manual_payers_pended_then_approved_request_is_pushed_in_order_once_each(
    world, uow_factory
):
    northside, elsewhere = Receiver(), Receiver()
    async with (
        serving(northside.app()) as root,
        serving(elsewhere.app()) as other_root,
    ):
        mine = await subscribe(
            uow_factory,
            world["ehr"],
            f"{root}/hook",
            [NORTHSIDE_NPI],
            [f"Authorization: {HOOK_TOKEN}"],
        )
        await subscribe(uow_factory, world["other_ehr"], f"{other_root}/hook", [ELSEWHERE_NPI])
        worker = dispatcher(uow_factory)
        assert await worker.run_once() == 2  # the handshakes
        (handshake,) = northside.delivered("handshake")
        assert handshake.headers["authorization"] == HOOK_TOKEN
        assert handshake.status["status"] == "requested"
        assert handshake.status["subscription"] == {"reference": f"Subscription/{mine}"}
        assert (await subscription(uow_factory, mine)).status is SubscriptionStatus.ACTIVE

        request = await new_request(uow_factory, world)
        await worker.run_once()  # the MANUAL payer receives it: nothing to tell yet
        assert northside.delivered() == []
        await decide(uow_factory, world, request.id, ReviewAction.PENDED)
        await worker.run_once()
        await decide(uow_factory, world, request.id, ReviewAction.CERTIFIED, "CHP-778")
        await worker.run_once()
        assert await worker.run_once() == 0  # nothing left

    first, second = northside.delivered()
    assert [first.event_number, second.event_number] == [1, 2]
    assert len(northside.deliveries) == 3  # the handshake and two events, each once
    assert first.status["type"] == "event-notification" and first.status["topic"] == PAS_TOPIC
    assert first.status["events-since-subscription-start"] == "1"
    assert first.body["type"] == "history"
    assert (
        first.status["notification-event"]["focus"]["reference"]
        == first.body["entry"][1]["fullUrl"]
    )
    pended, approved = pas_answer(first), pas_answer(second)
    assert [line.review_action for line in pended.lines] == [ReviewAction.PENDED]
    assert [(line.review_action, line.authorization_number) for line in approved.lines] == [
        (ReviewAction.CERTIFIED, "CHP-778")
    ]
    claim_response = second.body["entry"][1]["resource"]["entry"][0]["resource"]
    assert claim_response["identifier"][0]["value"] == request.number
    assert elsewhere.delivered() == [] and len(elsewhere.delivered("handshake")) == 1
    async with uow_factory() as uow:
        audited = await uow.session.scalar(
            select(func.count()).where(
                AuditEvent.entity_id == request.id, AuditEvent.actor_id == world["ehr"].subject_id
            )
        )
    assert audited == 2  # each disclosure to the subscriber is in the audit trail


async def test_another_organisation_naming_our_identifier_is_told_nothing(world, uow_factory):
    snooper = Receiver()
    async with serving(snooper.app()) as root:
        await subscribe(uow_factory, world["other_ehr"], f"{root}/hook", [NORTHSIDE_NPI])
        worker = dispatcher(uow_factory)
        request = await new_request(uow_factory, world)
        await worker.run_once()
        await decide(uow_factory, world, request.id, ReviewAction.NOT_CERTIFIED)
        await worker.run_once()
    assert [d.kind for d in snooper.deliveries] == ["handshake"]


async def test_a_failing_endpoint_gets_the_notification_later_with_the_error_visible_meanwhile(
    world, uow_factory, clock
):
    receiver = Receiver()
    async with serving(receiver.app()) as root:
        mine = await subscribe(uow_factory, world["ehr"], f"{root}/hook", [NORTHSIDE_NPI])
        worker = dispatcher(uow_factory)
        await worker.run_once()
        request = await new_request(uow_factory, world)
        await worker.run_once()
        receiver.failures = [500]
        await decide(uow_factory, world, request.id, ReviewAction.PENDED)
        await decide(uow_factory, world, request.id, ReviewAction.CERTIFIED, "CHP-1")
        await worker.run_once()
        failing = await subscription(uow_factory, mine)
        assert (failing.status, failing.error_count) == (SubscriptionStatus.ERROR, 1)
        assert failing.last_error == "The endpoint answered HTTP 500"
        assert receiver.delivered() == []  # event 2 waits for event 1
        assert await worker.run_once() == 0  # not due before its backoff
        clock.advance(timedelta(minutes=15))
        await worker.run_once()
        await worker.run_once()
    assert [d.event_number for d in receiver.delivered()] == [1, 2]
    assert [d.answered for d in receiver.deliveries if d.kind != "handshake"] == [500, 200, 200]
    assert (await subscription(uow_factory, mine)).status is SubscriptionStatus.ACTIVE


async def test_a_notification_given_up_is_a_dead_letter_with_its_reason(world, uow_factory, clock):
    receiver = Receiver()
    async with serving(receiver.app()) as root:
        mine = await subscribe(uow_factory, world["ehr"], f"{root}/hook", [NORTHSIDE_NPI])
        worker = dispatcher(uow_factory, policy=RetryPolicy(max_attempts=2))
        await worker.run_once()
        request = await new_request(uow_factory, world)
        await worker.run_once()
        receiver.always = 503
        await decide(uow_factory, world, request.id, ReviewAction.NOT_CERTIFIED)
        for _ in range(2):
            await worker.run_once()
            clock.advance(timedelta(hours=1))
        assert await worker.run_once() == 0
    async with uow_factory() as uow:
        letter = await uow.session.scalar(
            select(OutboxMessage).where(OutboxMessage.event_number == 1)
        )
    assert (letter.status, letter.attempts) == (OutboxStatus.FAILED, 2)
    given_up = await subscription(uow_factory, mine)
    assert given_up.status is SubscriptionStatus.ERROR
    assert given_up.last_error == (
        "Gave up the notification 1 after 2 attempts: The endpoint answered HTTP 503"
    )


async def test_a_restart_loses_nothing(world, uow_factory, clock):
    """Events committed while the endpoint is down and the dispatcher stops are delivered, in
    order, by a new dispatcher once the endpoint is back."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}/hook"
    mine = await subscribe(uow_factory, world["ehr"], endpoint, [NORTHSIDE_NPI])
    first = dispatcher(uow_factory, timeout=0.5)
    await first.run_once()  # nobody listens: the handshake will be retried
    request = await new_request(uow_factory, world)
    await first.run_once()
    await decide(uow_factory, world, request.id, ReviewAction.PENDED)
    await decide(uow_factory, world, request.id, ReviewAction.CERTIFIED, "CHP-9")
    await first.run_once()
    await first.stop()
    del first
    assert (await subscription(uow_factory, mine)).status is SubscriptionStatus.ERROR
    receiver = Receiver()
    async with serving(receiver.app(), port=port):
        clock.advance(timedelta(hours=1))
        restarted = dispatcher(uow_factory)
        for _ in range(3):
            await restarted.run_once()
    assert [d.kind for d in receiver.deliveries] == [
        "handshake",
        "event-notification",
        "event-notification",
    ]
    assert [d.event_number for d in receiver.delivered()] == [1, 2]
    assert (await subscription(uow_factory, mine)).status is SubscriptionStatus.ACTIVE


async def test_the_pas_payers_answer_to_a_follow_up_inquiry_is_pushed(world, uow_factory):
    simulator = PasPayerSimulator({"72148": PayerRule(RuleKind.PEND_THEN_APPROVE)})
    receiver = Receiver()
    async with serving(simulator.app()) as payer_root, serving(receiver.app()) as root:
        async with uow_factory() as uow:
            trading = await uow.session.scalar(select(TradingPartner))
            trading.protocol, trading.endpoint_url = Protocol.FHIR_PAS, f"{payer_root}/fhir"
            await uow.commit()
        await subscribe(uow_factory, world["ehr"], f"{root}/hook", [NORTHSIDE_NPI])
        worker = dispatcher(uow_factory)
        request = await new_request(uow_factory, world)
        await worker.run_once()  # handshake; $submit answers pended
        await worker.run_once()  # the pended notification
        async with uow_factory() as uow:
            status = await poll_request(uow=uow, request_id=request.id, directory=PartnerRegistry())
        assert status is AuthorizationStatus.APPROVED
        await worker.run_once()
    pended, approved = (pas_answer(d) for d in receiver.delivered())
    assert [line.review_action for line in pended.lines] == [ReviewAction.PENDED]
    assert approved.kind is AnswerKind.DECIDED
    assert [(line.review_action, line.authorization_number) for line in approved.lines] == [
        (ReviewAction.CERTIFIED, "SIM000001")
    ]


async def test_a_subscription_turned_off_gives_up_what_was_queued(world, uow_factory):
    receiver = Receiver()
    async with serving(receiver.app()) as root:
        mine = await subscribe(uow_factory, world["ehr"], f"{root}/hook", [NORTHSIDE_NPI])
        request = await new_request(uow_factory, world)
        worker = dispatcher(uow_factory)
        await worker.run_once()
        await decide(uow_factory, world, request.id, ReviewAction.PENDED)
        async with uow_factory() as uow:
            await subscriptions.turn_off_subscription(
                uow=uow, actor=world["ehr"], subscription_id=mine
            )
        await decide(uow_factory, world, request.id, ReviewAction.CERTIFIED, "CHP-2")
        await worker.run_once()
    assert receiver.delivered() == []
    async with uow_factory() as uow:
        events = list(await uow.session.scalars(select(OutboxMessage.last_error).where(
            OutboxMessage.event_number > 0
        )))  # fmt: skip
    assert events == [subscriptions.TURNED_OFF]  # the one queued; none after


async def test_a_quiet_subscription_that_asked_for_heartbeats_gets_them(world, uow_factory, clock):
    receiver = Receiver()
    async with serving(receiver.app()) as root:
        await subscribe(uow_factory, world["ehr"], f"{root}/hook", [NORTHSIDE_NPI], heartbeat=60)
        worker = dispatcher(uow_factory)
        assert await worker.queue_heartbeats() == 0  # the handshake is still queued
        await worker.run_once()
        clock.advance(timedelta(seconds=59))
        assert await worker.queue_heartbeats() == 0  # not quiet for its period yet
        request = await new_request(uow_factory, world)
        await worker.run_once()
        await decide(uow_factory, world, request.id, ReviewAction.PENDED)
        clock.advance(timedelta(seconds=30))
        assert await worker.queue_heartbeats() == 0  # a notification is queued: no need
        await worker.run_once()
        clock.advance(timedelta(seconds=61))
        assert await worker.queue_heartbeats() == 1
        assert await worker.queue_heartbeats() == 0  # one at a time
        await worker.run_once()
    assert [d.kind for d in receiver.deliveries] == ["handshake", "event-notification", "heartbeat"]
    beat = receiver.deliveries[-1]
    assert beat.status["events-since-subscription-start"] == "1"
    assert "notification-event" not in beat.status and len(beat.body["entry"]) == 1
