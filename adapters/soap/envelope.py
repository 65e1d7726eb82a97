"""CORE vC2.2.0 envelopes as typed values: build them as XML, and parse XML back after
validating it against our XSD (zeep does not check facets; lxml does).

A real-time payload is inline X12 text (XML-escaped by the serializer); a batch payload travels
base64-encoded with its length and SHA-1 checksum, and is X12 text here too."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from adapters.soap.codes import CORE_RULE_VERSION, SUCCESS, PayloadType, ProcessingMode
from adapters.soap.contract import CORE_NAMESPACE
from adapters.soap.errors import CoreEnvelopeError, FaultCode, SoapFault
from adapters.soap.validation import validate_envelope


@dataclass(frozen=True)
class CoreOperation:
    """One operation of the CORETransactions portType: its request and response elements."""

    name: str
    request: str
    response: str
    mode: ProcessingMode

    @property
    def is_batch(self) -> bool:
        return self.mode is ProcessingMode.BATCH


REAL_TIME = CoreOperation(
    "RealTimeTransaction",
    "COREEnvelopeRealTimeRequest",
    "COREEnvelopeRealTimeResponse",
    ProcessingMode.REAL_TIME,
)
BATCH_SUBMIT = CoreOperation(
    "BatchSubmitTransaction",
    "COREEnvelopeBatchSubmission",
    "COREEnvelopeBatchSubmissionResponse",
    ProcessingMode.BATCH,
)
BATCH_SUBMIT_ACK_RETRIEVAL = CoreOperation(
    "BatchSubmitAckRetrievalTransaction",
    "COREEnvelopeBatchSubmissionAckRetrievalRequest",
    "COREEnvelopeBatchSubmissionAckRetrievalResponse",
    ProcessingMode.BATCH,
)
BATCH_RESULTS_RETRIEVAL = CoreOperation(
    "BatchResultsRetrievalTransaction",
    "COREEnvelopeBatchResultsRetrievalRequest",
    "COREEnvelopeBatchResultsRetrievalResponse",
    ProcessingMode.BATCH,
)
BATCH_RESULTS_ACK_SUBMIT = CoreOperation(
    "BatchResultsAckSubmitTransaction",
    "COREEnvelopeBatchResultsAckSubmission",
    "COREEnvelopeBatchResultsAckSubmissionResponse",
    ProcessingMode.BATCH,
)
OPERATIONS = (
    REAL_TIME,
    BATCH_SUBMIT,
    BATCH_SUBMIT_ACK_RETRIEVAL,
    BATCH_RESULTS_RETRIEVAL,
    BATCH_RESULTS_ACK_SUBMIT,
)
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_BY_ELEMENT = {
    f"{{{CORE_NAMESPACE}}}{name}": (operation, name == operation.response)
    for operation in OPERATIONS
    for name in (operation.request, operation.response)
}


@dataclass(frozen=True, kw_only=True)
class CoreEnvelope:
    """The metadata and payload every CORE envelope carries (ProcessingMode follows the
    operation)."""

    operation: CoreOperation
    payload_type: str
    payload_id: str
    timestamp: datetime
    sender_id: str
    receiver_id: str
    payload: str | None
    core_rule_version: str = CORE_RULE_VERSION

    @property
    def processing_mode(self) -> ProcessingMode:
        return self.operation.mode


@dataclass(frozen=True, kw_only=True)
class CoreRequest(CoreEnvelope):
    """A CORE request envelope, inbound or outbound."""


@dataclass(frozen=True, kw_only=True)
class CoreResponse(CoreEnvelope):
    """A CORE response envelope: it always carries ErrorCode and ErrorMessage."""

    error_code: str = SUCCESS
    error_message: str = "None"

    @property
    def succeeded(self) -> bool:
        return self.error_code == SUCCESS


def response_to(
    request: CoreRequest,
    *,
    timestamp: datetime,
    payload_type: str,
    payload: str | None,
    error_code: str = SUCCESS,
    error_message: str = "None",
) -> CoreResponse:
    """The answer to a request: same operation and PayloadID, sender and receiver swapped."""
    return CoreResponse(
        operation=request.operation,
        payload_type=payload_type,
        payload_id=request.payload_id,
        timestamp=timestamp,
        sender_id=request.receiver_id,
        receiver_id=request.sender_id,
        payload=payload,
        error_code=error_code,
        error_message=error_message,
    )


# --- building ------------------------------------------------------------------------------


def format_timestamp(value: datetime) -> str:
    """XML Schema dateTime in UTC, as the rule asks for TimeStamp."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_element(envelope: CoreEnvelope) -> etree._Element:
    """The envelope as its CORE XML element: qualified root, unqualified children in order."""
    operation = envelope.operation
    name = operation.response if isinstance(envelope, CoreResponse) else operation.request
    root = etree.Element(f"{{{CORE_NAMESPACE}}}{name}", nsmap={"cor": CORE_NAMESPACE})
    for tag, text in field_texts(envelope):
        etree.SubElement(root, tag).text = text
    return root


