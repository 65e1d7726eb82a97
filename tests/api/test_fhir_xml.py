"""FHIR XML at /fhir (adapters/fhir/formats.py): PAS requests sent as application/fhir+xml are
taken as their JSON would be, answers are XML when `_format` or Accept asks (or the request was
XML), and XML that cannot be read is one OperationOutcome with nothing written."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.parameters import Parameters
from starlette.datastructures import QueryParams

from adapters.fhir.formats import FormatProblem, wants_xml, xml_to_json
from adapters.fhir.pas import parse_resource
from adapters.fhir.pas_inbound import from_pas_request
from tests.adapters.fhir.pas_examples import REQUESTS, example_bytes, world_for
from tests.api.fhir_support import claim_response, review_actions
from tests.inbound_support import row_counts

REFERRAL = "v2.2.1/Bundle-ReferralAuthorizationBundleExample.json"
FHIR_XML = "application/fhir+xml"


@pytest.fixture
async def world(orgs, uow_factory):
    return await world_for(orgs, uow_factory, REFERRAL)


def as_xml(name: str) -> bytes:
    written = Bundle.model_validate_json(example_bytes(name)).model_dump_xml()
    return written.encode() if isinstance(written, str) else bytes(written)


async def send(client, path: str, body: bytes, *, as_, content_type=FHIR_XML, accept=None):
    headers = {"Content-Type": content_type, "Authorization": f"Bearer {client.token(as_)}"}
    if accept is not None:
        headers["Accept"] = accept
    return await client.http.post(f"/fhir{path}", content=body, headers=headers)


def xml_outcome(response) -> dict:
    """The one issue of an OperationOutcome answered in XML."""
    assert response.headers["content-type"].startswith(FHIR_XML), response.headers
    outcome = OperationOutcome.model_validate_xml(response.content)
    [issue] = outcome.issue
    return {"code": issue.code, "diagnostics": issue.diagnostics}


@pytest.mark.parametrize("name", REQUESTS)
def test_every_request_example_in_xml_maps_as_its_json(name):
    """The conformance requests written as FHIR XML by fhir.resources and read back at the
    edge give the domain the same submission as their JSON."""
    from_json = from_pas_request(parse_resource(example_bytes(name), "Bundle"))
    read = xml_to_json(as_xml(name), max_entries=1000)
    assert from_pas_request(parse_resource(read, "Bundle")) == from_json


async def test_an_xml_submission_is_answered_in_xml_and_taken_once(app_client, world, uow_factory):
    body = as_xml(REFERRAL)
    response = await send(app_client, "/Claim/$submit", body, as_=world.ehr)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(FHIR_XML)
    answer = Bundle.model_validate_xml(response.content)
    first = json.loads(answer.model_dump_json(exclude_none=True))
    response_json = claim_response(first)
    assert response_json["outcome"] == "queued" and review_actions(response_json) == ["A4"]
    sent = json.loads(example_bytes(REFERRAL))
    assert response_json["request"]["reference"] == sent["entry"][0]["fullUrl"]
    counts = await row_counts(uow_factory)
    assert counts["authorization_requests"] == 1 and counts["submission_receipts"] == 1
    # The same Bundle again, in XML or in JSON: a resend, answered with the same request.
    again = await send(app_client, "/Claim/$submit", body, as_=world.ehr)
    assert again.status_code == 200
    assert Bundle.model_validate_xml(again.content).entry[0].resource.identifier == (
        answer.entry[0].resource.identifier
    )
    as_json = await send(
        app_client,
        "/Claim/$submit",
        example_bytes(REFERRAL),
        as_=world.ehr,
        content_type="application/fhir+json",
    )
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith(
        "application/fhir+json"
    )
    assert claim_response(as_json.json())["identifier"] == response_json["identifier"]
    assert await row_counts(uow_factory) == counts


async def test_accept_and_format_choose_the_answer_format(app_client, world):
    json_body = example_bytes(REFERRAL)
    xml = await send(
        app_client,
        "/Claim/$submit",
        json_body,
        as_=world.ehr,
        content_type="application/fhir+json",
        accept="application/fhir+json;q=0.5, application/fhir+xml",
    )
    assert xml.headers["content-type"].startswith(FHIR_XML)
    assert Bundle.model_validate_xml(xml.content).entry[0].resource.outcome == "queued"
    json_answer = await send(
        app_client, "/Claim/$submit?_format=json", as_xml(REFERRAL), as_=world.ehr
    )
    assert json_answer.headers["content-type"].startswith("application/fhir+json")
    assert claim_response(json_answer.json())["outcome"] == "queued"
    metadata = await app_client.http.get("/fhir/metadata", params={"_format": "xml"})
    assert metadata.status_code == 200
    statement = CapabilityStatement.model_validate_xml(metadata.content)
    assert statement.format == ["json", "xml"]
    refused = await app_client.http.get("/fhir/metadata", params={"_format": "yaml"})
    assert refused.status_code == 406
    assert refused.json()["issue"][0]["code"] == "not-supported"


async def test_inquire_in_xml_answers_parameters_in_xml(app_client, world):
    await send(app_client, "/Claim/$submit", as_xml(REFERRAL), as_=world.ehr)
    response = await send(app_client, "/Claim/$inquire", as_xml(REFERRAL), as_=world.ehr)
    assert response.status_code == 200, response.text
    returned = Parameters.model_validate_xml(response.content)
    [found] = returned.parameter
    assert found.name == "return" and found.resource.entry[0].resource.outcome == "queued"


def _xml_cases() -> list[tuple[str, bytes, int, str]]:
    good = as_xml(REFERRAL).decode()
    return [
        ("not well-formed", b"<Bundle xmlns='http://hl7.org/fhir'><type", 400, "invalid"),
        (
            "a DTD",
            b'<?xml version="1.0"?><!DOCTYPE b [<!ENTITY x "y">]>'
            b"<Bundle xmlns='http://hl7.org/fhir'><type value='collection'/></Bundle>",
            400,
            "security",
        ),
        (
            "a DTD an encoding hides",
            '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE b [<!ENTITY x "y">]>'
            "<Bundle xmlns='http://hl7.org/fhir'><type value='collection'/></Bundle>".encode(
                "utf-16"
            ),
            400,
            "security",
        ),
        ("no FHIR namespace", b"<Bundle><type value='collection'/></Bundle>", 400, "structure"),
        ("no such resource", b"<Claimz xmlns='http://hl7.org/fhir'/>", 400, "structure"),
        (
            "an unknown element",
            good.replace('<type value="collection"/>', '<tipe value="collection"/>', 1).encode(),
            400,
            "structure",
        ),
        (
            "a wrong resource first",
            b"<Patient xmlns='http://hl7.org/fhir'><gender value='female'/></Patient>",
            400,
            "structure",
        ),
    ]


@pytest.mark.parametrize(
    ("why", "body", "status", "code"), _xml_cases(), ids=lambda v: v if isinstance(v, str) else None
)
async def test_unreadable_xml_gets_one_operation_outcome_and_writes_nothing(
    app_client, world, uow_factory, why, body, status, code
):
    before = await row_counts(uow_factory)
    response = await send(app_client, "/Claim/$submit", body, as_=world.ehr)
    assert response.status_code == status, (why, response.text)
    assert xml_outcome(response)["code"] == code
    as_json = await send(
        app_client, "/Claim/$submit", body, as_=world.ehr, accept="application/fhir+json"
    )
    assert as_json.status_code == status
    assert as_json.json()["issue"][0]["code"] == code
    assert await row_counts(uow_factory) == before


async def test_oversized_xml_is_refused_before_it_is_parsed(app_client, world, uow_factory):
    before = await row_counts(uow_factory)
    limit = app_client.settings.fhir_max_bundle_bytes
    body = as_xml(REFERRAL).replace(b"</Bundle>", b"<!--" + b"x" * limit + b"--></Bundle>")
    response = await send(app_client, "/Claim/$submit", body, as_=world.ehr)
    assert response.status_code == 413 and xml_outcome(response)["code"] == "too-costly"
    bundle = json.loads(example_bytes(REFERRAL))
    bundle["entry"] += [bundle["entry"][1]] * app_client.settings.fhir_max_bundle_entries
    many = Bundle.model_validate(bundle).model_dump_xml()
    response = await send(app_client, "/Claim/$submit", bytes(many), as_=world.ehr)
    assert response.status_code == 413 and xml_outcome(response)["code"] == "too-costly"
    assert await row_counts(uow_factory) == before


@pytest.mark.parametrize(
    ("format_", "accept", "sent_xml", "xml"),
    [
        (None, None, False, False),
        (None, None, True, True),
        (None, "*/*", True, True),
        (None, "application/fhir+xml", False, True),
        (None, "application/xml;q=0.9, application/fhir+json", True, False),
        (None, "application/fhir+json;q=0.2, text/xml;q=0.8", False, True),
        (None, "application/fhir+xml;q=0", False, False),
        (None, "text/html", False, False),
        ("xml", "application/fhir+json", False, True),
        ("application/fhir+json", "application/fhir+xml", True, False),
        ("application/fhir xml", None, False, True),  # '+' sent unescaped in a query
    ],
)
def test_the_answer_format_is_negotiated(format_, accept, sent_xml, xml):
    query = QueryParams({"_format": format_} if format_ else {})
    assert wants_xml(query, accept, sent_xml) is xml


def test_an_unknown_format_is_not_acceptable():
    with pytest.raises(FormatProblem) as raised:
        wants_xml(QueryParams({"_format": "turtle"}), None, False)
    assert raised.value.status == 406
