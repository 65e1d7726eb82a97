"""End to end over real HTTP: a payer request goes through the outbox and the real
`X12CorePartner` (zeep, CORE SOAP 1.2, WS-Security) to the simulated clearinghouse under
uvicorn, and its answers come back through dispatch and the follow-up path."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
from adapters.partners.x12_core import X12CorePartner
from adapters.simulator.clearinghouse import (
    PASSWORD,
    RECEIVER_ID,
    USERNAME,
    Outage,
    Outcome,
    PayerRule,
    PayerRules,
    SimulatedClearinghouse,
    clearinghouse_app,
    client_options,
)
from adapters.soap.client import CoreClient, CoreConnection
from adapters.x12.mapping import to_partner_answer
from adapters.x12.reader import parse_review_response
from domain.authorizations import payer
from domain.authorizations.answers import snapshot
from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import AuthorizationLine, AuthorizationRequest, CodeSystem
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.clock import SystemClock
from domain.history import StatusChange
from domain.identity.models import Organization
from domain.partners.models import OutboxMessage, OutboxStatus, Protocol, TradingPartner
from domain.partners.outbox import RetryPolicy
from domain.partners.polling import poll_request
from domain.partners.ports import AnswerKind
from tests.adapters.ehr_support import serving
from tests.adapters.x12.synthetic import synthetic_interchange
from tests.domain.partners.test_outbox import run_outbox, status_of
from tests.office import build_office

CPT = "72148"
POLICY = RetryPolicy(max_attempts=3, base_seconds=10)


@pytest.fixture
def clearinghouse() -> SimulatedClearinghouse:
    return SimulatedClearinghouse(PayerRules({CPT: PayerRule(Outcome.PEND_THEN_APPROVE)}))


@pytest.fixture
async def endpoint(clearinghouse: SimulatedClearinghouse) -> AsyncIterator[str]:
    async with serving(clearinghouse_app(clearinghouse)) as root:
        yield f"{root}/soap/core"


@pytest.fixture
async def submitted(orgs, uow_factory, endpoint):
    """Maria's MRI request, submitted to Cosville Health Plan, reached by X12 278 over CORE."""
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.protocol, partner.endpoint_url = Protocol.X12_CORE, endpoint
        partner.options = client_options(timeout_seconds=1)
        await uow.commit()
    async with uow_factory() as uow:
        request = await payer.create_payer_request(
            uow=uow,
            actor=office["olive"],
            data=PayerRequestData(
                patient_id=office["maria"],
                payer_id=office["payer"],
                coverage_id=office["coverage"],
                lines=(ServiceLineData(CodeSystem.CPT, CPT, Decimal(1)),),
                diagnoses=(DiagnosisData("M54.16"),),
            ),
        )
        (await uow.session.get(Organization, office["payer"])).payer_id = "COSV1"
        clinic = await uow.session.get(Organization, request.requesting_organization_id)
        clinic.npi = "1234567893"
        await uow.commit()
    async with uow_factory() as uow:
        await payer.submit_request(uow=uow, actor=office["olive"], request_id=request.id)
    return request.id


async def history_of(uow_factory, request_id) -> list[tuple[str, str | None]]:
    async with uow_factory() as uow:
        changes = await uow.session.scalars(
            select(StatusChange)
            .where(StatusChange.entity_id == request_id)
            .order_by(StatusChange.id)
        )
        return [(c.to_status, c.reason) for c in changes]


async def poll(uow_factory, request_id):
    async with uow_factory() as uow:
        return await poll_request(uow=uow, request_id=request_id, directory=PartnerRegistry())


async def outbox_message(uow_factory) -> OutboxMessage:
    async with uow_factory() as uow:
        return (await uow.session.scalars(select(OutboxMessage))).one()


async def test_submitted_and_pended_then_approved_on_inquiry(submitted, uow_factory, clearinghouse):
    assert await run_outbox(uow_factory, PartnerRegistry()) == 1
    assert [s for s, _ in await history_of(uow_factory, submitted)] == [
        "DRAFT", "SUBMITTING", "SUBMITTED", "PENDED",
    ]  # fmt: skip
    assert await poll(uow_factory, submitted) is AuthorizationStatus.APPROVED
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, submitted)
        line = await uow.session.scalar(select(AuthorizationLine))
        number = request.number
    [case] = clearinghouse.cases.values()
    assert case.asked.trace_number == number and case.inquiries == 1
    assert case.asked.member_id == "CHP-1001"
    assert request.payer_reference == case.reference
    assert line.review_action is ReviewAction.CERTIFIED
    assert line.authorization_number == f"{case.reference}-1"
    assert line.approved_quantity == Decimal(1)


