"""End to end over real HTTP on loopback: an EHR submits a PAS Bundle to the live app's
/fhir/Claim/$submit; CareBridge routes it through the outbox and PasPartner to the simulated
PAS payer, answers pended, and once the follow-up inquiry (polling) brings the payer's
approval, $inquire and the ClaimResponse search answer the final determination."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from adapters.tokens import mint_token
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.identity import service as identity
from domain.partners.models import Protocol
from server import create_app
from tests.adapters.ehr_support import serving
from tests.adapters.fhir.pas_examples import example_bytes, world_for
from tests.api.fhir_support import FHIR_JSON, claim_response, review_actions

EXAMPLE = "v2.2.1/Bundle-MedicalServicesAuthorizationBundleExample.json"  # CPT 99212


@pytest.fixture
async def payer():
    simulator = PasPayerSimulator({"99212": PayerRule(RuleKind.PEND_THEN_APPROVE)})
    async with serving(simulator.app()) as root:
        yield simulator, f"{root}/fhir"


@pytest.fixture
async def carebridge(engine, settings, clock):
    """The live app, its dispatcher rescanning often (the follow-up waits on the clock)."""
    quick = settings.model_copy(update={"outbox_scan_seconds": 0.05, "poll_initial_seconds": 60})
    async with serving(create_app(quick, clock=clock)) as root:
        yield root, quick


async def inquire(http, root, token, bundle):
    response = await http.post(
        f"{root}/fhir/Claim/$inquire",
        content=json.dumps(bundle).encode(),
        headers={"Content-Type": FHIR_JSON, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    [returned] = response.json()["parameter"]
    return claim_response(returned["resource"])


async def until(check, what):
    """Bounded wait for the app's background work (not a timing assertion)."""
    for _ in range(300):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {what}")


async def test_an_ehr_submission_is_pended_then_approved_after_the_follow_up(
    orgs, uow_factory, clock, payer, carebridge
):
    simulator, payer_url = payer
    root, settings = carebridge
    await world_for(
        orgs, uow_factory, EXAMPLE, protocol=Protocol.FHIR_PAS, endpoint_url=payer_url,
        options={"timeout_seconds": 5},
    )  # fmt: skip
    async with uow_factory() as uow:  # the EHR signs in with its client id and secret
        principal = await identity.authenticate_api_client(
            uow=uow, client_id="clinic-ehr", secret="s3cret-s3cret"
        )
    token = mint_token(settings, principal, clock.now())
    bundle = json.loads(example_bytes(EXAMPLE))
    async with httpx.AsyncClient(timeout=10) as http:
        submitted = await http.post(
            f"{root}/fhir/Claim/$submit",
            content=json.dumps(bundle).encode(),
            headers={"Content-Type": FHIR_JSON, "Authorization": f"Bearer {token}"},
        )
        assert submitted.status_code == 200, submitted.text
        first = claim_response(submitted.json())
        assert (first["outcome"], review_actions(first)) == ("queued", ["A4"])

        async def payer_has_it():
            return any(asked.startswith("submit") for asked in simulator.requests)

        await until(payer_has_it, "sent to the payer")
        await until(lambda: _status_is(uow_factory, AuthorizationStatus.PENDED), "pended")
        pended = await inquire(http, root, token, bundle)
        assert (pended["outcome"], review_actions(pended)) == ("queued", ["A4"])

        clock.advance(timedelta(minutes=5))  # the follow-up inquiry is due

        async def approved():
            answer = await inquire(http, root, token, bundle)
            return answer if review_actions(answer) == ["A1"] else None

        final = await until(approved, "approved after the follow-up")
        assert final["outcome"] == "complete"
        assert any(asked.startswith("inquire") for asked in simulator.requests)
        numbers = [
            sub["valueString"]
            for item in final["item"]
            for adjudication in item["adjudication"]
            for review in adjudication["extension"]
            for sub in review["extension"]
            if sub["url"] == "number"
        ]
        assert numbers and numbers[0]  # the authorization number the payer issued
        search = await http.get(
            f"{root}/fhir/ClaimResponse",
            params={"patient": "1122334455"},
            headers={"Authorization": f"Bearer {token}", "Accept": FHIR_JSON},
        )
        [entry] = search.json()["entry"]
        assert review_actions(entry["resource"]) == ["A1"]


async def _status_is(uow_factory, wanted):
    async with uow_factory() as uow:
        return await uow.session.scalar(select(AuthorizationRequest.status)) is wanted
