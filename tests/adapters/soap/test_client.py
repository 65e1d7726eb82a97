"""The zeep client against the endpoint over real HTTP on loopback: it authenticates with a
UsernameToken and gets the handler's answer; every failure says whether to retry."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
import requests
import zeep
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from zeep.wsse.username import UsernameToken as ZeepUsernameToken

from adapters.soap.client import CoreClient, CoreConnection
from adapters.soap.codes import PayloadType
from adapters.soap.errors import CoreCallError
from adapters.soap.ports import CoreAnswer
from domain.clock import FixedClock
from tests.adapters.soap.conftest import (
    NOW,
    OUR_ID,
    PARTNER_ID,
    PASSWORD,
    USERNAME,
    X12_REQUEST,
    X12_RESPONSE,
    FakeCorePayloadHandler,
    core_app,
    free_port,
    serve,
    stop,
)

PAYLOAD_ID = uuid.UUID("6f1c2a8e-1d2b-11f1-9a3c-0242ac120002")


def connection(url: str, **changes: object) -> CoreConnection:
    values: dict[str, object] = {
        "endpoint_url": url,
        "sender_id": PARTNER_ID,
        "receiver_id": OUR_ID,
        "username": USERNAME,
        "password": PASSWORD,
    }
    return CoreConnection(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture
async def live(handler: FakeCorePayloadHandler) -> AsyncIterator[str]:
    server, task, url = await serve(core_app(handler))
    yield url
    await stop(server, task)


async def call(client: CoreClient, method: str, **arguments: object):
    """The client is synchronous (zeep, requests): run it off the loop the server runs on."""
    return await asyncio.to_thread(getattr(client, method), **arguments)


async def test_a_real_time_278_request_gets_the_handlers_278_response(live, handler):
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    response = await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert response.succeeded
    assert response.payload == X12_RESPONSE
    assert response.payload_type == PayloadType.X12_278_RESPONSE
    assert (response.payload_id, response.sender_id, response.receiver_id) == (
        str(PAYLOAD_ID),
        OUR_ID,
        PARTNER_ID,
    )
    [(request, submitter)] = handler.calls
    assert submitter == f"partner:{USERNAME}"
    assert (request.payload, request.timestamp, request.payload_id) == (
        X12_REQUEST,
        NOW,
        str(PAYLOAD_ID),
    )


@pytest.mark.parametrize(
    ("method", "arguments"),
    [
        ("submit_batch", {"payload": X12_REQUEST, "payload_type": PayloadType.X12_278_REQUEST}),
        ("retrieve_batch_ack", {"payload_type": PayloadType.X12_999_RESPONSE}),
        ("retrieve_batch_results", {"payload_type": PayloadType.X12_278_RESPONSE}),
        (
            "submit_batch_results_ack",
            {"payload": "ISA*999~", "payload_type": PayloadType.X12_999_RESPONSE},
        ),
    ],
)
async def test_each_batch_operation_reaches_the_handler_and_returns_its_answer(
    live, handler, method, arguments
):
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    response = await call(client, method, payload_id=PAYLOAD_ID, **arguments)
    assert response.payload == X12_RESPONSE and response.operation.is_batch
    [(request, _)] = handler.calls
    assert request.payload == arguments.get("payload")
    assert request.operation is response.operation


async def test_a_wrong_password_is_a_final_unauthorized(live, handler):
    client = CoreClient(connection(live, password="guess"), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert (caught.value.code, caught.value.retryable) == ("UnAuthorized", False)
    assert handler.calls == []


async def test_a_payload_type_the_server_refuses_is_final(live, handler):
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(
            client,
            "real_time",
            payload_id=PAYLOAD_ID,
            payload="ISA~",
            payload_type="X12_270_Request_005010X279A1",
        )
    assert (caught.value.code, caught.value.retryable) == ("PayloadTypeIllegal", False)


async def test_a_receiver_that_says_try_later_is_retryable(live, handler):
    handler.answer = CoreAnswer(PayloadType.CORE_ENVELOPE_ERROR, None, "Receiver", "busy")
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert (caught.value.code, caught.value.retryable) == ("Receiver", True)


async def test_a_receiver_fault_is_retryable(live, handler):
    handler.raises = RuntimeError("boom")
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert (caught.value.retryable, caught.value.status, caught.value.code) == (
        True,
        500,
        "Receiver",
    )


async def test_an_answer_of_an_unexpected_payload_type_is_final(live, handler):
    handler.answer = CoreAnswer(PayloadType.X12_278_REQUEST, X12_REQUEST)
    client = CoreClient(connection(live), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert not caught.value.retryable


async def test_a_server_slower_than_the_timeout_is_retryable(live, handler):
    handler.delay_seconds = 1.5
    client = CoreClient(connection(live, timeout_seconds=0.3), clock=FixedClock(NOW))
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert caught.value.retryable and "in time" in caught.value.message


async def test_a_partner_builds_its_zeep_client_from_the_wsdl_we_serve(handler):
    port = free_port()
    url = f"http://127.0.0.1:{port}/soap/core"
    server, task, _ = await serve(core_app(handler, wsdl_address=url), port)
    try:

        def partner_call() -> object:
            partner = zeep.Client(f"{url}?wsdl", wsse=ZeepUsernameToken(USERNAME, PASSWORD))
            return partner.service.RealTimeTransaction(
                PayloadType="X12_278_Request_005010X217E1_2",
                ProcessingMode="RealTime",
                PayloadID=str(PAYLOAD_ID),
                TimeStamp="2026-01-15T10:30:00Z",
                SenderID=PARTNER_ID,
                ReceiverID=OUR_ID,
                CORERuleVersion="2.2.0",
                Payload=X12_REQUEST,
            )

        answer = await asyncio.to_thread(partner_call)
    finally:
        await stop(server, task)
    assert (answer.ErrorCode, answer.Payload, answer.PayloadID) == (
        "Success",
        X12_RESPONSE,
        str(PAYLOAD_ID),
    )


def _plain(status: int, body: bytes, media_type: str = "text/html") -> Starlette:
    async def answer(request):
        return Response(body, status_code=status, media_type=media_type)

    return Starlette(routes=[Route("/soap/core", answer, methods=["POST"])])


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(503, True), (502, True), (429, True), (400, False), (401, False), (404, False), (200, False)],
)
async def test_an_http_answer_that_is_not_soap_is_retryable_only_when_it_means_later(
    status, retryable
):
    server, task, url = await serve(_plain(status, b"<html>Service Unavailable</html>"))
    try:
        client = CoreClient(connection(url), clock=FixedClock(NOW))
        with pytest.raises(CoreCallError) as caught:
            await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    finally:
        await stop(server, task)
    assert (caught.value.status, caught.value.retryable) == (status, retryable)


async def test_nobody_listening_is_retryable():
    client = CoreClient(
        connection(f"http://127.0.0.1:{free_port()}/soap/core"), clock=FixedClock(NOW)
    )
    with pytest.raises(CoreCallError) as caught:
        await call(client, "real_time", payload_id=PAYLOAD_ID, payload=X12_REQUEST)
    assert caught.value.retryable and "reached" in caught.value.message


def test_a_client_certificate_goes_on_the_session_for_mutual_tls():
    session = requests.Session()
    settings = connection(
        "https://partner.example/soap/core",
        client_cert_path="/etc/carebridge/client.pem",
        client_key_path="/etc/carebridge/client.key",
        ca_bundle_path="/etc/carebridge/partner-ca.pem",
    )
    CoreClient(settings, clock=FixedClock(NOW), session=session)
    assert session.cert == ("/etc/carebridge/client.pem", "/etc/carebridge/client.key")
    assert session.verify == "/etc/carebridge/partner-ca.pem"


def test_a_connection_waits_a_minute_by_default_and_hides_its_password():
    settings = connection("https://partner.example/soap/core")
    assert settings.timeout_seconds >= 60
    assert PASSWORD not in repr(settings)
    with pytest.raises(ValueError):
        connection("https://x.example", client_key_path="/k.pem")
    with pytest.raises(ValueError):
        connection("https://x.example", timeout_seconds=0)
