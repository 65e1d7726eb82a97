"""The outbox and the follow-up path on a real database, with a fake partner standing for a
payer outside this machine (it implements the same port as the real adapters)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import AuthorizationRequest
from domain.history import StatusChange
from domain.partners.models import Exchange, OutboxMessage, OutboxStatus, Protocol, TradingPartner
from domain.partners.outbox import RetryPolicy, dispatch, due_message_ids
from domain.partners.polling import poll_request
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer, PartnerError
from tests.office import build_office, submitted_payer_request


class FakePayer:
    """Answers from a script; records the idempotency keys it saw."""

    def __init__(self) -> None:
        self.submissions: list[uuid.UUID] = []
        self.inquiries: list[PartnerAnswer] = []
        self.failures: list[PartnerError] = []

    async def submit(self, request, *, idempotency_key):
        if self.failures:
            raise self.failures.pop(0)
        self.submissions.append(idempotency_key)
        return PartnerAnswer(kind=AnswerKind.RECEIVED, payer_reference="PAYER-1")

    async def inquire(self, request):
        return self.inquiries.pop(0)

    async def cancel(self, request, *, idempotency_key):
        return PartnerAnswer(kind=AnswerKind.CANCELLED)

    async def provide_information(self, request, *, idempotency_key):
        return PartnerAnswer(kind=AnswerKind.RECEIVED)


@pytest.fixture
async def setup(orgs, uow_factory):
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.protocol, partner.endpoint_url = Protocol.FHIR_PAS, "http://payer.invalid/fhir"
        await uow.commit()
    fake = FakePayer()
    registry = PartnerRegistry({Protocol.FHIR_PAS.value: lambda _options: fake})
    request = await submitted_payer_request(uow_factory, office)
    return office, fake, registry, request.id


async def run_outbox(uow_factory, registry, policy=RetryPolicy()):
    async with uow_factory() as uow:
        due = await due_message_ids(uow=uow)
    for message_id in due:
        async with uow_factory() as uow:
            await dispatch(uow=uow, message_id=message_id, directory=registry, policy=policy)
    return len(due)


async def status_of(uow_factory, request_id):
    async with uow_factory() as uow:
        return (await uow.session.get(AuthorizationRequest, request_id)).status


async def test_submitted_then_pended_then_approved_through_polling(setup, uow_factory):
    _, fake, registry, request_id = setup
    assert await run_outbox(uow_factory, registry) == 1
    assert await status_of(uow_factory, request_id) is AuthorizationStatus.SUBMITTED
    assert await run_outbox(uow_factory, registry) == 0  # sent once, never twice

    fake.inquiries = [
        PartnerAnswer(AnswerKind.DECIDED, lines=(LineAnswer(1, ReviewAction.PENDED),)),
        PartnerAnswer(
            AnswerKind.DECIDED,
            lines=(LineAnswer(1, ReviewAction.CERTIFIED, authorization_number="A-1"),),
        ),
    ]
    async with uow_factory() as uow:
        assert (
            await poll_request(uow=uow, request_id=request_id, directory=registry)
            is AuthorizationStatus.PENDED
        )
    async with uow_factory() as uow:
        assert (
            await poll_request(uow=uow, request_id=request_id, directory=registry)
            is AuthorizationStatus.APPROVED
        )
    async with uow_factory() as uow:
        assert (
            await poll_request(uow=uow, request_id=request_id, directory=registry) is None
        )  # decided
        operations = [
            e.operation
            for e in await uow.session.scalars(select(Exchange).order_by(Exchange.started_at))
        ]
        history = [
            h.to_status
            for h in await uow.session.scalars(
                select(StatusChange)
                .where(StatusChange.entity_id == request_id)
                .order_by(StatusChange.id)
            )
        ]
    assert sorted(operations) == ["INQUIRE", "INQUIRE", "SUBMIT"]
    assert history == ["DRAFT", "SUBMITTING", "SUBMITTED", "PENDED", "APPROVED"]


async def test_transport_failures_retry_with_backoff_then_fail_with_the_reason(
    setup, uow_factory, clock
):
    _, fake, registry, request_id = setup
    fake.failures = [PartnerError("timed out", retryable=True), PartnerError("503", retryable=True)]
    policy = RetryPolicy(max_attempts=2, base_seconds=10)
    await run_outbox(uow_factory, registry, policy)
    async with uow_factory() as uow:
        message = (await uow.session.scalars(select(OutboxMessage))).one()
    assert message.status is OutboxStatus.PENDING and message.attempts == 1
    assert timedelta(seconds=5) <= message.next_attempt_at - clock.now() <= timedelta(seconds=10)
    assert await run_outbox(uow_factory, registry, policy) == 0  # not due yet
    clock.advance(timedelta(seconds=11))
    await run_outbox(uow_factory, registry, policy)
    async with uow_factory() as uow:
        message = (await uow.session.scalars(select(OutboxMessage))).one()
        request = await uow.session.get(AuthorizationRequest, request_id)
        reason = await uow.session.scalar(
            select(StatusChange.reason).where(StatusChange.to_status == "SUBMIT_FAILED")
        )
    assert (
        message.status is OutboxStatus.FAILED
        and request.status is AuthorizationStatus.SUBMIT_FAILED
    )
    assert reason == "503" and fake.submissions == []


async def test_a_final_failure_does_not_retry(setup, uow_factory):
    _, fake, registry, request_id = setup
    fake.failures = [PartnerError("credentials refused", retryable=False)]
    await run_outbox(uow_factory, registry)
    assert await status_of(uow_factory, request_id) is AuthorizationStatus.SUBMIT_FAILED


async def test_polls_are_scheduled_with_backoff_and_stop_when_decided(setup, uow_factory, clock):
    from domain.partners.polling import PollingPolicy, due_polls

    _, fake, registry, request_id = setup
    policy = PollingPolicy(initial=timedelta(seconds=30), max_interval=timedelta(seconds=100))
    async with uow_factory() as uow:
        for message_id in await due_message_ids(uow=uow):
            async with uow_factory() as inner:
                await dispatch(
                    uow=inner,
                    message_id=message_id,
                    directory=registry,
                    policy=RetryPolicy(),
                    polling=policy,
                )
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, request_id)
        assert request.next_poll_at == clock.now() + timedelta(seconds=30)
        assert await due_polls(uow=uow) == []  # not yet
    clock.advance(timedelta(seconds=30))
    fake.inquiries = [
        PartnerAnswer(AnswerKind.DECIDED, lines=(LineAnswer(1, ReviewAction.PENDED),)),
        PartnerAnswer(AnswerKind.DECIDED, lines=(LineAnswer(1, ReviewAction.CERTIFIED),)),
    ]
    async with uow_factory() as uow:
        assert await due_polls(uow=uow) == [request_id]
    async with uow_factory() as uow:
        await poll_request(uow=uow, request_id=request_id, directory=registry, policy=policy)
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, request_id)
        assert request.status is AuthorizationStatus.PENDED
        assert request.next_poll_at == clock.now() + timedelta(seconds=60)  # twice as long
    clock.advance(timedelta(seconds=60))
    async with uow_factory() as uow:
        await poll_request(uow=uow, request_id=request_id, directory=registry, policy=policy)
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, request_id)
        assert request.status is AuthorizationStatus.APPROVED and request.next_poll_at is None
        assert await due_polls(uow=uow) == []


def test_the_polling_interval_doubles_up_to_its_cap_and_stops_after_the_grace():
    from datetime import UTC, datetime

    from domain.partners.polling import PollingPolicy

    now = datetime(2026, 1, 1, tzinfo=UTC)
    policy = PollingPolicy(
        initial=timedelta(seconds=30), max_interval=timedelta(minutes=5), grace=timedelta(hours=1)
    )
    assert [policy.next_poll(now, n, None) - now for n in range(5)] == [
        timedelta(seconds=s) for s in (30, 60, 120, 240, 300)
    ]
    assert policy.next_poll(now, 0, now - timedelta(hours=2)) is None
