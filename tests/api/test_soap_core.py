"""`/soap/core` as mounted in the app: WS-Security UsernameToken against the API clients of
`domain/identity`, and every refusal (credentials, XML, size, envelope) answered with its CORE
error code or SOAP fault, writing nothing."""

from __future__ import annotations

import logging

import pytest
from lxml import etree

from domain.identity import service as identity
from domain.identity.models import ApiClient, OrganizationKind
from tests.adapters.soap.conftest import CONFORMANCE
from tests.api.soap_support import (
    Credentials,
    core_fields,
    envelope,
    fault,
    post,
    row_counts,
)

X12 = CONFORMANCE / "x12"
REFERRAL = (X12 / "stupidedi_referral-request-for-review.edi").read_text()
SECRET = "bridgeway-test-secret-value"


async def _client(orgs, uow_factory, kind: OrganizationKind, client_id: str) -> Credentials:
    org = await orgs.organization(f"{client_id} organisation", kind)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=org, name=client_id, client_id=client_id, secret=SECRET
        )
        await uow.commit()
    return Credentials(client_id, SECRET)


@pytest.fixture
async def partner(orgs, uow_factory) -> Credentials:
    return await _client(orgs, uow_factory, OrganizationKind.CLEARINGHOUSE, "bridgeway-core")


async def test_the_wsdl_is_served_with_our_address(app_client):
    response = await app_client.http.get("/soap/core?wsdl")
    assert response.status_code == 200
    wsdl = etree.fromstring(response.content)
    addresses = [e.get("location") for e in wsdl.iter() if e.get("location")]
    assert "http://127.0.0.1:8000/soap/core" in addresses
    schema = await app_client.http.get("/soap/core", params={"xsd": "CORERule2.2.0.xsd"})
    assert schema.status_code == 200 and b"COREEnvelopeRealTimeRequest" in schema.content


async def test_a_clearinghouse_partner_is_answered_with_a_278(app_client, partner):
    fields = core_fields(await post(app_client.http, envelope(REFERRAL, partner)))
    assert fields["ErrorCode"] == "Success"
    assert fields["PayloadType"] == "X12_278_Response_005010X217E1_2"
    assert (fields["SenderID"], fields["ReceiverID"]) == ("CAREBRIDGE", "BRIDGEWAY01")
    assert fields["Payload"].startswith("ISA*")


async def test_a_provider_organisations_partner_may_send_too(app_client, orgs, uow_factory):
    clinic = await _client(orgs, uow_factory, OrganizationKind.PROVIDER, "clinic-core")
    fields = core_fields(await post(app_client.http, envelope(REFERRAL, clinic)))
    assert fields["ErrorCode"] == "Success"


@pytest.mark.parametrize(
    "credentials",
    [
        Credentials("bridgeway-core", "wrong-secret"),
        Credentials("nobody", SECRET),
        Credentials("bridgeway-core", ""),
        Credentials("bridgeway-core", SECRET + "x"),
        Credentials("bridgeway-core", "é" * 300),
        None,
    ],
    ids=["wrong secret", "unknown client", "empty", "longer", "oversized non-ascii", "none"],
)
async def test_bad_credentials_are_unauthorized_and_write_nothing(
    app_client, partner, uow_factory, credentials, caplog
):
    async with uow_factory() as uow:
        before = await row_counts(uow)
    with caplog.at_level(logging.INFO):
        fields = core_fields(await post(app_client.http, envelope(REFERRAL, credentials)))
    assert fields["ErrorCode"] == "UnAuthorized"
    assert fields["PayloadType"] == "COREEnvelopeError" and "Payload" not in fields
    async with uow_factory() as uow:
        assert await row_counts(uow) == before
    assert SECRET not in caplog.text and "wrong-secret" not in caplog.text


async def test_a_payers_partner_or_an_inactive_client_is_unauthorized(
    app_client, orgs, uow_factory, partner
):
    payer = await _client(orgs, uow_factory, OrganizationKind.PAYER, "payer-core")
    assert (
        core_fields(await post(app_client.http, envelope(REFERRAL, payer)))["ErrorCode"]
        == "UnAuthorized"
    )
    async with uow_factory() as uow:
        client = await uow.session.scalar(
            ApiClient.__table__.select().where(ApiClient.client_id == partner.username)
        )
        assert client is not None
        await uow.session.execute(
            ApiClient.__table__.update()
            .where(ApiClient.client_id == partner.username)
            .values(active=False)
        )
        await uow.commit()
    fields = core_fields(await post(app_client.http, envelope(REFERRAL, partner)))
    assert fields["ErrorCode"] == "UnAuthorized"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"payload_type": "X12_270_Request_005010X279A1"}, "PayloadTypeIllegal"),
        ({"version": "4.0.0"}, "VersionMismatch"),
        ({"receiver": "SOMEONE_ELSE"}, "ReceiverIDIllegal"),
        ({"payload_id": "42"}, "PayloadIDIllegal"),
        ({"timestamp": "yesterday"}, "TimeStampIllegal"),
        ({"sender": ""}, "SenderIDRequired"),
    ],
)
async def test_an_envelope_breaking_the_rule_gets_its_core_code_and_writes_nothing(
    app_client, partner, uow_factory, change, code
):
    async with uow_factory() as uow:
        before = await row_counts(uow)
    fields = core_fields(await post(app_client.http, envelope(REFERRAL, partner, **change)))
    assert fields["ErrorCode"] == code
    assert "Payload" not in fields
    async with uow_factory() as uow:
        assert await row_counts(uow) == before