def field_texts(envelope: CoreEnvelope) -> list[tuple[str, str]]:
    batch = envelope.operation.is_batch
    raw = envelope.payload.encode("utf-8") if envelope.payload is not None else None
    fields: list[tuple[str, str | None]] = [
        ("PayloadType", envelope.payload_type),
        ("ProcessingMode", envelope.processing_mode.value),
        ("PayloadID", envelope.payload_id),
        ("PayloadLength", str(len(raw)) if batch and raw is not None else None),
        ("TimeStamp", format_timestamp(envelope.timestamp)),
        ("SenderID", envelope.sender_id),
        ("ReceiverID", envelope.receiver_id),
        ("CORERuleVersion", envelope.core_rule_version),
        ("CheckSum", _sha1(raw) if batch and raw is not None else None),
        ("Payload", _payload_text(envelope.payload, raw, batch)),
    ]
    if isinstance(envelope, CoreResponse):
        fields += [("ErrorCode", envelope.error_code), ("ErrorMessage", envelope.error_message)]
    return [(tag, text) for tag, text in fields if text is not None]


def _payload_text(payload: str | None, raw: bytes | None, batch: bool) -> str | None:
    if raw is None or not batch:
        return payload
    return base64.b64encode(raw).decode("ascii")


def _sha1(raw: bytes) -> str:
    """The rule's batch CheckSum (vC2.2.0: SHA-1), an integrity check, not a security one."""
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def to_bytes(envelope: CoreEnvelope) -> bytes:
    """The CORE element alone, serialized (UTF-8, no declaration)."""
    return bytes(etree.tostring(to_element(envelope), encoding="UTF-8"))


# --- parsing -------------------------------------------------------------------------------


def identify(element: etree._Element) -> tuple[CoreOperation, bool]:
    """The operation a CORE element belongs to and whether it is a response; anything else in
    a SOAP body is not a CORE envelope (a Sender fault)."""
    found = _BY_ELEMENT.get(element.tag) if isinstance(element.tag, str) else None
    if found is None:
        raise SoapFault(FaultCode.SENDER, "The SOAP Body does not hold a CORE vC2.2.0 envelope")
    return found


def from_element(element: etree._Element) -> CoreRequest | CoreResponse:
    """A validated envelope, or CoreEnvelopeError naming the CORE ErrorCode for its problem."""
    operation, is_response = identify(element)
    validate_envelope(element)
    texts = {child.tag: child.text or "" for child in element if isinstance(child.tag, str)}
    request = CoreRequest(
        operation=operation,
        payload_type=texts["PayloadType"],
        payload_id=texts["PayloadID"],
        timestamp=_timestamp(texts["TimeStamp"]),
        sender_id=texts["SenderID"],
        receiver_id=texts["ReceiverID"],
        payload=_payload(texts, operation.is_batch),
        core_rule_version=texts["CORERuleVersion"],
    )
    if not is_response:
        return request
    return CoreResponse(
        **vars(request), error_code=texts["ErrorCode"], error_message=texts["ErrorMessage"]
    )


def _timestamp(text: str) -> datetime:
    """The TimeStamp as an aware instant; one without an offset is read as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CoreEnvelopeError(
            "TimeStampIllegal", "TimeStamp is not a date and time", "TimeStamp"
        ) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _payload(texts: dict[str, str], batch: bool) -> str | None:
    if "Payload" not in texts:
        return None
    if not batch:
        return texts["Payload"]
    raw = _decoded(texts["Payload"])
    if "PayloadLength" in texts and int(texts["PayloadLength"]) != len(raw):
        raise CoreEnvelopeError(
            "PayloadLengthIllegal", "PayloadLength is not the payload's length", "PayloadLength"
        )
    if "CheckSum" in texts and texts["CheckSum"].lower() != _sha1(raw):
        raise CoreEnvelopeError(
            "CheckSumIllegal", "CheckSum does not match the payload", "CheckSum"
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CoreEnvelopeError("PayloadIllegal", "Payload is not UTF-8 text", "Payload") from None


def _decoded(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except binascii.Error:
        raise CoreEnvelopeError("PayloadIllegal", "Payload is not base64", "Payload") from None


def echo_request(element: etree._Element, *, timestamp: datetime, fallback_id: str) -> CoreRequest:
    """A request made of whatever an invalid envelope's fields allow, to address the error
    answer: its PayloadID when it is a UUID (else a new one), its sender and receiver."""
    operation, _ = identify(element)
    texts = {
        child.tag: (child.text or "").strip() for child in element if isinstance(child.tag, str)
    }
    return CoreRequest(
        operation=operation,
        payload_type=PayloadType.CORE_ENVELOPE_ERROR,
        payload_id=_uuid_or_new(texts.get("PayloadID", "")),
        timestamp=timestamp,
        sender_id=texts.get("SenderID") or "Unknown",
        receiver_id=texts.get("ReceiverID") or fallback_id,
        payload=None,
    )


def _uuid_or_new(text: str) -> str:
    return text if _UUID.fullmatch(text) else str(uuid.uuid4())
