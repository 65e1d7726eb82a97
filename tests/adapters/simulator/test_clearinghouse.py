"""The simulated clearinghouse over real HTTP with the CORE client: conformance 278 requests
get real 278 responses, invalid X12 gets a 999, and the X12_CORE partner reads both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.partners.x12_core import X12CorePartner, read_answer, settings_from
from adapters.simulator.clearinghouse import (
    PASSWORD,
    RECEIVER_ID,
    USERNAME,
    Outcome,
    PayerRule,
    PayerRules,
    SimulatedClearinghouse,
    clearinghouse_app,
)
from adapters.soap.client import CoreClient, CoreConnection
from adapters.soap.codes import PayloadType
from adapters.soap.errors import CoreCallError
from adapters.x12.mapping import to_partner_answer
from adapters.x12.reader import parse_278, parse_999
from adapters.x12.validation import validate
from domain.authorizations.lifecycle import ReviewAction
from domain.clock import SystemClock
from domain.partners.ports import AnswerKind, PartnerError
from tests.adapters.ehr_support import serving
from tests.adapters.x12.test_mapping import partner_request

X12 = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "x12"
REFERRAL = (X12 / "stupidedi_referral-request-for-review.edi").read_text()


@pytest.fixture
def clearinghouse() -> SimulatedClearinghouse:
    return SimulatedClearinghouse(PayerRules({"72148": PayerRule(Outcome.PEND_THEN_APPROVE)}))


@pytest.fixture
async def client(clearinghouse) -> AsyncIterator[CoreClient]:
    async with serving(clearinghouse_app(clearinghouse)) as root:
        connection = CoreConnection(
            endpoint_url=f"{root}/soap/core",
            sender_id="CAREBRIDGE",
            receiver_id=RECEIVER_ID,
            username=USERNAME,
            password=PASSWORD,
            timeout_seconds=5,
        )
        yield CoreClient(connection, clock=SystemClock())


async def send(client: CoreClient, payload: str, payload_id: uuid.UUID | None = None):
    return await asyncio.to_thread(
        client.real_time, payload_id=payload_id or uuid.uuid4(), payload=payload
    )


async def test_a_conformance_referral_request_is_certified_with_a_valid_278(client, clearinghouse):
    response = await send(client, REFERRAL)
    assert response.payload_type == PayloadType.X12_278_RESPONSE
    assert validate(response.payload) == []
    review = parse_278(response.payload)
    assert review.is_response and review.reference == "A12345"
    [line] = to_partner_answer(review).lines
    assert line.review_action is ReviewAction.CERTIFIED
    [case] = clearinghouse.cases.values()
    assert case.asked.trace_number == "111099"


async def test_invalid_x12_gets_a_999_that_rejects_it(client, clearinghouse):
    broken = REFERRAL.replace("SE*16*0001", "SE*15*0001")
    response = await send(client, broken)
    assert response.payload_type == PayloadType.X12_999_RESPONSE
    assert parse_999(response.payload).code == "R"
    assert clearinghouse.cases == {}
    answer = read_answer(response, submitting=True)
    assert answer.kind is AnswerKind.REJECTED and answer.reason.startswith("999 R")
    with pytest.raises(PartnerError) as raised:
        read_answer(response, submitting=False)
    assert not raised.value.retryable


async def test_a_payload_that_is_not_x12_is_refused_for_good(client):
    with pytest.raises(CoreCallError) as raised:
        await send(client, "hello")
    assert not raised.value.retryable


async def test_an_inquiry_under_a_new_payload_id_gets_the_later_decision(client):
    payload = REFERRAL.replace("HSD*VS*1", "HSD*VS*1~HL*5*4*SS*0~SV1*HC:72148**UN*1").replace(
        "SE*16", "SE*18"
    )
    first = to_partner_answer(parse_278((await send(client, payload)).payload))
    later = to_partner_answer(parse_278((await send(client, payload)).payload))
    assert [line.review_action for line in first.lines] == [ReviewAction.PENDED]
    assert [line.review_action for line in later.lines] == [ReviewAction.CERTIFIED]
    assert first.payer_reference == later.payer_reference == "SIM000001"


def test_missing_partner_options_are_a_final_error():
    with pytest.raises(PartnerError) as raised:
        settings_from({"endpoint_url": "http://payer.invalid/soap/core", "username": "u"})
    assert not raised.value.retryable
    assert "sender_id, receiver_id, password" in raised.value.message


async def test_a_request_the_278_cannot_carry_fails_for_good_before_sending():
    partner = X12CorePartner(
        {
            "endpoint_url": "http://127.0.0.1:9/soap/core",
            "sender_id": "CAREBRIDGE",
            "receiver_id": RECEIVER_ID,
            "username": USERNAME,
            "password": PASSWORD,
        }
    )
    with pytest.raises(PartnerError) as raised:
        await partner.submit(partner_request(member_id=None), idempotency_key=uuid.uuid4())
    assert not raised.value.retryable and "member id" in raised.value.message


async def test_an_unreachable_endpoint_is_retryable():
    partner = X12CorePartner(
        {
            "endpoint_url": "http://127.0.0.1:9/soap/core",
            "sender_id": "CAREBRIDGE",
            "receiver_id": RECEIVER_ID,
            "username": USERNAME,
            "password": PASSWORD,
        }
    )
    with pytest.raises(PartnerError) as raised:
        await partner.submit(partner_request(), idempotency_key=uuid.uuid4())
    assert raised.value.retryable
