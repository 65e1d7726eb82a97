"""The ports the CORE endpoint needs from the domain: who is sending, and what to answer."""

from __future__ import annotations

from typing import NamedTuple, Protocol

from adapters.soap.codes import SUCCESS
from adapters.soap.envelope import CoreRequest
from adapters.soap.soap12 import UsernameToken


class CoreAnswer(NamedTuple):
    """What the handler answers: the response's PayloadType and payload (X12 text), and its
    CORE ErrorCode and ErrorMessage (Success unless the envelope itself is refused)."""

    payload_type: str
    payload: str | None
    error_code: str = SUCCESS
    error_message: str = "None"


class CoreAuthenticator(Protocol):
    async def authenticate(self, token: UsernameToken) -> str | None:
        """The submitter's identity when the UsernameToken's username and password are right
        (compare their UTF-8 bytes in constant time: hmac.compare_digest refuses non-ASCII
        str), or None."""
        ...


class CorePayloadHandler(Protocol):
    async def handle(self, request: CoreRequest, *, submitter: str) -> CoreAnswer:
        """The answer to a valid, authenticated request envelope. A DomainError raised here
        is answered through `to_core_error`; X12 problems belong in the payload (999, TA1,
        or a 278 with AAA), not in the envelope's ErrorCode."""
        ...
