"""PasPartner against the simulated PAS payer over real HTTP: what each kind of failure becomes,
cancellation, and the partner's options."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest

from adapters.partners.directory import PartnerRegistry
from adapters.partners.pas import PasPartner
from adapters.simulator.pas_payer import PasPayerSimulator
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.models import Protocol
from domain.partners.ports import AnswerKind, PartnerError, PartnerLine, PartnerRequest
from tests.adapters.ehr_support import free_port, serving

REQUEST = PartnerRequest(
    request_id=uuid.uuid4(),
    number="PA-1",
    priority="STANDARD",
    category="OUTPATIENT_SERVICE",
    member_id="M-1",
    patient_family_name="Lopez",
    patient_given_name="Maria",
    patient_birth_date=date(1980, 5, 1),
    diagnoses=("M5416",),
    lines=(PartnerLine(1, "CPT", "72148", (), Decimal(1), "UNIT", None, None, None),),
)


@pytest.fixture
def simulator() -> PasPayerSimulator:
    return PasPayerSimulator()


@pytest.fixture
async def partner(simulator) -> AsyncIterator[PasPartner]:
    async with serving(simulator.app()) as root:
        yield PartnerRegistry().for_partner(  # type: ignore[misc]
            Protocol.FHIR_PAS.value, {"endpoint_url": f"{root}/fhir", "timeout_seconds": 2}
        )


@pytest.mark.parametrize("status", [500, 502, 503, 429, 408])
async def test_server_errors_and_busy_answers_are_retryable(partner, simulator, status):
    simulator.faults.status = status
    with pytest.raises(PartnerError) as raised:
        await partner.submit(REQUEST, idempotency_key=uuid.uuid4())
    assert raised.value.retryable and f"HTTP {status}" in raised.value.message


@pytest.mark.parametrize("status", [400, 401, 403, 422])
async def test_client_errors_are_final_with_the_operation_outcome_text(partner, simulator, status):
    simulator.faults.status = status
    with pytest.raises(PartnerError) as raised:
        await partner.inquire(REQUEST)
    assert not raised.value.retryable
    assert "The simulated payer is failing" in raised.value.message


async def test_an_unreachable_payer_is_retryable():
    partner = PasPartner({"endpoint_url": f"http://127.0.0.1:{free_port()}/fhir"})
    with pytest.raises(PartnerError) as raised:
        await partner.submit(REQUEST, idempotency_key=uuid.uuid4())
    assert raised.value.retryable and "could not be reached" in raised.value.message


@pytest.mark.parametrize(
    "options",
    [{}, {"endpoint_url": "ftp://payer"}, {"endpoint_url": "http://p", "timeout_seconds": 0}],
)
async def test_a_misconfigured_partner_fails_finally_when_used(options):
    with pytest.raises(PartnerError) as raised:
        await PasPartner(options).submit(REQUEST, idempotency_key=uuid.uuid4())
    assert not raised.value.retryable


async def test_a_cancel_goes_through_submit_and_is_cancelled(partner, simulator):
    key = uuid.uuid4()
    answer = await partner.cancel(REQUEST, idempotency_key=key)
    assert answer.kind is AnswerKind.CANCELLED
    assert [line.review_action for line in answer.lines] == [ReviewAction.CANCELLED]
    assert simulator.requests == [f"submit urn:uuid:{key}"]


async def test_an_inquiry_about_an_unknown_request_is_a_final_error(partner):
    with pytest.raises(PartnerError) as raised:
        await partner.inquire(REQUEST)
    assert not raised.value.retryable and "no ClaimResponse" in raised.value.message


async def test_sending_information_is_not_supported_yet(partner):
    with pytest.raises(PartnerError, match="not supported"):
        await partner.provide_information(REQUEST, idempotency_key=uuid.uuid4())


async def test_the_bearer_token_from_the_options_is_sent():
    async with serving(PasPayerSimulator(bearer_token="s3cret").app()) as root:
        right = PasPartner({"endpoint_url": f"{root}/fhir", "bearer_token": "s3cret"})
        wrong = PasPartner({"endpoint_url": f"{root}/fhir", "bearer_token": "guess"})
        answer = await right.submit(REQUEST, idempotency_key=uuid.uuid4())
        with pytest.raises(PartnerError) as raised:
            await wrong.submit(REQUEST, idempotency_key=uuid.uuid4())
    assert answer.kind is AnswerKind.DECIDED
    assert not raised.value.retryable and "bearer token" in raised.value.message
