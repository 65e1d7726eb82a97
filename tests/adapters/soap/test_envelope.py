"""CORE envelopes as values: built, serialized and parsed back unchanged; our XSD refuses wrong
order, missing elements and bad values with the CORE code that names the field."""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from lxml import etree

from adapters.soap.codes import CORE_CODES, PayloadType, core_code
from adapters.soap.envelope import (
    BATCH_RESULTS_ACK_SUBMIT,
    BATCH_RESULTS_RETRIEVAL,
    BATCH_SUBMIT,
    BATCH_SUBMIT_ACK_RETRIEVAL,
    OPERATIONS,
    REAL_TIME,
    CoreRequest,
    CoreResponse,
    from_element,
    response_to,
    to_bytes,
    to_element,
)
from adapters.soap.errors import CoreEnvelopeError, SoapFault
from adapters.soap.parsing import parse_document
from adapters.soap.soap12 import read_message
from tests.adapters.soap.conftest import SAMPLE_PAYLOAD_ID, X12_REQUEST, X12_RESPONSE, sample_bytes

AT = datetime(2026, 1, 15, 10, 30, tzinfo=UTC)


def a_request(operation=REAL_TIME, payload: str | None = X12_REQUEST) -> CoreRequest:
    return CoreRequest(
        operation=operation,
        payload_type=PayloadType.X12_278_REQUEST,
        payload_id=str(uuid.UUID(int=7)),
        timestamp=AT,
        sender_id="PROVIDER01",
        receiver_id="CLEARINGHOUSE01",
        payload=payload,
    )


def reparsed(envelope):
    return from_element(etree.fromstring(to_bytes(envelope)))


def sample_body() -> etree._Element:
    return read_message(parse_document(sample_bytes(), max_bytes=1 << 20)).body


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_a_request_survives_a_round_trip(operation):
    request = a_request(operation)
    assert reparsed(request) == request


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.name)
def test_a_response_survives_a_round_trip(operation):
    response = response_to(
        a_request(operation),
        timestamp=AT,
        payload_type=PayloadType.X12_278_RESPONSE,
        payload=X12_RESPONSE,
    )
    back = reparsed(response)
    assert back == response
    assert isinstance(back, CoreResponse) and back.succeeded


def test_a_response_echoes_the_payload_id_and_swaps_sender_and_receiver():
    response = response_to(a_request(), timestamp=AT, payload_type="X", payload=None)
    assert (response.payload_id, response.sender_id, response.receiver_id) == (
        str(uuid.UUID(int=7)),
        "CLEARINGHOUSE01",
        "PROVIDER01",
    )


def test_batch_retrievals_may_carry_no_payload():
    for operation in (BATCH_SUBMIT_ACK_RETRIEVAL, BATCH_RESULTS_RETRIEVAL):
        request = a_request(operation, payload=None)
        assert reparsed(request) == request


def test_children_are_unqualified_and_in_the_rules_order():
    element = to_element(a_request(BATCH_RESULTS_ACK_SUBMIT))
    assert (
        element.tag
        == "{http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd}COREEnvelopeBatchResultsAckSubmission"
    )
    assert [child.tag for child in element] == [
        "PayloadType", "ProcessingMode", "PayloadID", "PayloadLength", "TimeStamp",
        "SenderID", "ReceiverID", "CORERuleVersion", "CheckSum", "Payload",
    ]  # fmt: skip


def test_a_batch_payload_travels_as_base64_with_its_length_and_sha1():
    fields = {child.tag: child.text for child in to_element(a_request(BATCH_SUBMIT, "ISA*~"))}
    assert base64.b64decode(fields["Payload"]) == b"ISA*~"
    assert fields["PayloadLength"] == "5"
    assert fields["CheckSum"] == hashlib.sha1(b"ISA*~").hexdigest()


def test_x12_delimiters_are_escaped_inline_and_come_back_unchanged():
    payload = "ISA*00*>*:~NM1*<A&B>*~"
    text = to_bytes(a_request(payload=payload))
    assert b"&lt;A&amp;B&gt;" in text and b"<![CDATA[" not in text
    assert reparsed(a_request(payload=payload)).payload == payload


def test_a_cdata_payload_reads_the_same_as_an_escaped_one():
    escaped = etree.tostring(to_element(a_request(payload="A>B")))
    cdata = escaped.replace(b"<Payload>A&gt;B</Payload>", b"<Payload><![CDATA[A>B]]></Payload>")
    assert from_element(etree.fromstring(cdata)).payload == "A>B"


