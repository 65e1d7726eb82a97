"""A CORE vC2.2.0 client: zeep builds the SOAP 1.2 request from our WSDL, with a WS-Security
UsernameToken (PasswordText) and, optionally, a TLS client certificate; the answer is read with
our hardened parser and validated against our XSD. Every failure is a CoreCallError that says
whether the same request (same PayloadID, the idempotency key) may be retried.

One client per trading partner and thread: a requests Session is not meant to be shared."""

from __future__ import annotations

import base64
import functools
import uuid
from dataclasses import dataclass, field

import requests
import zeep
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsse.username import UsernameToken as ZeepUsernameToken

from adapters.soap.codes import PayloadType
from adapters.soap.contract import BINDING, WSDL_NAME, contract_file
from adapters.soap.envelope import (
    BATCH_RESULTS_ACK_SUBMIT,
    BATCH_RESULTS_RETRIEVAL,
    BATCH_SUBMIT,
    BATCH_SUBMIT_ACK_RETRIEVAL,
    REAL_TIME,
    CoreOperation,
    CoreRequest,
    CoreResponse,
    field_texts,
    from_element,
)
from adapters.soap.errors import CoreCallError, CoreEnvelopeError, FaultCode, SoapFault, rejected
from adapters.soap.parsing import parse_document
from adapters.soap.soap12 import read_fault, read_message
from domain.clock import Clock

# What may answer a real-time 278 request: the 278 response, or an X12 acknowledgement that
# says why the 278 could not be read.
REAL_TIME_RESPONSE_TYPES = frozenset(
    {PayloadType.X12_278_RESPONSE, PayloadType.X12_999_RESPONSE, PayloadType.X12_TA1_RESPONSE}
)
_RETRYABLE_STATUS = frozenset({408, 429})


@dataclass(frozen=True, kw_only=True)
class CoreConnection:
    """How to reach one trading partner's CORE endpoint (from its partner configuration)."""

    endpoint_url: str
    sender_id: str
    receiver_id: str
    username: str
    password: str = field(repr=False)
    client_cert_path: str | None = None
    client_key_path: str | None = None
    ca_bundle_path: str | None = None
    timeout_seconds: float = 60.0
    max_response_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        if self.client_key_path and not self.client_cert_path:
            raise ValueError("client_key_path needs client_cert_path")


@functools.cache
def _wsdl_document() -> Document:
    """Our WSDL, parsed once per process (it is read from the package, never the network)."""
    # zeep annotates the transport as a class, but it takes (and uses) an instance.
    transport = Transport()
    return Document(contract_file(WSDL_NAME), transport, settings=_zeep_settings())  # type: ignore[arg-type]


def _zeep_settings() -> zeep.Settings:
    return zeep.Settings(
        strict=True, raw_response=True, forbid_dtd=True, forbid_entities=True, xml_huge_tree=False
    )


def _session(connection: CoreConnection, session: requests.Session | None) -> requests.Session:
    """The HTTP session, with the client certificate for mutual TLS when one is configured."""
    session = session or requests.Session()
    if connection.client_cert_path:
        key = connection.client_key_path
        session.cert = (connection.client_cert_path, key) if key else connection.client_cert_path
    if connection.ca_bundle_path:
        session.verify = connection.ca_bundle_path
    return session


