"""Translation the other way, end to end over real HTTP: a PAS Bundle received on `/fhir` (the
app under uvicorn) for a payer reached by X12 278 over CAQH CORE goes through the domain and the
outbox to the simulated clearinghouse (under uvicorn) as a 278, and the clearinghouse's answer
returns to the EHR as a PAS ClaimResponse: pended first, certified after follow-up."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
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
from adapters.tokens import mint_token
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.partners.models import Protocol
from domain.partners.polling import poll_request
from server import create_app
from tests.adapters.ehr_support import serving
from tests.adapters.fhir.pas_examples import example_bytes, world_for
from tests.api.fhir_support import FHIR_JSON, claim_response, review_actions
from tests.api.soap_support import outbox_settled

EXAMPLES = (
    "v2.2.1/Bundle-MedicalServicesAuthorizationBundleExample.json",
    "v2.2.1/Bundle-SurgicalRequestBundleExample.json",
)


@pytest.mark.parametrize("name", EXAMPLES)
async def test_a_pas_bundle_for_an_x12_payer_travels_as_a_278_and_returns_as_pas(
    name, engine, settings, clock, orgs, uow_factory
):
    clearinghouse = SimulatedClearinghouse(PayerRules(default=PayerRule(Outcome.PEND_THEN_APPROVE)))
    async with serving(clearinghouse_app(clearinghouse)) as house_root:
        world = await world_for(
            orgs,
            uow_factory,
            name,
            protocol=Protocol.X12_CORE,
            endpoint_url=f"{house_root}/soap/core",
            options={
                "sender_id": "CAREBRIDGE",
                "receiver_id": RECEIVER_ID,
                "username": USERNAME,
                "password": PASSWORD,
                "timeout_seconds": 5,
                "usage": "T",
            },
        )
        token = mint_token(settings, world.ehr, clock.now())
        headers = {
            "Content-Type": FHIR_JSON,
            "Accept": FHIR_JSON,
            "Authorization": f"Bearer {token}",
        }
        sent = json.loads(example_bytes(name))
        async with (
            serving(create_app(settings, clock=clock)) as root,
            httpx.AsyncClient(base_url=root, timeout=30) as http,
        ):
            first = await http.post("/fhir/Claim/$submit", json=sent, headers=headers)
            assert first.status_code == 200, first.text
            await outbox_settled(uow_factory)
            async with uow_factory() as uow:
                request = await uow.session.scalar(select(AuthorizationRequest))
            assert request.status is AuthorizationStatus.PENDED, request.status
            async with uow_factory() as uow:
                status = await poll_request(
                    uow=uow, request_id=request.id, directory=PartnerRegistry()
                )
            assert status is AuthorizationStatus.APPROVED
            again = await http.post("/fhir/Claim/$submit", json=sent, headers=headers)
            assert again.status_code == 200, again.text

    assert set(review_actions(claim_response(first.json()))) == {"A4"}
    answer = claim_response(again.json())
    assert set(review_actions(answer)) == {"A1"}
    [case] = clearinghouse.cases.values()  # one 278 case; the follow-up was an inquiry of it
    assert case.inquiries == 1 and case.asked.trace_number == request.number
    assert case.asked.member_id
    assert f"{case.reference}-1" in json.dumps(answer)  # the clearinghouse's number, in PAS
