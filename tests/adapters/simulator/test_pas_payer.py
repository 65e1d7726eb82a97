"""The simulated PAS payer over real HTTP: every conformance Request Bundle is taken, rules per
code decide, the same Bundle identifier answers the same, bad input gets an OperationOutcome."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

from adapters.fhir.pas import from_pas_response, parse_resource
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind
from tests.adapters.ehr_support import PAS_EXAMPLES, serving

FHIR_JSON = {"Content-Type": "application/fhir+json"}
REQUESTS = sorted(
    f"{p.parent.name}/{p.name}"
    for p in PAS_EXAMPLES.glob("v*/Bundle-*.json")
    if "profile-pas-request-bundle" in p.read_text()
)
REFERRAL = "v2.2.1/Bundle-ReferralAuthorizationBundleExample.json"


@pytest.fixture
def simulator() -> PasPayerSimulator:
    return PasPayerSimulator()


@pytest.fixture
async def payer(simulator) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(simulator.app()) as root, httpx.AsyncClient(base_url=f"{root}/fhir") as http:
        yield http


def _body(name: str, **changes) -> bytes:
    bundle = json.loads((PAS_EXAMPLES / name).read_text())
    bundle.update(changes)
    return json.dumps(bundle).encode()


async def _answer(payer, operation: str, body: bytes):
    response = await payer.post(f"/Claim/${operation}", content=body, headers=FHIR_JSON)
    assert response.status_code == 200, response.text
    return from_pas_response(parse_resource(response.content))


async def test_metadata_names_submit_and_inquire(payer):
    response = await payer.get("/metadata")
    operations = [o["name"] for o in response.json()["rest"][0]["resource"][0]["operation"]]
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert operations == ["submit", "inquire"]


@pytest.mark.parametrize("name", REQUESTS)
async def test_every_conformance_request_bundle_gets_a_pas_response(payer, name):
    answer = await _answer(payer, "submit", _body(name))
    assert answer.kind is AnswerKind.DECIDED and answer.lines


async def test_the_same_bundle_identifier_answers_the_same_and_creates_nothing(payer, simulator):
    first = await _answer(payer, "submit", _body(REFERRAL))
    again = await _answer(payer, "submit", _body(REFERRAL))
    assert again == first and len(simulator.claims) == 1
    assert first.lines[0].authorization_number == "SIM000001"


async def test_rules_per_code_deny_with_a_reason_or_reject(payer, simulator):
    code = "99212"  # the medical services example's CPT code
    medical = "v2.2.1/Bundle-MedicalServicesAuthorizationBundleExample.json"
    simulator.rules[code] = PayerRule(RuleKind.DENY, "0U")
    denied = await _answer(payer, "submit", _body(medical))
    assert [(x.review_action, x.reason_codes) for x in denied.lines] == [
        (ReviewAction.NOT_CERTIFIED, ("0U",))
    ]
    simulator.rules[code] = PayerRule(RuleKind.REJECT, "Member not found")
    rejected = await _answer(payer, "submit", _body(medical, identifier={"value": "other"}))
    assert (rejected.kind, rejected.reason) == (AnswerKind.REJECTED, "Member not found")


async def test_pended_first_then_approved_on_inquiry(payer, simulator):
    simulator.default = PayerRule(RuleKind.PEND_THEN_APPROVE)
    pended = await _answer(payer, "submit", _body(REFERRAL))
    assert [x.review_action for x in pended.lines] == [ReviewAction.PENDED]
    inquiry = _body("v2.2.1/Bundle-PASClaimInquiryBundleExample.json")
    approved = await _answer(payer, "inquire", inquiry)
    assert [x.review_action for x in approved.lines] == [ReviewAction.CERTIFIED]
    assert approved.lines[0].authorization_number


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"resourceType": "Patient"}',
        (
            PAS_EXAMPLES / "inferno-test-kit/nonconformant_pas_request_bundle_v2.2.1.json"
        ).read_bytes(),
        _body(REFERRAL, timestamp="yesterday"),
    ],
)
async def test_invalid_input_gets_a_400_operation_outcome(payer, simulator, body):
    response = await payer.post("/Claim/$submit", content=body, headers=FHIR_JSON)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"
    assert simulator.claims == {}


async def test_fault_status_answers_every_request(payer, simulator):
    simulator.faults.status = 503
    response = await payer.post("/Claim/$submit", content=_body(REFERRAL), headers=FHIR_JSON)
    assert response.status_code == 503 and simulator.claims == {}
