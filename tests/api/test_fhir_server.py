"""/fhir over HTTP against the real app: PAS $submit, $inquire, cancel and the ClaimResponse
search for a partner's system, with OperationOutcomes for bad input and nothing written."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import select

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.identity.models import Role
from tests.adapters.fhir.pas_examples import example_bytes, world_for
from tests.api.fhir_support import (
    claim_response,
    get_fhir,
    post_fhir,
    review_actions,
    single_issue,
)
from tests.inbound_support import row_counts

REFERRAL = "v2.2.1/Bundle-ReferralAuthorizationBundleExample.json"


@pytest.fixture
async def world(orgs, uow_factory):
    return await world_for(orgs, uow_factory, REFERRAL)


def referral() -> dict:
    return json.loads(example_bytes(REFERRAL))


async def test_metadata_names_the_pas_operations(app_client):
    response = await get_fhir(app_client, "/metadata")
    assert response.status_code == 200
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    claim = next(r for r in body["rest"][0]["resource"] if r["type"] == "Claim")
    assert {op["name"] for op in claim["operation"]} == {"submit", "inquire"}
    assert any("IntermediaryCapabilities" in url for url in body["instantiates"])
    subscription = next(r for r in body["rest"][0]["resource"] if r["type"] == "Subscription")
    assert {op["name"] for op in subscription["operation"]} == {"status"}


async def test_submit_answers_pended_echoing_the_request(app_client, world, uow_factory):
    sent = referral()
    response = await post_fhir(app_client, "/Claim/$submit", sent, as_=world.ehr)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = response.json()
    answer = claim_response(bundle)
    assert answer["outcome"] == "queued"
    assert review_actions(answer) == ["A4"]
    claim = sent["entry"][0]
    assert answer["request"]["reference"] == claim["fullUrl"]
    values = [i["value"] for i in answer["identifier"]]
    assert values[0] == claim["resource"]["identifier"][0]["value"] and values[1].startswith("AR")
    echoed = {e["fullUrl"] for e in bundle["entry"][1:]}
    assert echoed <= {e["fullUrl"] for e in sent["entry"]} and echoed
    counts = await row_counts(uow_factory)
    assert counts["authorization_requests"] == 1 and counts["outbox_messages"] == 1
    async with uow_factory() as uow:  # the number the answer was made to hold, once taken
        numbers = list(await uow.session.scalars(select(AuthorizationRequest.number)))
    assert numbers == [values[1]]
    again = await post_fhir(app_client, "/Claim/$submit", sent, as_=world.ehr)
    assert again.status_code == 200
    assert claim_response(again.json())["identifier"] == answer["identifier"]
    assert await row_counts(uow_factory) == counts


async def test_missing_optional_elements_are_no_error(app_client, world):
    sent = referral()
    claim = sent["entry"][0]["resource"]
    for optional in ("diagnosis", "careTeam", "supportingInfo", "extension", "text", "total"):
        claim.pop(optional, None)
    response = await post_fhir(app_client, "/Claim/$submit", sent, as_=world.ehr)
    assert response.status_code == 200, response.text
    assert claim_response(response.json())["outcome"] == "queued"


async def test_a_business_rejection_is_a_claim_response_with_errors(app_client, world, uow_factory):
    sent = referral()
    for entry in sent["entry"]:
        if entry["resource"]["resourceType"] == "Organization" and "Insurer" in entry["fullUrl"]:
            entry["resource"]["identifier"][0]["value"] = "UNKNOWN-PAYER"
    before = await row_counts(uow_factory)
    response = await post_fhir(app_client, "/Claim/$submit", sent, as_=world.ehr)
    assert response.status_code == 200
    answer = claim_response(response.json())
    assert answer["outcome"] == "error"
    [error] = answer["error"]
    assert error["code"]["coding"][0] == {
        "system": "https://codesystem.x12.org/005010/901",
        "code": "79",
    }
    assert "PAYER_UNKNOWN" in error["code"]["text"]
    paths = [e["valueString"] for e in error["extension"] if e["url"].endswith("errorPath")]
    assert paths == ["Claim.insurer"]
    assert await row_counts(uow_factory) == before


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", "application/fhir+json", 400, "invalid"),
        (b'{"resourceType": "Patient"}', "application/fhir+json", 400, "structure"),
        (
            b'{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Claim"}}]}',
            "application/fhir+json",
            400,
            "required",
        ),
        (
            b'{"resourceType": "Bundle", "type": "collection", "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Patient"}}]}',
            "application/fhir+json",
            400,
            "structure",
        ),
        (
            b'{"resourceType": "Bundle", "type": "nonsense"}',
            "application/fhir+json",
            400,
            "value",
        ),
        (b"<Bundle/>", "application/fhir+xml", 400, "structure"),  # not in FHIR's namespace
        (b"plain words", "text/plain", 415, "not-supported"),
    ],
)
async def test_bad_input_gets_one_operation_outcome_and_writes_nothing(
    app_client, world, uow_factory, body, content_type, status, code
):
    before = await row_counts(uow_factory)
    response = await post_fhir(
        app_client, "/Claim/$submit", body, as_=world.ehr, content_type=content_type
    )
    assert response.status_code == status, response.text
    assert single_issue(response)["code"] == code
    assert await row_counts(uow_factory) == before


async def test_oversized_bundles_are_refused_before_parsing(app_client, world, uow_factory):
    before = await row_counts(uow_factory)
    limit = app_client.settings.fhir_max_bundle_bytes
    padded = referral()
    padded["entry"][0]["resource"]["text"]["div"] = "<div>" + "x" * limit + "</div>"
    response = await post_fhir(app_client, "/Claim/$submit", padded, as_=world.ehr)
    assert response.status_code == 413
    assert single_issue(response)["code"] == "too-costly"
    many = referral()
    many["entry"] += [many["entry"][1]] * app_client.settings.fhir_max_bundle_entries
    response = await post_fhir(app_client, "/Claim/$submit", many, as_=world.ehr)
    assert response.status_code == 413
    assert await row_counts(uow_factory) == before


async def test_callers_without_a_partner_token_are_refused(app_client, world, orgs):
    response = await post_fhir(app_client, "/Claim/$submit", referral())
    assert response.status_code == 401 and single_issue(response)["code"] == "login"
    staff = await orgs.user(world.clinic, Role.AUTH_COORDINATOR)
    response = await post_fhir(app_client, "/Claim/$submit", referral(), as_=staff)
    assert response.status_code == 403 and single_issue(response)["code"] == "forbidden"


async def test_unsupported_operations_get_an_operation_outcome(app_client, world):
    response = await post_fhir(app_client, "/Claim/$validate", referral(), as_=world.ehr)
    assert response.status_code == 405
    assert single_issue(response)["code"] == "not-supported"
    response = await get_fhir(app_client, "/Patient/1", as_=world.ehr)
    assert response.status_code == 404
    assert single_issue(response)["code"] == "not-supported"


async def test_inquire_answers_parameters_of_bundles_and_2_0_1_a_bundle(app_client, world):
    await post_fhir(app_client, "/Claim/$submit", referral(), as_=world.ehr)
    inquiry = referral()  # the same identifiers: what an EHR that kept them sends
    inquiry["entry"][0]["resource"]["meta"]["profile"] = [
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-inquiry"
    ]
    response = await post_fhir(app_client, "/Claim/$inquire", inquiry, as_=world.ehr)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resourceType"] == "Parameters"
    [returned] = body["parameter"]
    assert returned["name"] == "return"
    assert review_actions(claim_response(returned["resource"])) == ["A4"]
    inquiry["meta"]["profile"] = [
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-pas-inquiry-request-bundle|2.0.1"
    ]
    response = await post_fhir(app_client, "/Claim/$inquire", inquiry, as_=world.ehr)
    body = response.json()
    assert body["resourceType"] == "Bundle"
    assert review_actions(claim_response(body)) == ["A4"]


async def status_becomes(uow_factory, wanted):
    """Waits (bounded) for the app's outbox dispatcher to move the request."""
    for _ in range(250):
        async with uow_factory() as uow:
            status = await uow.session.scalar(select(AuthorizationRequest.status))
        if status is wanted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the request stayed {status}")


