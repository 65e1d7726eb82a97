"""CORE envelopes for `/soap/core` tests, built from scratch (SOAP 1.2, WS-Security
UsernameToken PasswordText, the payload XML-escaped inline), and readers of the answers."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from xml.sax.saxutils import escape

import httpx
from lxml import etree
from sqlalchemy import func, select

from adapters.soap.soap12 import SOAP12
from db.uow import SqlAlchemyUnitOfWork
from domain.models import Base

CORE_NS = "http://www.caqh.org/SOAP/WSDL/CORERule2.2.0.xsd"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordText"
)
SOAP_TYPE = "application/soap+xml; charset=utf-8"
X217_REQUEST = "X12_278_Request_005010X217E1_2"
RECEIVER = "CAREBRIDGE"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


def envelope(
    payload: str,
    credentials: Credentials | None,
    *,
    payload_id: str | None = None,
    payload_type: str = X217_REQUEST,
    version: str = "2.2.0",
    receiver: str = RECEIVER,
    sender: str = "BRIDGEWAY01",
    timestamp: str = "2026-01-15T10:30:00Z",
) -> bytes:
    security = ""
    if credentials is not None:
        security = (
            f'<wsse:Security xmlns:wsse="{WSSE}"><wsse:UsernameToken>'
            f"<wsse:Username>{escape(credentials.username)}</wsse:Username>"
            f'<wsse:Password Type="{PASSWORD_TEXT}">{escape(credentials.password)}'
            "</wsse:Password></wsse:UsernameToken></wsse:Security>"
        )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="{SOAP12}">'
        f"<e:Header>{security}</e:Header><e:Body>"
        f'<c:COREEnvelopeRealTimeRequest xmlns:c="{CORE_NS}">'
        f"<PayloadType>{payload_type}</PayloadType><ProcessingMode>RealTime</ProcessingMode>"
        f"<PayloadID>{payload_id or uuid.uuid4()}</PayloadID><TimeStamp>{timestamp}</TimeStamp>"
        f"<SenderID>{sender}</SenderID><ReceiverID>{receiver}</ReceiverID>"
        f"<CORERuleVersion>{version}</CORERuleVersion><Payload>{escape(payload)}</Payload>"
        "</c:COREEnvelopeRealTimeRequest></e:Body></e:Envelope>"
    ).encode()


async def post(http: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await http.post("/soap/core", content=body, headers={"content-type": SOAP_TYPE})


def core_fields(response: httpx.Response) -> dict[str, str]:
    """The CORE response's fields by name."""
    assert response.status_code == 200, response.text
    body = etree.fromstring(response.content).find(f"{{{SOAP12}}}Body")
    assert body is not None
    return {child.tag: child.text or "" for child in body[0]}


def fault(response: httpx.Response) -> tuple[int, str, str]:
    """(HTTP status, SOAP 1.2 fault code, reason) of a fault answer."""
    root = etree.fromstring(response.content)
    element = root.find(f"{{{SOAP12}}}Body/{{{SOAP12}}}Fault")
    assert element is not None, response.text
    code = element.findtext(f"{{{SOAP12}}}Code/{{{SOAP12}}}Value") or ""
    return (
        response.status_code,
        code,
        element.findtext(f"{{{SOAP12}}}Reason/{{{SOAP12}}}Text") or "",
    )


async def row_counts(uow: SqlAlchemyUnitOfWork) -> dict[str, int]:
    """Rows per table: what "nothing was written" is checked against."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = await uow.session.scalar(select(func.count()).select_from(table))
    return counts


async def outbox_settled(uow_factory) -> None:
    """Wait until the embedded dispatcher has sent every pending outbox message (at most 10 s):
    row counts are compared only once nothing is in flight."""
    from domain.partners.models import OutboxMessage, OutboxStatus

    for _ in range(200):
        async with uow_factory() as uow:
            pending = await uow.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING)
            )
        if not pending:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox did not settle")
