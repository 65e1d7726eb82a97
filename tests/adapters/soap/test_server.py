"""POST /soap/core: a valid, authenticated CORE request reaches the handler and its answer goes
back; everything else is answered with the right CORE ErrorCode or SOAP fault, and never
reaches the handler."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from lxml import etree
from starlette.applications import Starlette
from zeep import Client

from adapters.soap.codes import PayloadType
from adapters.soap.errors import to_core_error
from adapters.soap.ports import CoreAnswer
from adapters.soap.server import core_soap_routes
from adapters.soap.soap12 import SOAP12
from domain.errors import DomainError, ErrorCode
from tests.adapters.soap.conftest import (
    OUR_ID,
    PARTNER_ID,
    PUBLIC_XSD,
    SAMPLE_PAYLOAD_ID,
    X12_REQUEST,
    X12_RESPONSE,
    core_body,
    fault_of,
    post,
    sample_bytes,
    sample_with,
)

PASSWORD_ELEMENT = (
    '<wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/'
    'oasis-200401-wss-username-token-profile-1.0#PasswordText">EXAMPLE_PASSWORD</wsse:Password>'
)


async def test_the_public_sample_request_gets_the_handlers_answer(soap, handler):
    response = await post(soap, sample_bytes())
    assert response.status_code == 200
    fields = core_body(response)
    assert fields == {
        "PayloadType": "X12_278_Response_005010X217E1_2",
        "ProcessingMode": "RealTime",
        "PayloadID": SAMPLE_PAYLOAD_ID,
        "TimeStamp": "2026-01-15T15:00:00Z",
        "SenderID": OUR_ID,
        "ReceiverID": PARTNER_ID,
        "CORERuleVersion": "2.2.0",
        "Payload": X12_RESPONSE,
        "ErrorCode": "Success",
        "ErrorMessage": "None",
    }
    [(request, submitter)] = handler.calls
    assert submitter == "partner:EXAMPLE_USER"
    assert request.payload == X12_REQUEST.strip()
    assert request.payload_type == PayloadType.X12_278_REQUEST
    assert request.timestamp == datetime(2026, 1, 15, 10, 30, tzinfo=UTC)


async def test_the_handlers_own_error_code_is_answered(soap, handler):
    handler.answer = CoreAnswer(PayloadType.CORE_ENVELOPE_ERROR, None, "Receiver", "Payer down")
    fields = core_body(await post(soap, sample_bytes()))
    assert (fields["ErrorCode"], fields["ErrorMessage"]) == ("Receiver", "Payer down")
    assert "Payload" not in fields


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (
            "<PayloadType>X12_278_Request_005010X217E1_2<",
            "<PayloadType>X12_270_Request_005010X279A1<",
            "PayloadTypeIllegal",
        ),
        ("<CORERuleVersion>2.2.0<", "<CORERuleVersion>4.0.0<", "VersionMismatch"),
        ("<CORERuleVersion>2.2.0<", "<CORERuleVersion>v2.2.0<", "VersionMismatch"),
        ("<ProcessingMode>RealTime<", "<ProcessingMode>Batch<", "ProcessingModeIllegal"),
        (f"<PayloadID>{SAMPLE_PAYLOAD_ID}</PayloadID>", "", "PayloadIDRequired"),
        (f"<PayloadID>{SAMPLE_PAYLOAD_ID}<", "<PayloadID>42<", "PayloadIDIllegal"),
        ("<SenderID>PROVIDER01</SenderID>", "<SenderID/>", "SenderIDRequired"),
        ("<TimeStamp>2026-01-15T10:30:00Z<", "<TimeStamp>yesterday<", "TimeStampIllegal"),
        (
            "<TimeStamp>2026-01-15T10:30:00Z<",
            "<TimeStamp>2026-02-31T10:30:00Z<",
            "TimeStampIllegal",
        ),
        ("<ReceiverID>CLEARINGHOUSE01<", "<ReceiverID>SOMEONE_ELSE<", "ReceiverIDIllegal"),
    ],
)
async def test_an_envelope_that_breaks_the_rule_gets_its_core_error_code(
    soap, handler, old, new, code
):
    response = await post(soap, sample_with(old, new))
    assert response.status_code == 200
    fields = core_body(response)
    assert fields["ErrorCode"] == code
    assert fields["PayloadType"] == "COREEnvelopeError"
    assert "Payload" not in fields
    assert handler.calls == []


async def test_an_error_answer_echoes_the_payload_id_and_swaps_the_parties(soap):
    fields = core_body(
        await post(soap, sample_with("<CORERuleVersion>2.2.0<", "<CORERuleVersion>9<"))
    )
    assert (fields["PayloadID"], fields["SenderID"], fields["ReceiverID"]) == (
        SAMPLE_PAYLOAD_ID,
        OUR_ID,
        PARTNER_ID,
    )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (PASSWORD_ELEMENT, PASSWORD_ELEMENT.replace("EXAMPLE_PASSWORD", "guess")),
        ("<wsse:Username>EXAMPLE_USER<", "<wsse:Username>mallory<"),
        (PASSWORD_ELEMENT, PASSWORD_ELEMENT.replace("#PasswordText", "#PasswordDigest")),
        (PASSWORD_ELEMENT, ""),
        ("<wsse:UsernameToken>", "<wsse:Other>"),
    ],
)
async def test_missing_or_wrong_credentials_are_unauthorized(soap, handler, old, new):
    body = sample_with(old, new)
    if "<wsse:Other>" in new:
        body = body.replace(b"</wsse:UsernameToken>", b"</wsse:Other>")
    fields = core_body(await post(soap, body))
    assert fields["ErrorCode"] == "UnAuthorized"
    assert handler.calls == []


async def test_no_security_header_is_unauthorized_before_the_envelope_is_checked(soap, handler):
    start = sample_bytes().index(b"<wsse:Security")
    end = sample_bytes().index(b"</wsse:Security>") + len(b"</wsse:Security>")
    body = sample_bytes()[:start] + sample_bytes()[end:]
    body = body.replace(b"<CORERuleVersion>2.2.0<", b"<CORERuleVersion>9<")
    assert core_body(await post(soap, body))["ErrorCode"] == "UnAuthorized"
    assert handler.calls == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"ISA*00*  not xml at all", "not well-formed"),
        (b"", "not well-formed"),
        (b"<a><b></a>", "not well-formed"),
        (b"<root/>", "not a SOAP 1.2 envelope"),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>'
            b'<Other xmlns="urn:x"/></e:Body></e:Envelope>',
            "does not hold a CORE",
        ),
        (
            b'<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>',
            "exactly one element",
        ),
    ],
)
async def test_what_is_not_a_core_envelope_gets_a_sender_fault(soap, handler, body, reason):
    response = await post(soap, body)
    assert response.status_code == 400
    code, text = fault_of(response)
    assert code == "env:Sender" and reason in text
    assert handler.calls == []


async def test_a_soap_1_1_envelope_gets_a_version_mismatch_fault(soap, handler):
    body = sample_bytes().replace(
        b"http://www.w3.org/2003/05/soap-envelope", b"http://schemas.xmlsoap.org/soap/envelope/"
    )
    response = await post(soap, body, content_type="text/xml")
    assert (response.status_code, fault_of(response)[0]) == (400, "env:VersionMismatch")
    assert handler.calls == []


async def test_an_unknown_mandatory_header_gets_a_must_understand_fault(soap, handler):
    body = sample_with("<wsa:Action>", '<wsa:Action soap-env:mustUnderstand="true">')
    assert fault_of(await post(soap, body))[0] == "env:MustUnderstand"
    assert handler.calls == []


async def test_a_soap_action_naming_another_operation_is_refused(soap, handler):
    response = await post(
        soap, sample_bytes(), f'{CORE_SOAP_TYPE}; action="BatchSubmitTransaction"'
    )
    assert fault_of(response)[0] == "env:Sender"
    assert handler.calls == []
    good = await post(soap, sample_bytes(), f'{CORE_SOAP_TYPE}; action="RealTimeTransaction"')
    assert core_body(good)["ErrorCode"] == "Success"


CORE_SOAP_TYPE = "application/soap+xml; charset=utf-8"


async def test_a_core_response_sent_as_a_request_is_refused(soap, handler):
    body = sample_bytes().replace(b"COREEnvelopeRealTimeRequest", b"COREEnvelopeRealTimeResponse")
    assert fault_of(await post(soap, body))[0] == "env:Sender"
    assert handler.calls == []


async def test_an_element_core_does_not_define_gets_a_sender_fault(soap, handler):
    body = sample_with("</Payload>", "</Payload><Extra>1</Extra>")
    assert fault_of(await post(soap, body))[0] == "env:Sender"
    assert handler.calls == []


async def test_a_body_over_the_cap_is_413_before_it_is_parsed(soap, handler):
    body = sample_with("<Payload>", "<Payload>" + "A" * 70_000)
    response = await post(soap, body)
    assert response.status_code == 413
    assert fault_of(response)[0] == "env:Sender"
    assert handler.calls == []


async def test_a_domain_error_from_the_handler_becomes_its_core_code(soap, handler):
    handler.raises = DomainError(ErrorCode.FORBIDDEN, "not this partner")
    fields = core_body(await post(soap, sample_bytes()))
    assert fields["ErrorCode"] == "UnAuthorized"
    assert "not this partner" not in fields["ErrorMessage"]


async def test_a_failing_handler_is_a_receiver_fault_that_leaks_nothing(soap, handler):
    handler.raises = RuntimeError("database password is hunter2")
    response = await post(soap, sample_bytes())
    assert response.status_code == 500
    code, reason = fault_of(response)
    assert code == "env:Receiver" and "correlation id" in reason and "hunter2" not in reason


async def test_an_answer_core_cannot_carry_is_a_receiver_fault(soap, handler):
    handler.answer = CoreAnswer("", X12_RESPONSE)
    response = await post(soap, sample_bytes())
    assert (response.status_code, fault_of(response)[0]) == (500, "env:Receiver")


async def test_the_wsdl_is_served_with_our_address_and_schema(soap, tmp_path):
    wsdl = await soap.get("/soap/core?wsdl")
    assert wsdl.status_code == 200
    assert b'location="http://soap.test/soap/core"' in wsdl.content
    assert b'schemaLocation="http://soap.test/soap/core?xsd=CORERule2.2.0.xsd"' in wsdl.content
    xsd = await soap.get("/soap/core?xsd=CORERule2.2.0.xsd")
    assert b'targetNamespace="http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"' in xsd.content
    # The served pair loads in zeep as a client would fetch it (saved side by side here).
    (tmp_path / "core.wsdl").write_bytes(
        wsdl.content.replace(b"http://soap.test/soap/core?xsd=CORERule2.2.0.xsd", b"core.xsd")
    )
    (tmp_path / "core.xsd").write_bytes(xsd.content)
    client = Client(str(tmp_path / "core.wsdl"))
    assert client.service._binding_options["address"] == "http://soap.test/soap/core"
    assert (await soap.get("/soap/core")).status_code == 404


async def test_a_failing_authenticator_is_a_receiver_fault(handler):

    class BrokenAuthenticator:
        async def authenticate(self, token):
            raise ConnectionError("directory down")

    app = Starlette(
        routes=core_soap_routes(
            handler,
            BrokenAuthenticator(),
            max_body_bytes=1 << 16,
            wsdl_address="http://x/soap/core",
            receiver_id="CLEARINGHOUSE01",
        )
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x"
    ) as client:
        response = await post(client, sample_bytes())
    assert (response.status_code, fault_of(response)[0]) == (500, "env:Receiver")
    assert handler.calls == []


@pytest.mark.parametrize(
    "body",
    [sample_bytes(), sample_with("<CORERuleVersion>2.2.0<", "<CORERuleVersion>4.0.0<")],
    ids=["success", "envelope-error"],
)
async def test_our_answers_validate_against_the_public_schema(soap, body):
    response = await post(soap, body)
    element = etree.fromstring(response.content).find(f"{{{SOAP12}}}Body")[0]
    public = etree.XMLSchema(etree.parse(str(PUBLIC_XSD)))
    assert public.validate(element), public.error_log


@pytest.mark.parametrize(
    ("code", "core"),
    [
        (ErrorCode.UNAUTHENTICATED, "UnAuthorized"),
        (ErrorCode.FORBIDDEN, "UnAuthorized"),
        (ErrorCode.CONFLICT, "Receiver"),
        (ErrorCode.LIMIT_EXCEEDED, "Receiver"),
        (ErrorCode.INTERNAL, "Receiver"),
        (ErrorCode.INVALID, "Sender"),
        (ErrorCode.NOT_FOUND, "Sender"),
    ],
)
def test_each_domain_error_maps_to_one_core_code(code, core):
    assert to_core_error(DomainError(code, "x")).code == core


async def test_head_asks_for_the_contract_not_for_a_transaction(soap, handler):
    assert (await soap.head("/soap/core?wsdl")).status_code == 200
    assert handler.calls == []