async def test_a_cancelled_claim_cancels_the_request(app_client, world, uow_factory):
    await post_fhir(app_client, "/Claim/$submit", referral(), as_=world.ehr)
    await status_becomes(uow_factory, AuthorizationStatus.SUBMITTED)  # the payer has it
    cancel = referral()
    cancel["identifier"]["value"] = "A12345-CANCEL"
    cancel["entry"][0]["resource"]["status"] = "cancelled"
    response = await post_fhir(app_client, "/Claim/$submit", cancel, as_=world.ehr)
    assert response.status_code == 200, response.text
    assert review_actions(claim_response(response.json())) == ["A4"]  # asked, not yet done
    await status_becomes(uow_factory, AuthorizationStatus.CANCELLED)
    inquiry = await post_fhir(app_client, "/Claim/$inquire", referral(), as_=world.ehr)
    [returned] = inquiry.json()["parameter"]
    assert review_actions(claim_response(returned["resource"])) == ["C"]


async def test_claim_responses_are_searched_by_identifier_and_patient(app_client, world, orgs):
    await post_fhir(app_client, "/Claim/$submit", referral(), as_=world.ehr)
    by_identifier = await get_fhir(
        app_client,
        "/ClaimResponse",
        as_=world.ehr,
        params={"identifier": "urn:trnorg:9012345678|111099"},
    )
    assert by_identifier.status_code == 200, by_identifier.text
    body = by_identifier.json()
    assert (body["type"], body["total"]) == ("searchset", 1)
    by_patient = await get_fhir(
        app_client, "/ClaimResponse", as_=world.ehr, params={"patient": "1122334455"}
    )
    assert by_patient.json()["total"] == 1
    other = await get_fhir(
        app_client, "/ClaimResponse", as_=world.clearinghouse, params={"patient": "1122334455"}
    )
    assert other.json()["total"] == 0  # another partner sees only what it sent