def test_the_public_zeep_sample_parses_and_validates_with_our_schema():
    request = from_element(sample_body())
    assert isinstance(request, CoreRequest) and not isinstance(request, CoreResponse)
    assert request.operation is REAL_TIME
    assert request.payload_id == SAMPLE_PAYLOAD_ID
    assert (request.sender_id, request.receiver_id, request.core_rule_version) == (
        "PROVIDER01",
        "CLEARINGHOUSE01",
        "2.2.0",
    )
    assert request.payload == X12_REQUEST.strip()


def test_a_timestamp_without_an_offset_is_read_as_utc():
    body = sample_body()
    body.find("TimeStamp").text = "2019-09-20T13:05:45.429"
    assert from_element(body).timestamp == datetime(2019, 9, 20, 13, 5, 45, 429000, tzinfo=UTC)


def _broken(change) -> CoreEnvelopeError:
    body = copy.deepcopy(sample_body())
    change(body)
    with pytest.raises(CoreEnvelopeError) as caught:
        from_element(body)
    return caught.value


def _swap(body, first: int, second: int) -> None:
    a, b = body[first], body[second]
    body.replace(a, copy.deepcopy(b))
    body.replace(b, a)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda b: _swap(b, 2, 3), "PayloadIDRequired"),
        (lambda b: b.remove(b.find("PayloadID")), "PayloadIDRequired"),
        (lambda b: b.remove(b.find("SenderID")), "SenderIDRequired"),
        (lambda b: b.remove(b.find("Payload")), "PayloadRequired"),
        (lambda b: b.remove(b.find("CORERuleVersion")), "CORERuleVersionRequired"),
        (lambda b: setattr(b.find("PayloadType"), "text", None), "PayloadTypeRequired"),
        (lambda b: setattr(b.find("ProcessingMode"), "text", "Batch"), "ProcessingModeIllegal"),
        (lambda b: setattr(b.find("PayloadID"), "text", "not-a-uuid"), "PayloadIDIllegal"),
        (lambda b: setattr(b.find("TimeStamp"), "text", "15/01/2026"), "TimeStampIllegal"),
        (
            lambda b: setattr(b.find("TimeStamp"), "text", "2026-01-15T25:00:00Z"),
            "TimeStampIllegal",
        ),
        (
            lambda b: setattr(
                b[0], "tag", "{http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd}PayloadType"
            ),
            "PayloadTypeRequired",
        ),
    ],
)
def test_our_schema_names_the_field_at_fault(change, code):
    error = _broken(change)
    assert error.code == code
    assert error.code in CORE_CODES


def test_a_batch_whose_checksum_or_length_lies_is_refused():
    element = to_element(a_request(BATCH_SUBMIT, "ISA*~"))
    element.find("CheckSum").text = "0" * 40
    with pytest.raises(CoreEnvelopeError) as caught:
        from_element(element)
    assert caught.value.code == "CheckSumIllegal"
    element = to_element(a_request(BATCH_SUBMIT, "ISA*~"))
    element.find("PayloadLength").text = "6"
    with pytest.raises(CoreEnvelopeError) as caught:
        from_element(element)
    assert caught.value.code == "PayloadLengthIllegal"


def test_a_batch_submission_needs_its_checksum():
    element = to_element(a_request(BATCH_SUBMIT, "ISA*~"))
    element.remove(element.find("CheckSum"))
    with pytest.raises(CoreEnvelopeError) as caught:
        from_element(element)
    assert caught.value.code == "CheckSumRequired"


def test_error_messages_never_repeat_the_value_sent():
    error = _broken(lambda b: setattr(b.find("PayloadID"), "text", "SMITH-JOE-19700101"))
    assert "SMITH" not in error.message


def test_an_element_core_does_not_define_is_not_a_core_envelope():
    with pytest.raises(SoapFault):
        from_element(etree.fromstring(b'<x:COREEnvelopeSomething xmlns:x="urn:other"/>'))


def test_every_code_has_a_meaning_and_only_try_later_codes_are_retryable():
    assert all(code.meaning for code in CORE_CODES.values())
    assert {code.code for code in CORE_CODES.values() if code.retryable} == {"Receiver"}
    assert core_code("Unauthorized").code == "UnAuthorized"
    assert not core_code("SomethingNew").retryable
