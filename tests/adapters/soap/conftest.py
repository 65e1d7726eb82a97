"""The CORE endpoint with fakes of its two ports, the conformance files, and helpers to send
envelopes over ASGI (httpx) or real HTTP on loopback (uvicorn)."""

from __future__ import annotations

import asyncio
import hmac
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import uvicorn
from lxml import etree
from starlette.applications import Starlette

from adapters.soap.codes import PayloadType
from adapters.soap.envelope import CoreRequest
from adapters.soap.ports import CoreAnswer
from adapters.soap.server import core_soap_routes
from adapters.soap.soap12 import SOAP12, UsernameToken
from domain.clock import FixedClock

REPO_ROOT = Path(__file__).resolve().parents[3]
CONFORMANCE = REPO_ROOT.parent / "shared" / "conformance"
CAQH = CONFORMANCE / "caqh-core"
PUBLIC_XSD = CAQH / "connect" / "schemas" / "caqh" / "CORERule2.2.0.xsd"
PUBLIC_REAL_TIME_WSDL = CAQH / "connect" / "wsdl" / "CORERule2.2.0RealTime.wsdl"
PUBLIC_BATCH_WSDL = CAQH / "connect" / "wsdl" / "CORERule2.2.0GenericBatch.wsdl"
SAMPLE_ENVELOPE = CAQH / "generated_zeep-4.3.3_RealTimeTransaction_278-request_envelope.xml"
X12_REQUEST = (CONFORMANCE / "x12" / "stupidedi_referral-request-for-review.edi").read_text()
X12_RESPONSE = (
    CONFORMANCE / "x12" / "stupidedi_referral-response-to-request-for-review.edi"
).read_text()

NOW = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
SAMPLE_PAYLOAD_ID = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
OUR_ID = "CLEARINGHOUSE01"
PARTNER_ID = "PROVIDER01"
USERNAME, PASSWORD = "EXAMPLE_USER", "EXAMPLE_PASSWORD"
CORE_SOAP = "application/soap+xml; charset=utf-8"
MAX_BODY = 64 * 1024


def sample_bytes() -> bytes:
    return SAMPLE_ENVELOPE.read_bytes()


def sample_with(old: str, new: str) -> bytes:
    body = sample_bytes()
    assert old.encode() in body, old
    return body.replace(old.encode(), new.encode(), 1)


@dataclass
class FakeCorePayloadHandler:
    """Stands for the domain: answers every request with a fixed 278 response."""

    answer: CoreAnswer = field(
        default_factory=lambda: CoreAnswer(PayloadType.X12_278_RESPONSE, X12_RESPONSE)
    )
    delay_seconds: float = 0.0
    raises: Exception | None = None
    calls: list[tuple[CoreRequest, str]] = field(default_factory=list)

    async def handle(self, request: CoreRequest, *, submitter: str) -> CoreAnswer:
        self.calls.append((request, submitter))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        if self.raises is not None:
            raise self.raises
        return self.answer


@dataclass
class FakeCoreAuthenticator:
    """Knows one partner account; answers the partner's identity for it."""

    users: dict[str, str] = field(default_factory=lambda: {USERNAME: PASSWORD})

    async def authenticate(self, token: UsernameToken) -> str | None:
        expected = self.users.get(token.username)
        if expected is None or not hmac.compare_digest(expected.encode(), token.password.encode()):
            return None
        return f"partner:{token.username}"


def core_app(
    handler: FakeCorePayloadHandler, wsdl_address: str = "http://soap.test/soap/core"
) -> Starlette:
    routes = core_soap_routes(
        handler,
        FakeCoreAuthenticator(),
        max_body_bytes=MAX_BODY,
        wsdl_address=wsdl_address,
        receiver_id=OUR_ID,
        clock=FixedClock(NOW),
    )
    return Starlette(routes=routes)


@pytest.fixture
def handler() -> FakeCorePayloadHandler:
    return FakeCorePayloadHandler()


@pytest.fixture
async def soap(handler: FakeCorePayloadHandler) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=core_app(handler))
    async with httpx.AsyncClient(transport=transport, base_url="http://soap.test") as client:
        yield client


async def post(
    client: httpx.AsyncClient, body: bytes, content_type: str = CORE_SOAP
) -> httpx.Response:
    return await client.post("/soap/core", content=body, headers={"content-type": content_type})


def core_body(response: httpx.Response) -> dict[str, str]:
    """The CORE response's fields by name (the body element of a SOAP 1.2 answer)."""
    element = _body_element(response)
    return {child.tag: child.text or "" for child in element}


def fault_of(response: httpx.Response) -> tuple[str, str]:
    """A SOAP 1.2 fault's code value and reason text."""
    element = _body_element(response)
    assert element.tag == f"{{{SOAP12}}}Fault", response.text
    code = element.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") or ""
    return code, element.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or ""


def _body_element(response: httpx.Response) -> etree._Element:
    assert response.headers["content-type"] == CORE_SOAP
    root = etree.fromstring(response.content)
    return root.find(f"{{{SOAP12}}}Body")[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def serve(
    app: Starlette, port: int | None = None
) -> tuple[uvicorn.Server, asyncio.Task[None], str]:
    """The app under uvicorn on a (free) loopback port; its /soap/core URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{port}/soap/core"


async def stop(server: uvicorn.Server, task: asyncio.Task[None]) -> None:
    server.should_exit = True
    await asyncio.wait_for(task, 10)