class CoreClient:
    def __init__(
        self, connection: CoreConnection, *, clock: Clock, session: requests.Session | None = None
    ) -> None:
        self._connection = connection
        self._clock = clock
        transport = Transport(
            session=_session(connection, session),
            timeout=connection.timeout_seconds,
            operation_timeout=connection.timeout_seconds,
        )
        client = zeep.Client(
            _wsdl_document(),
            transport=transport,
            settings=_zeep_settings(),
            wsse=ZeepUsernameToken(connection.username, connection.password),
        )
        self._service = client.create_service(BINDING, connection.endpoint_url)

    def real_time(
        self,
        *,
        payload_id: uuid.UUID,
        payload: str,
        payload_type: str = PayloadType.X12_278_REQUEST,
    ) -> CoreResponse:
        """Send one X12 request in real time; the answer's payload is the X12 response."""
        response = self._call(REAL_TIME, payload_id, payload_type, payload)
        if response.payload_type not in REAL_TIME_RESPONSE_TYPES:
            raise CoreCallError("The response has an unexpected PayloadType", retryable=False)
        return response

    def submit_batch(
        self, *, payload_id: uuid.UUID, payload: str, payload_type: str
    ) -> CoreResponse:
        """Upload a batch; the answer only acknowledges receipt (its 999 comes by retrieval)."""
        return self._call(BATCH_SUBMIT, payload_id, payload_type, payload)

    def retrieve_batch_ack(self, *, payload_id: uuid.UUID, payload_type: str) -> CoreResponse:
        """Poll for the acknowledgement (999/TA1) of a submitted batch."""
        return self._call(BATCH_SUBMIT_ACK_RETRIEVAL, payload_id, payload_type, None)

    def retrieve_batch_results(self, *, payload_id: uuid.UUID, payload_type: str) -> CoreResponse:
        """Poll for a batch's results (the response X12)."""
        return self._call(BATCH_RESULTS_RETRIEVAL, payload_id, payload_type, None)

    def submit_batch_results_ack(
        self, *, payload_id: uuid.UUID, payload: str, payload_type: str
    ) -> CoreResponse:
        """Send our acknowledgement (999) of retrieved batch results."""
        return self._call(BATCH_RESULTS_ACK_SUBMIT, payload_id, payload_type, payload)

    def _call(
        self,
        operation: CoreOperation,
        payload_id: uuid.UUID,
        payload_type: str,
        payload: str | None,
    ) -> CoreResponse:
        request = CoreRequest(
            operation=operation,
            payload_type=payload_type,
            payload_id=str(payload_id),
            timestamp=self._clock.now(),
            sender_id=self._connection.sender_id,
            receiver_id=self._connection.receiver_id,
            payload=payload,
        )
        try:
            http = getattr(self._service, operation.name)(**_zeep_arguments(request))
        except requests.Timeout as error:
            raise CoreCallError(
                "The CORE endpoint did not answer in time", retryable=True
            ) from error
        except requests.ConnectionError as error:
            raise CoreCallError("The CORE endpoint could not be reached", retryable=True) from error
        return _read_answer(http, request, self._connection.max_response_bytes)


def _zeep_arguments(request: CoreRequest) -> dict[str, object]:
    """The envelope's fields as zeep wants them: base64Binary as bytes, xs:int as int."""
    arguments: dict[str, object] = dict(field_texts(request))
    if request.operation.is_batch and "Payload" in arguments:
        arguments["Payload"] = base64.b64decode(str(arguments["Payload"]))
        arguments["PayloadLength"] = int(str(arguments["PayloadLength"]))
    return arguments


def _read_answer(http: requests.Response, request: CoreRequest, max_bytes: int) -> CoreResponse:
    """The validated response envelope, or the CoreCallError its HTTP status, fault or
    ErrorCode means."""
    status = http.status_code
    retryable = status >= 500 or status in _RETRYABLE_STATUS
    try:
        message = read_message(parse_document(http.content, max_bytes=max_bytes))
        fault = read_fault(message.body)
        if fault is not None:
            raise _fault_error(fault, status)
        response = from_element(message.body)
    except SoapFault as error:
        raise CoreCallError(
            f"HTTP {status}: the answer is not a CORE envelope", retryable=retryable, status=status
        ) from error
    except CoreEnvelopeError as error:
        raise CoreCallError(
            f"The answer breaks the CORE rule ({error.code})", retryable=False, status=status
        ) from error
    return _checked(response, request)


def _fault_error(fault: SoapFault, status: int) -> CoreCallError:
    retryable = fault.code is FaultCode.RECEIVER
    return CoreCallError(
        f"SOAP fault {fault.code}: {fault.reason}",
        retryable=retryable,
        code=str(fault.code),
        status=status,
    )


def _checked(response: CoreRequest | CoreResponse, request: CoreRequest) -> CoreResponse:
    if not isinstance(response, CoreResponse) or response.operation != request.operation:
        raise CoreCallError("The answer is not the response to this operation", retryable=False)
    if not response.succeeded:
        raise rejected(response.error_code, response.error_message)
    if response.payload_id != request.payload_id:
        raise CoreCallError("The answer echoes another PayloadID", retryable=False)
    return response
