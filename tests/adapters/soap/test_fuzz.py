"""Mutated CORE envelopes never get a 5xx and never reach the handler unless they are still a
valid, authenticated request (which is then answered with Success)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import etree

from adapters.soap.contract import core_schema
from adapters.soap.envelope import to_element
from adapters.soap.soap12 import SOAP12
from tests.adapters.soap.conftest import CORE_SOAP, FakeCorePayloadHandler, core_app, sample_bytes

SAMPLE = sample_bytes()
BODY_START = SAMPLE.index(b"<soap-env:Body>")
HANDLER = FakeCorePayloadHandler()
NASTY = st.sampled_from(
    [b"<", b">", b"&", b"&amp;", b"]]>", b"<!DOCTYPE x>", b"<!ENTITY a 'b'>", b"\x00", b"\xff",
     b"</Payload>", b"<PayloadID>", b"ns0:", b"RealTime", b"Batch", b"2.2.0", b" ", b"\n"]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """The sample with a few spans replaced, deleted or repeated; mostly in the CORE body."""
    data = bytearray(SAMPLE)
    for _ in range(draw(st.integers(1, 4))):
        low = draw(st.sampled_from([0, BODY_START, BODY_START]))
        start = draw(st.integers(low, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        insert = draw(st.one_of(NASTY, st.binary(max_size=12), st.just(bytes(data[start:end]) * 2)))
        data[start:end] = insert
    return bytes(data)


FIELDS = ["PayloadType", "ProcessingMode", "PayloadID", "TimeStamp", "SenderID", "ReceiverID",
          "CORERuleVersion", "Payload", "wsse:Username", "wsse:Password"]  # fmt: skip


@st.composite
def field_mutated(draw: st.DrawFn) -> bytes:
    """The sample with fields' text replaced, or fields dropped or repeated, as a well-formed
    document: these reach the CORE checks rather than the XML parser."""
    root = etree.fromstring(SAMPLE)
    namespaces = {
        "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    }
    for _ in range(draw(st.integers(1, 3))):
        [element] = root.xpath(f"//{draw(st.sampled_from(FIELDS))}", namespaces=namespaces)[:1] or [
            None
        ]
        if element is None:
            continue
        action = draw(st.sampled_from(["text", "drop", "repeat"]))
        if action == "text":
            element.text = draw(
                st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=40)
            )
        elif action == "drop":
            element.getparent().remove(element)
        else:
            element.addnext(etree.fromstring(etree.tostring(element)))
    return etree.tostring(root)


@pytest.fixture(scope="module")
def send() -> Iterator[object]:
    """POST over ASGI on a loop of this module's own (hypothesis drives a synchronous test)."""
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=core_app(HANDLER)), base_url="http://soap.test"
    )

    def post(body: bytes) -> httpx.Response:
        headers = {"content-type": CORE_SOAP}
        return loop.run_until_complete(client.post("/soap/core", content=body, headers=headers))

    yield post
    loop.run_until_complete(client.aclose())
    loop.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.one_of(mutated(), field_mutated()))
def test_a_mutated_envelope_gets_no_5xx_and_reaches_the_handler_only_when_valid(send, body):
    HANDLER.calls.clear()
    response = send(body)
    assert response.status_code in {200, 400, 413}, response.text
    assert response.headers["content-type"] == CORE_SOAP
    answer = etree.fromstring(response.content).find(f"{{{SOAP12}}}Body")[0]
    event(answer.findtext("ErrorCode") or "fault")
    if answer.findtext("ErrorCode") != "Success":
        assert HANDLER.calls == []
        return
    [(request, _)] = HANDLER.calls
    assert core_schema().validate(to_element(request))
