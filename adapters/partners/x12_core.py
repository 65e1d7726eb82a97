"""X12_CORE: payers reached with the 278 (005010X217) in a CAQH CORE vC2.2.0 real-time SOAP
envelope (`adapters.soap.client.CoreClient`, zeep, WS-Security UsernameToken).

- submit: the 278 request with PayloadID = the outbox idempotency key, so a resend after a
  crash is the same envelope and a CORE partner answers it without opening a second case;
- inquire: toward a partner whose options say `inquiry: X215`, a 278 inquiry (005010X215)
  naming the review by its trace (the request number) and the payer's reference, carried
  under the 278 request PayloadType (CORE vC2.2.0 lists none of its own for X215; the
  receiver routes by GS08/ST03) and answered with an X215 response; toward the others the
  same 278 request again (same trace) under a new PayloadID, which a clearinghouse answers
  with the current decision;
- CORE errors and transport failures become `PartnerError` with the client's `retryable`; a
  999 or TA1 that rejects our 278 makes a submission REJECTED (an inquiry fails, final).

The client is synchronous (zeep, requests) and runs in a worker thread."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from adapters.soap.client import CoreClient, CoreConnection
from adapters.soap.codes import PayloadType
from adapters.soap.envelope import CoreResponse
from adapters.soap.errors import CoreCallError
from adapters.x12.ack999 import REJECTED_CODES, read_ta1s
from adapters.x12.envelope import parse_interchange
from adapters.x12.errors import X12Error
from adapters.x12.mapping import MappingError, X12Parties, to_278_request, to_partner_answer
from adapters.x12.mapping_inquiry import to_278_inquiry
from adapters.x12.reader import parse_999, parse_review_response
from domain.clock import Clock, SystemClock
from domain.partners.ports import AnswerKind, PartnerAnswer, PartnerError, PartnerRequest

REQUIRED_OPTIONS = ("endpoint_url", "sender_id", "receiver_id", "username", "password")
PATH_OPTIONS = ("client_cert_path", "client_key_path", "ca_bundle_path")
DEFAULT_TIMEOUT_SECONDS = 60.0
INQUIRY_BY_RESEND, INQUIRY_BY_X215 = "X217", "X215"  # option `inquiry`
INQUIRY_KINDS = (INQUIRY_BY_RESEND, INQUIRY_BY_X215)


@dataclass(frozen=True, slots=True)
class X12CoreSettings:
    connection: CoreConnection
    originator: str  # TRN03: the submitter's id for its trace numbers
    usage: str  # ISA15: P production, T test


def settings_from(options: Mapping[str, object]) -> X12CoreSettings:
    """The partner's configuration (its endpoint_url and options); a missing or bad value is a
    final error: retrying will not fix a configuration."""
    missing = [name for name in REQUIRED_OPTIONS if not options.get(name)]
    if missing:
        raise PartnerError(f"X12_CORE partner options lack {', '.join(missing)}", retryable=False)
    paths = {name: str(options[name]) for name in PATH_OPTIONS if options.get(name)}
    try:
        connection = CoreConnection(
            endpoint_url=str(options["endpoint_url"]),
            sender_id=str(options["sender_id"]),
            receiver_id=str(options["receiver_id"]),
            username=str(options["username"]),
            password=str(options["password"]),
            timeout_seconds=float(str(options.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS))),
            **paths,  # type: ignore[arg-type]
        )
    except ValueError as error:
        raise PartnerError(f"X12_CORE partner options: {error}", retryable=False) from error
    return X12CoreSettings(connection, originator_of(options), str(options.get("usage") or "P"))


def originator_of(options: Mapping[str, object]) -> str:
    """TRN03 of our traces: the option `originator`, else our CORE sender id (10 characters)."""
    return str(options.get("originator") or options.get("sender_id") or "")[:10]


class X12CorePartner:
    def __init__(self, options: Mapping[str, object], *, clock: Clock | None = None) -> None:
        self._options = dict(options)
        self._clock = clock or SystemClock()

    async def submit(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        return await self._exchange(request, idempotency_key, submitting=True)

    async def inquire(self, request: PartnerRequest) -> PartnerAnswer:
        inquiry = str(self._options.get("inquiry") or INQUIRY_BY_RESEND).upper()
        if inquiry not in INQUIRY_KINDS:
            raise PartnerError(
                f"X12_CORE partner option inquiry is one of {', '.join(INQUIRY_KINDS)}",
                retryable=False,
            )
        build = to_278_inquiry if inquiry == INQUIRY_BY_X215 else to_278_request
        return await self._exchange(request, uuid.uuid4(), submitting=False, build=build)

    async def cancel(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        raise PartnerError("Cancelling by 278 is not supported yet", retryable=False)

    async def provide_information(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer:
        raise PartnerError("Sending information by 278/275 is not supported yet", retryable=False)

    async def _exchange(
        self,
        request: PartnerRequest,
        payload_id: uuid.UUID,
        *,
        submitting: bool,
        build: Callable[..., bytes] = to_278_request,
    ) -> PartnerAnswer:
        settings = settings_from(self._options)
        parties = X12Parties(
            settings.connection.sender_id,
            settings.connection.receiver_id,
            payload_id.int % 1_000_000_000,  # ISA13: the same for a resend of the same payload
            self._clock.now(),
            settings.usage,
        )
        try:
            data = build(request, parties, originator=settings.originator)
        except (MappingError, X12Error) as error:
            raise PartnerError(
                f"The request cannot be sent as a 278: {error}", retryable=False
            ) from error
        response = await asyncio.to_thread(self._send, settings, payload_id, data.decode())
        return read_answer(response, submitting=submitting)

    def _send(self, settings: X12CoreSettings, payload_id: uuid.UUID, payload: str) -> CoreResponse:
        try:
            client = CoreClient(settings.connection, clock=self._clock)
            return client.real_time(payload_id=payload_id, payload=payload)
        except CoreCallError as error:
            raise PartnerError(error.message, retryable=error.retryable) from error


def read_answer(response: CoreResponse, *, submitting: bool) -> PartnerAnswer:
    """The partner's answer in the CORE response's payload: a 278, or a 999/TA1 about ours."""
    payload = response.payload or ""
    try:
        if response.payload_type == PayloadType.X12_278_RESPONSE:
            return to_partner_answer(parse_review_response(payload))
        refusal = _acknowledgment_refusal(response.payload_type, payload)
    except X12Error as error:
        raise PartnerError(
            f"The partner's X12 could not be read: {error}", retryable=False
        ) from error
    if refusal is None:
        return PartnerAnswer(AnswerKind.RECEIVED)
    if not submitting:
        raise PartnerError(refusal, retryable=False)
    return PartnerAnswer(AnswerKind.REJECTED, reason=refusal)


def _acknowledgment_refusal(payload_type: str, payload: str) -> str | None:
    """Why a 999 or TA1 rejected our 278, or None when it accepted it."""
    if payload_type == PayloadType.X12_999_RESPONSE:
        ack = parse_999(payload)
        if ack.code not in REJECTED_CODES:
            return None
        errors = [
            f"{e.segment_id} at {e.position} ({e.code})"
            for r in ack.responses
            for e in r.segment_errors
        ]
        return f"999 {ack.code}: the payer could not read our 278" + (
            f": {', '.join(errors)}" if errors else ""
        )
    ta1s = read_ta1s(parse_interchange(payload))
    rejected = [t for t in ta1s if t.acknowledgment == "R"]
    return f"TA1 R: the interchange was refused (note {rejected[0].note})" if rejected else None