async def test_an_x215_partner_is_asked_with_a_278_inquiry_and_approves_on_it(
    submitted, uow_factory, clearinghouse, monkeypatch
):
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.options = {**partner.options, "inquiry": "X215"}
        await uow.commit()
    sent: list[str] = []
    handle = clearinghouse.handle

    async def recording(request, *, submitter):
        sent.append(request.payload or "")
        return await handle(request, submitter=submitter)

    monkeypatch.setattr(clearinghouse, "handle", recording)
    await run_outbox(uow_factory, PartnerRegistry())
    assert await poll(uow_factory, submitted) is AuthorizationStatus.APPROVED
    request_278, inquiry = sent
    assert "*005010X217~" in request_278 and "*005010X215~" in inquiry
    assert "GS*HI*" in inquiry and "BHT*0007*13*" in inquiry
    [case] = clearinghouse.cases.values()
    assert case.inquiries == 1
    assert f"REF*NT*{case.reference}~" in inquiry
    async with uow_factory() as uow:
        line = await uow.session.scalar(select(AuthorizationLine))
    assert (line.review_action, line.authorization_number) == (
        ReviewAction.CERTIFIED,
        f"{case.reference}-1",
    )


async def test_an_x215_inquiry_about_an_unknown_review_is_answered_aaa(clearinghouse, endpoint):
    client = CoreClient(
        CoreConnection(
            endpoint_url=endpoint, sender_id="CAREBRIDGE", receiver_id=RECEIVER_ID,
            username=USERNAME, password=PASSWORD, timeout_seconds=5,
        ),
        clock=SystemClock(),
    )  # fmt: skip

    response = await asyncio.to_thread(
        client.real_time, payload_id=uuid.uuid4(), payload=synthetic_interchange().decode()
    )
    answer = to_partner_answer(parse_review_response(response.payload or ""))
    assert answer.kind is AnswerKind.REJECTED and "AAA AA" in (answer.reason or "")


async def test_a_resend_with_the_same_payload_id_opens_no_second_case(
    submitted, uow_factory, clearinghouse
):
    await run_outbox(uow_factory, PartnerRegistry())
    message = await outbox_message(uow_factory)
    async with uow_factory() as uow:
        request = await snapshot(uow, await uow.session.get(AuthorizationRequest, submitted))
        partner = await uow.session.scalar(select(TradingPartner))
        options = partner.adapter_options()
    again = await X12CorePartner(options).submit(request, idempotency_key=message.idempotency_key)
    assert again.kind is AnswerKind.DECIDED
    assert [line.review_action for line in again.lines] == [ReviewAction.PENDED]
    [case] = clearinghouse.cases.values()
    assert case.inquiries == 0  # the resend was not taken for an inquiry either


async def test_a_503_is_retried_with_the_same_payload_id(
    submitted, uow_factory, clearinghouse, clock
):
    clearinghouse.outages.append(Outage(status=503))
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    message = await outbox_message(uow_factory)
    assert message.status is OutboxStatus.PENDING and message.attempts == 1
    assert "HTTP 503" in (message.last_error or "")
    assert clearinghouse.cases == {}
    clock.advance(timedelta(seconds=11))
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.PENDED
    assert len(clearinghouse.cases) == 1


async def test_a_timeout_is_retried_and_the_late_answer_opens_no_second_case(
    submitted, uow_factory, clearinghouse, clock
):
    clearinghouse.outages.append(Outage(delay_seconds=1.5))  # the client gives up after 1 s
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    message = await outbox_message(uow_factory)
    assert message.status is OutboxStatus.PENDING
    assert message.last_error == "The CORE endpoint did not answer in time"
    clock.advance(timedelta(seconds=11))
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.PENDED
    assert len(clearinghouse.cases) == 1


async def test_a_payer_rule_that_rejects_gives_rejected_with_the_aaa_reason(
    submitted, uow_factory, clearinghouse
):
    clearinghouse.rules = PayerRules({CPT: PayerRule(Outcome.REJECT, "75")})
    await run_outbox(uow_factory, PartnerRegistry())
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.REJECTED
    assert (await history_of(uow_factory, submitted))[-1] == (
        "REJECTED",
        "AAA 75: Subscriber/insured not found",
    )


async def test_a_denial_records_not_certified_with_the_reason(
    submitted, uow_factory, clearinghouse
):
    clearinghouse.rules = PayerRules({CPT: PayerRule(Outcome.DENY, "0A")})
    await run_outbox(uow_factory, PartnerRegistry())
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.DENIED
    async with uow_factory() as uow:
        line = await uow.session.scalar(select(AuthorizationLine))
    assert (line.review_action, line.reason_codes) == (ReviewAction.NOT_CERTIFIED, ["0A"])


async def test_wrong_credentials_fail_for_good(submitted, uow_factory):
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.options = {**partner.options, "password": "wrong"}
        await uow.commit()
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.SUBMIT_FAILED
    message = await outbox_message(uow_factory)
    assert message.status is OutboxStatus.FAILED and message.attempts == 1


async def test_a_payer_without_a_payer_id_fails_for_good_with_the_reason(
    submitted, uow_factory, clearinghouse
):
    async with uow_factory() as uow:
        for organization in await uow.session.scalars(select(Organization)):
            organization.payer_id = None
        await uow.commit()
    await run_outbox(uow_factory, PartnerRegistry(), POLICY)
    assert await status_of(uow_factory, submitted) is AuthorizationStatus.SUBMIT_FAILED
    assert (await history_of(uow_factory, submitted))[-1] == (
        "SUBMIT_FAILED",
        "The request cannot be sent as a 278: the payer has no payer id",
    )
    assert clearinghouse.cases == {}  # nothing was sent
