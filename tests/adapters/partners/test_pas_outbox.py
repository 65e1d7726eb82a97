"""End to end over real HTTP: payer requests go through the outbox and the follow-up path with
the real PasPartner (from PartnerRegistry's defaults) to the simulated PAS payer under uvicorn."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.answers import snapshot
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationLine, AuthorizationRequest, CodeSystem
from domain.authorizations.payer_rules import ServiceLineData
from domain.history import StatusChange
from domain.partners.models import OutboxMessage, OutboxStatus, Protocol, TradingPartner
from domain.partners.outbox import RetryPolicy, dispatch, due_message_ids
from domain.partners.polling import poll_request
from tests.adapters.ehr_support import serving
from tests.office import build_office, submitted_payer_request

CODE = "72148"


@pytest.fixture
def simulator() -> PasPayerSimulator:
    return PasPayerSimulator()


@pytest.fixture
async def setup(orgs, uow_factory, simulator):
    office = await build_office(orgs, uow_factory)
    async with serving(simulator.app()) as root:
        async with uow_factory() as uow:
            partner = await uow.session.scalar(select(TradingPartner))
            partner.protocol, partner.endpoint_url = Protocol.FHIR_PAS, f"{root}/fhir"
            partner.options = {"timeout_seconds": 0.5}
            await uow.commit()
        request = await submitted_payer_request(
            uow_factory, office, ServiceLineData(CodeSystem.CPT, CODE, Decimal(1))
        )
        yield PartnerRegistry(), request.id


async def run_outbox(uow_factory, registry, policy=RetryPolicy()):
    async with uow_factory() as uow:
        due = await due_message_ids(uow=uow)
    for message_id in due:
        async with uow_factory() as uow:
            await dispatch(uow=uow, message_id=message_id, directory=registry, policy=policy)
    return len(due)


async def poll(uow_factory, registry, request_id):
    async with uow_factory() as uow:
        return await poll_request(uow=uow, request_id=request_id, directory=registry)


async def history(uow_factory, request_id):
    async with uow_factory() as uow:
        changes = await uow.session.scalars(
            select(StatusChange)
            .where(StatusChange.entity_id == request_id)
            .order_by(StatusChange.id)
        )
        return [(c.to_status, c.reason) for c in changes]


async def the_message(uow_factory):
    async with uow_factory() as uow:
        return (await uow.session.scalars(select(OutboxMessage))).one()


async def status_of(uow_factory, request_id):
    async with uow_factory() as uow:
        return (await uow.session.get(AuthorizationRequest, request_id)).status


async def test_submitted_then_pended_then_approved_with_the_authorization_number(
    setup, uow_factory, simulator
):
    registry, request_id = setup
    simulator.rules[CODE] = PayerRule(RuleKind.PEND_THEN_APPROVE)
    assert await run_outbox(uow_factory, registry) == 1
    assert [s for s, _ in await history(uow_factory, request_id)] == [
        "DRAFT",
        "SUBMITTING",
        "SUBMITTED",
        "PENDED",
    ]
    assert await poll(uow_factory, registry, request_id) is AuthorizationStatus.APPROVED
    async with uow_factory() as uow:
        line = (await uow.session.scalars(select(AuthorizationLine))).one()
    assert (line.review_action.value, line.authorization_number) == ("A1", "SIM000001")
    assert line.approved_quantity == 1
    assert simulator.requests[1].startswith("inquire ")


async def test_the_payer_receives_the_office_patient_coverage_and_service(
    setup, uow_factory, simulator
):
    registry, request_id = setup
    await run_outbox(uow_factory, registry)
    async with uow_factory() as uow:
        number = (await uow.session.get(AuthorizationRequest, request_id)).number
    (stored,) = simulator.claims.values()
    by_url = {entry.fullUrl: entry.resource for entry in stored.bundle.entry}
    claim = stored.bundle.entry[0].resource
    patient, payer_org = by_url[claim.patient.reference], by_url[claim.insurer.reference]
    coverage = by_url[claim.insurance[0].coverage.reference]
    assert (patient.name[0].family, patient.name[0].given, str(patient.birthDate)) == (
        "Lopez",
        ["Maria"],
        "1980-05-01",
    )
    assert coverage.subscriberId == "CHP-1001"
    assert payer_org.name == "Cosville Health Plan"
    assert by_url[claim.provider.reference].name == "Northside Wellness Clinic"
    assert [c.code for c in claim.item[0].productOrService.coding] == [CODE]
    assert claim.identifier[0].value == number


async def test_a_resend_with_the_same_bundle_identifier_creates_nothing_twice(
    setup, uow_factory, simulator
):
    registry, request_id = setup
    await run_outbox(uow_factory, registry)
    message = await the_message(uow_factory)
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        port = registry.for_partner(partner.protocol.value, partner.adapter_options())
        sent = await snapshot(uow, await uow.session.get(AuthorizationRequest, request_id))
    again = await port.submit(sent, idempotency_key=message.idempotency_key)
    assert len(simulator.claims) == 1
    assert simulator.requests == [f"submit urn:uuid:{message.idempotency_key}"] * 2
    assert again.lines[0].authorization_number == "SIM000001"


@pytest.mark.parametrize("fault", ["status", "delay"])
async def test_a_failing_or_silent_payer_gives_a_retry(setup, uow_factory, simulator, clock, fault):
    registry, request_id = setup
    if fault == "status":
        simulator.faults.status = 503
    else:
        simulator.faults.delay_seconds = 1.0
    await run_outbox(uow_factory, registry)
    message = await the_message(uow_factory)
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    expected = "HTTP 503" if fault == "status" else "did not answer within 0.5 s"
    assert expected in message.last_error
    assert await status_of(uow_factory, request_id) is AuthorizationStatus.SUBMITTING
    simulator.faults.status, simulator.faults.delay_seconds = None, 0.0
    clock.advance(timedelta(minutes=5))
    assert await run_outbox(uow_factory, registry) == 1
    assert (await the_message(uow_factory)).status is OutboxStatus.SENT
    assert await status_of(uow_factory, request_id) is AuthorizationStatus.APPROVED
    assert len(simulator.claims) == 1  # a late first attempt and the retry are one claim


async def test_a_rejecting_rule_gives_rejected_with_the_reason(setup, uow_factory, simulator):
    registry, request_id = setup
    simulator.rules[CODE] = PayerRule(RuleKind.REJECT, "Subscriber not found")
    await run_outbox(uow_factory, registry)
    assert (await history(uow_factory, request_id))[-1] == ("REJECTED", "Subscriber not found")
    assert (await the_message(uow_factory)).status is OutboxStatus.SENT
