"""FHIR_PAS: payers that speak Da Vinci PAS. `POST {endpoint}/Claim/$submit` with the Request
Bundle (its identifier is the outbox idempotency key, so a resend is recognisable),
`POST {endpoint}/Claim/$inquire` with an Inquiry Bundle, and a cancel as a Claim Update with
status cancelled through `$submit`. Timeouts, connection errors, 408, 429 and 5xx are
retryable PartnerErrors; other 4xx are final, with the OperationOutcome's text."""

from __future__ import annotations

import functools
import ssl
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import certifi
import httpx
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome

from adapters.fhir.pas import (
    FHIR_JSON,
    PasMappingError,
    dump,
    from_pas_response,
    outcome_text,
    parse_resource,
    to_inquiry_bundle,
    to_pas_bundle,
)
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, PartnerAnswer, PartnerError, PartnerRequest

DEFAULT_TIMEOUT_SECONDS = 60.0
_RETRY_LATER = frozenset({408, 429})


@dataclass(frozen=True, kw_only=True)
class PasConnection:
    """How to reach one payer's PAS endpoint (the FHIR base, e.g. https://payer/fhir)."""

    endpoint: str
    bearer_token: str | None = field(default=None, repr=False)
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def __post_init__(self) -> None:
        url = httpx.URL(self.endpoint)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("The PAS endpoint must be an absolute http(s) URL")
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> PasConnection:
        """From a TradingPartner: `endpoint_url`, and options `bearer_token`, `timeout_seconds`."""
        endpoint, token = options.get("endpoint_url"), options.get("bearer_token")
        timeout = options.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
        if not isinstance(endpoint, str) or not isinstance(timeout, int | float):
            raise ValueError("A FHIR_PAS partner needs an endpoint_url and a numeric timeout")
        return cls(
            endpoint=endpoint,
            bearer_token=token if isinstance(token, str) else None,
            timeout_seconds=float(timeout),
        )


class PasPartner:
    def __init__(self, connection: PasConnection | Mapping[str, object]) -> None:
        """A connection, or a TradingPartner's options: those are checked when first used, so
        a misconfigured partner fails its exchange (recorded, not retried) like any other."""
        self._connection = connection

    @property
    def connection(self) -> PasConnection:
        if not isinstance(self._connection, PasConnection):
            try:
                self._connection = PasConnection.from_options(self._connection)
            except ValueError as error:
                raise PartnerError(str(error), retryable=False) from None
        return self._connection

    async def submit(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        return await self._post("$submit", to_pas_bundle(request, bundle_id=idempotency_key))

    async def inquire(self, request: PartnerRequest) -> PartnerAnswer:
        return await self._post("$inquire", to_inquiry_bundle(request, bundle_id=uuid.uuid4()))

    async def cancel(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        bundle = to_pas_bundle(request, bundle_id=idempotency_key, cancel=True)
        answer = await self._post("$submit", bundle)
        cancelled = all(line.review_action is ReviewAction.CANCELLED for line in answer.lines)
        if answer.kind is AnswerKind.DECIDED and answer.lines and cancelled:
            return PartnerAnswer(AnswerKind.CANCELLED, answer.payer_reference, answer.lines)
        return answer

    async def provide_information(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer:
        # PAS sends additional information as CDex attachments; not built yet.
        raise PartnerError(
            "Sending additional information over PAS is not supported yet", retryable=False
        )

    async def _post(self, operation: str, bundle: Bundle) -> PartnerAnswer:
        connection = self.connection
        url = f"{connection.endpoint.rstrip('/')}/Claim/{operation}"
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        if connection.bearer_token:
            headers["Authorization"] = f"Bearer {connection.bearer_token}"
        timeout = connection.timeout_seconds
        try:
            async with httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=_tls()
            ) as http:
                response = await http.post(url, content=dump(bundle), headers=headers)
        except httpx.TimeoutException:
            message = f"The payer did not answer within {timeout:g} s"
            raise PartnerError(message, retryable=True) from None
        except httpx.TransportError as error:
            raise PartnerError(f"The payer could not be reached: {error}", retryable=True) from None
        return _answer(operation, response)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every exchange: loading the CA bundle for each call cost more
    than the call itself."""
    return ssl.create_default_context(cafile=certifi.where())


def _answer(operation: str, response: httpx.Response) -> PartnerAnswer:
    status = response.status_code
    if status >= 500 or status in _RETRY_LATER:
        raise PartnerError(f"The payer answered {operation} with HTTP {status}", retryable=True)
    try:
        if status >= 400:
            outcome = parse_resource(response.content, "OperationOutcome")
            assert isinstance(outcome, OperationOutcome)
            raise PartnerError(
                f"The payer refused {operation} (HTTP {status}): {outcome_text(outcome)}",
                retryable=False,
            )
        return from_pas_response(parse_resource(response.content))
    except PasMappingError as error:
        said = f"HTTP {status}: " if status >= 400 else ""
        raise PartnerError(
            f"The payer's answer to {operation} is not usable: {said}{error.message}",
            retryable=False,
        ) from None