XXE = (
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>&x;</e:Body>'
    b"</e:Envelope>"
)
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<l>&c;</l>"
)
UTF16_DOCTYPE = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e []><e/>'.encode("utf-16")


@pytest.mark.parametrize(
    "body",
    [b"not xml", b"<e:Envelope", b"", XXE, BILLION_LAUGHS, UTF16_DOCTYPE],
    ids=["text", "truncated", "empty", "xxe", "entity expansion", "hidden doctype"],
)
async def test_malformed_xml_and_entities_get_a_sender_fault(app_client, partner, body):
    status, code, _ = fault(await post(app_client.http, body))
    assert (status, code) == (400, "env:Sender")


async def test_an_oversized_body_gets_a_sender_fault_with_413(app_client, partner, settings):
    body = envelope("ISA" + "*" * settings.core_max_body_bytes, partner)
    status, code, reason = fault(await post(app_client.http, body))
    assert (status, code) == (413, "env:Sender") and "larger than" in reason


@pytest.mark.parametrize(
    ("payload", "kind", "marker"),
    [
        (REFERRAL.replace("UM*SC*I*3", "UM*ZZ*I*3"), "X12_999_Response_005010X231A1", "IK5*R"),
        (REFERRAL.replace("SE*16*0001", "SE*99*0001"), "X12_999_Response_005010X231A1", "IK5*R*4"),
        (REFERRAL[:50], "X12_TA1_Response_00501X231A1", "TA1*"),
        ("hello", "X12_TA1_Response_00501X231A1", "TA1*"),
        (
            (X12 / "stupidedi_referral-response-to-request-for-review.edi").read_text(),
            "X12_999_Response_005010X231A1",
            "IK5*R*1",
        ),
    ],
    ids=["bad code", "bad count", "truncated ISA", "not x12", "a response"],
)
async def test_invalid_x12_is_answered_with_a_999_or_ta1_and_writes_nothing(
    app_client, partner, uow_factory, payload, kind, marker
):
    async with uow_factory() as uow:
        before = await row_counts(uow)
    fields = core_fields(await post(app_client.http, envelope(payload, partner)))
    assert (fields["ErrorCode"], fields["PayloadType"]) == ("Success", kind)
    assert marker in fields["Payload"]
    async with uow_factory() as uow:
        assert await row_counts(uow) == before


def _without_event(sample: str) -> str:
    segments = sample.split("~")
    start = next(i for i, s in enumerate(segments) if s.startswith("HL*4*3*EV"))
    end = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    count = int(segments[end].split("*")[1]) - (end - start)
    kept = [*segments[:start], f"SE*{count}*0001", *segments[end + 1 :]]
    return "~".join(kept).replace("HL*3*2*22*1", "HL*3*2*22*0")


def _two_events(sample: str) -> str:
    segments = sample.split("~")
    start = next(i for i, s in enumerate(segments) if s.startswith("HL*4*3*EV"))
    end = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    event = segments[start:end]
    second = [event[0].replace("HL*4*3*EV", "HL*5*3*EV"), *event[1:]]
    count = int(segments[end].split("*")[1]) + len(second)
    kept = [*segments[:end], *second, f"SE*{count}*0001", *segments[end + 1 :]]
    return "~".join(kept)


@pytest.mark.parametrize("payload", [_without_event(REFERRAL), _two_events(REFERRAL)])
async def test_a_278_without_one_patient_event_gets_a_999_and_writes_nothing(
    app_client, partner, uow_factory, payload
):
    async with uow_factory() as uow:
        before = await row_counts(uow)
    fields = core_fields(await post(app_client.http, envelope(payload, partner)))
    assert fields["PayloadType"] == "X12_999_Response_005010X231A1"
    assert "IK3*HL*" in fields["Payload"] and "IK5*R" in fields["Payload"]
    async with uow_factory() as uow:
        assert await row_counts(uow) == before
