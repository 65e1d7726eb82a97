"""The CORE vC2.2.0 SOAP endpoint: `POST /soap/core` and `GET /soap/core?wsdl`, mounted with
one call to `core_soap_routes`. Nothing from a refused request reaches the handler."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.observability import correlation_id_var
from adapters.soap.codes import CORE_CODES, CORE_RULE_VERSION, PayloadType
from adapters.soap.contract import XSD_NAME, core_schema, served_wsdl, served_xsd
from adapters.soap.envelope import (
    CoreOperation,
    CoreRequest,
    CoreResponse,
    echo_request,
    from_element,
    identify,
    response_to,
    to_element,
)
from adapters.soap.errors import CoreEnvelopeError, FaultCode, SoapFault, to_core_error
from adapters.soap.parsing import parse_document
from adapters.soap.ports import CoreAnswer, CoreAuthenticator, CorePayloadHandler
from adapters.soap.soap12 import (
    CONTENT_TYPE,
    SoapMessage,
    check_must_understand,
    envelope_bytes,
    fault_element,
    read_message,
    username_token,
)
from domain.clock import Clock, SystemClock
from domain.errors import DomainError

log = logging.getLogger("carebridge.soap")

PATH = "/soap/core"
# Operations not listed accept any PayloadType and leave the choice to the handler.
DEFAULT_PAYLOAD_TYPES: Mapping[str, frozenset[str]] = {
    "RealTimeTransaction": frozenset({PayloadType.X12_278_REQUEST}),
}


def core_soap_routes(
    handler: CorePayloadHandler,
    authenticator: CoreAuthenticator,
    *,
    max_body_bytes: int,
    wsdl_address: str,
    receiver_id: str,
    clock: Clock | None = None,
    payload_types: Mapping[str, frozenset[str]] = DEFAULT_PAYLOAD_TYPES,
) -> list[Route]:
    """The routes to mount: `wsdl_address` is the public URL of `/soap/core` (it goes into the
    served WSDL); `receiver_id` is our CORE identifier, which requests must be addressed to."""
    endpoint = CoreSoapEndpoint(
        handler,
        authenticator,
        max_body_bytes=max_body_bytes,
        wsdl_address=wsdl_address,
        receiver_id=receiver_id,
        clock=clock or SystemClock(),
        payload_types=payload_types,
    )
    return [Route(PATH, endpoint.respond, methods=["GET", "POST"])]


class CoreSoapEndpoint:
    def __init__(
        self,
        handler: CorePayloadHandler,
        authenticator: CoreAuthenticator,
        *,
        max_body_bytes: int,
        wsdl_address: str,
        receiver_id: str,
        clock: Clock,
        payload_types: Mapping[str, frozenset[str]],
    ) -> None:
        self._handler = handler
        self._authenticator = authenticator
        self._max_body_bytes = max_body_bytes
        self._wsdl_address = wsdl_address
        self._receiver_id = receiver_id
        self._clock = clock
        self._payload_types = payload_types

    async def respond(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return self._contract(request)
        body = await _read_capped(request, self._max_body_bytes)
        if body is None:
            too_large = SoapFault(
                FaultCode.SENDER, f"The message is larger than {self._max_body_bytes} bytes"
            )
            return _fault_response(too_large, status=413)
        try:
            return _soap_response(await self._answer(body, request))
        except SoapFault as fault:
            log.info("core envelope refused with a fault", extra={"fault": str(fault.code)})
            return _fault_response(fault)

    def _contract(self, request: Request) -> Response:
        if "wsdl" in request.query_params:
            schema_url = f"{self._wsdl_address}?xsd={XSD_NAME}"
            return Response(served_wsdl(self._wsdl_address, schema_url), media_type="text/xml")
        if request.query_params.get("xsd") == XSD_NAME:
            return Response(served_xsd(), media_type="text/xml")
        return Response("Ask for ?wsdl, or POST a SOAP 1.2 envelope", status_code=404)

    async def _answer(self, body: bytes, request: Request) -> CoreResponse:
        message = read_message(parse_document(body, max_bytes=self._max_body_bytes))
        check_must_understand(message.header)
        operation, is_response = identify(message.body)
        if is_response:
            raise SoapFault(FaultCode.SENDER, "This endpoint takes CORE requests, not responses")
        _check_action(request.headers.get("content-type", ""), operation)
        submitter = await self._authenticate(message)
        try:
            if submitter is None:
                raise CoreEnvelopeError("UnAuthorized", CORE_CODES["UnAuthorized"].meaning)
            envelope = from_element(message.body)
            if isinstance(envelope, CoreResponse):  # identify() has refused these already
                raise SoapFault(FaultCode.SENDER, "This endpoint takes CORE requests")
            self._check(envelope)
        except CoreEnvelopeError as error:
            return self._refusal(message, error)
        return await self._handle(envelope, submitter)

    async def _authenticate(self, message: SoapMessage) -> str | None:
        token = username_token(message.header)
        if token is None:
            return None
        try:
            return await self._authenticator.authenticate(token)
        except Exception:
            raise _internal_error("core authenticator failed") from None

    def _check(self, envelope: CoreRequest) -> None:
        """What our XSD cannot know: the version, payload types and receiver we accept."""
        if envelope.core_rule_version != CORE_RULE_VERSION:
            raise CoreEnvelopeError(
                "VersionMismatch", f"This receiver accepts CORERuleVersion {CORE_RULE_VERSION}"
            )
        accepted = self._payload_types.get(envelope.operation.name)
        if accepted is not None and envelope.payload_type not in accepted:
            raise CoreEnvelopeError(
                "PayloadTypeIllegal", "This PayloadType is not accepted here", "PayloadType"
            )
        if envelope.receiver_id != self._receiver_id:
            raise CoreEnvelopeError(
                "ReceiverIDIllegal", "The envelope is not addressed to this receiver", "ReceiverID"
            )

    def _refusal(self, message: SoapMessage, error: CoreEnvelopeError) -> CoreResponse:
        log.info("core envelope refused", extra={"core_error_code": error.code})
        now = self._now()
        echo = echo_request(message.body, timestamp=now, fallback_id=self._receiver_id)
        return response_to(
            echo,
            timestamp=now,
            payload_type=PayloadType.CORE_ENVELOPE_ERROR,
            payload=None,
            error_code=error.code,
            error_message=error.message,
        )

    async def _handle(self, envelope: CoreRequest, submitter: str) -> CoreResponse:
        try:
            answer = await self._handler.handle(envelope, submitter=submitter)
        except DomainError as error:
            answer = CoreAnswer(PayloadType.CORE_ENVELOPE_ERROR, None, *_code_and_message(error))
        except Exception:
            raise _internal_error("core handler failed") from None
        return response_to(envelope, timestamp=self._now(), **answer._asdict())

    def _now(self) -> datetime:
        return self._clock.now()


def _internal_error(what: str) -> SoapFault:
    """Logs the exception being handled under a correlation id, which the fault quotes."""
    correlation_id = correlation_id_var.get() or uuid.uuid4().hex
    log.exception(what, extra={"correlation_id": correlation_id})
    return SoapFault(
        FaultCode.RECEIVER, f"Internal error; quote correlation id {correlation_id} to support"
    )


def _code_and_message(error: DomainError) -> tuple[str, str]:
    core = to_core_error(error)
    return core.code, core.message


def _check_action(content_type: str, operation: CoreOperation) -> None:
    """SOAP 1.2 carries the soapAction as the media type's `action` parameter; when it is
    sent it must name the operation of the body's element."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "action" and value.strip('"') != operation.name:
            raise SoapFault(FaultCode.SENDER, "The SOAP action does not match the CORE envelope")


async def _read_capped(request: Request, max_bytes: int) -> bytes | None:
    """The body, or None as soon as it grows past the cap (the rest is never buffered)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _soap_response(envelope: CoreResponse) -> Response:
    element = to_element(envelope)
    if not core_schema().validate(element):
        # Our own answer breaks our schema: the handler returned something CORE cannot carry.
        log.error("core response failed our schema", extra={"operation": envelope.operation.name})
        return _fault_response(
            SoapFault(FaultCode.RECEIVER, "The receiver built an invalid answer")
        )
    return Response(envelope_bytes(element), media_type=CONTENT_TYPE)


def _fault_response(fault: SoapFault, status: int | None = None) -> Response:
    body = envelope_bytes(fault_element(fault))
    return Response(body, status_code=status or fault.code.http_status, media_type=CONTENT_TYPE)
