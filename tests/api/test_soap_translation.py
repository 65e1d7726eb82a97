"""Translation, end to end over real HTTP: a 278 request received on `/soap/core` (the app
under uvicorn) for a payer whose trading partner speaks FHIR PAS reaches the simulated PAS
payer (under uvicorn) as a PAS Bundle, through the domain and the outbox; the payer's answer
comes back to the 278 sender as a 278 response, pended first and approved after follow-up."""

from __future__ import annotations

import httpx
import pytest
from fhir.resources.R4B.claim import Claim
from sqlalchemy import select

from adapters.partners.directory import PartnerRegistry
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from adapters.x12.reader import parse_278
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.identity import service as identity
from domain.identity.models import OrganizationKind
from domain.partners import service as partners
from domain.partners.models import Protocol
from domain.partners.polling import poll_request
from server import create_app
from tests.adapters.ehr_support import serving
from tests.adapters.soap.conftest import CONFORMANCE
from tests.api.soap_support import (
    Credentials,
    core_fields,
    envelope,
    outbox_settled,
    post,
)

X12 = CONFORMANCE / "x12"
VALID_REQUESTS = (
    "stupidedi_referral-request-for-review.edi",
    "stupidedi_emergency-admission-request-for-review.edi",
    "stupidedi_request-for-medical-services-reservation.edi",
)
SECRET = "translation-secret-value"


def hcr_actions(payload: str) -> list[str]:
    return [s.split("*")[1] for s in payload.split("~") if s.startswith("HCR*")]


@pytest.mark.parametrize("name", VALID_REQUESTS)
async def test_a_278_for_a_pas_payer_travels_as_a_pas_bundle_and_returns_as_a_278(
    name, engine, settings, clock, orgs, uow_factory
):
    sample = (X12 / name).read_text()
    review = parse_278(sample)
    payer = PasPayerSimulator(default=PayerRule(RuleKind.PEND_THEN_APPROVE))
    clinic = await orgs.organization("Gardener Clinic", OrganizationKind.PROVIDER)
    async with serving(payer.app()) as payer_root:
        async with uow_factory() as uow:
            await identity.create_api_client(
                uow=uow, organization_id=clinic, name="core", client_id="clinic", secret=SECRET
            )
            plan = await identity.create_organization(
                uow=uow,
                name=review.umo.name.last_name,
                kind=OrganizationKind.PAYER,
                payer_id=review.umo.identifier,
            )
            await partners.create_trading_partner(
                uow=uow,
                payer_organization_id=plan.id,
                name="PAS",
                protocol=Protocol.FHIR_PAS,
                endpoint_url=f"{payer_root}/fhir",
            )
            await uow.commit()
        async with (
            serving(create_app(settings, clock=clock)) as root,
            httpx.AsyncClient(base_url=root, timeout=30) as http,
        ):
            body = envelope(sample, Credentials("clinic", SECRET))
            first = core_fields(await post(http, body))
            await outbox_settled(uow_factory)
            async with uow_factory() as uow:
                request = await uow.session.scalar(select(AuthorizationRequest))
            assert request.status is AuthorizationStatus.PENDED
            async with uow_factory() as uow:
                await poll_request(uow=uow, request_id=request.id, directory=PartnerRegistry())
            again = core_fields(await post(http, envelope(sample, Credentials("clinic", SECRET))))

    assert hcr_actions(first["Payload"]) and set(hcr_actions(first["Payload"])) == {"A4"}
    assert set(hcr_actions(again["Payload"])) == {"A1"}
    assert "*SIM0000" in again["Payload"]  # the PAS payer's authorization number
    [stored] = payer.claims.values()
    claim = stored.bundle.entry[0].resource
    assert isinstance(claim, Claim)
    assert claim.insurer is not None
    submitted = [r for r in payer.requests if r.startswith("submit")]
    assert len(submitted) == 1  # the resend on /soap/core opened nothing new at the payer
    patient = next(
        e.resource for e in stored.bundle.entry if e.resource.__resource_type__ == "Patient"
    )
    assert patient.name[0].family == review.patient.last_name
