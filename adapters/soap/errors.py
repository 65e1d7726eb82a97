"""The SOAP edge's errors: a CORE envelope error (answered in ErrorCode/ErrorMessage), a SOAP 1.2
fault (for messages that are not CORE envelopes at all), a client call's failure, and the one
mapping from domain errors to CORE codes."""

from __future__ import annotations

from enum import StrEnum

from adapters.soap.codes import CORE_CODES, core_code
from domain.errors import DomainError, ErrorCode


class CoreEnvelopeError(Exception):
    """A CORE envelope that breaks the rule; `code` is its CORE ErrorCode, `field` the
    metadata element at fault, if one is."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"CoreEnvelopeError({self.code!r}, {self.message!r}, field={self.field!r})"


class FaultCode(StrEnum):
    """SOAP 1.2 fault codes (the env: prefix is the SOAP 1.2 envelope namespace)."""

    VERSION_MISMATCH = "VersionMismatch"
    MUST_UNDERSTAND = "MustUnderstand"
    SENDER = "Sender"
    RECEIVER = "Receiver"

    @property
    def http_status(self) -> int:
        """500 only when the receiver failed. The SOAP 1.2 HTTP binding also gives 500 to
        VersionMismatch and MustUnderstand, but those are the sender's to fix, and generic
        clients retry a 5xx: they get 400, like a Sender fault."""
        return 500 if self is FaultCode.RECEIVER else 400


class SoapFault(Exception):
    """A SOAP 1.2 fault: the message could not be read as a CORE envelope, or the receiver
    failed. `subcode` is a qualified name in Clark notation ({namespace}local), if any."""

    def __init__(self, code: FaultCode, reason: str, subcode: str | None = None) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.subcode = subcode

    def __repr__(self) -> str:
        return f"SoapFault({self.code!s}, {self.reason!r}, subcode={self.subcode!r})"


class CoreCallError(Exception):
    """A CORE call that did not succeed. `retryable` says whether the same request (same
    PayloadID) may succeed later: timeouts, connection errors, HTTP 5xx, receiver faults and
    CORE codes meaning "try later"; everything else is final."""

    def __init__(
        self, message: str, *, retryable: bool, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.code = code
        self.status = status

    def __repr__(self) -> str:
        return (
            f"CoreCallError({self.message!r}, retryable={self.retryable},"
            f" code={self.code!r}, status={self.status!r})"
        )


def rejected(code: str, message: str) -> CoreCallError:
    """A CORE response whose ErrorCode is not Success, retryable as its code says."""
    return CoreCallError(message, retryable=core_code(code).retryable, code=code)


_DOMAIN_TO_CORE = {
    ErrorCode.UNAUTHENTICATED: "UnAuthorized",
    ErrorCode.FORBIDDEN: "UnAuthorized",
    ErrorCode.CONFLICT: "Receiver",
    ErrorCode.LIMIT_EXCEEDED: "Receiver",
    ErrorCode.INTERNAL: "Receiver",
}


def to_core_error(error: DomainError) -> CoreEnvelopeError:
    """The CORE answer for a domain error raised while handling an envelope. Problems in the
    X12 content travel in the payload (999, TA1 or a 278 with AAA), so a domain error that
    reaches the envelope is about the sender as a whole: authorisation, or "try again later"."""
    code = _DOMAIN_TO_CORE.get(error.code, "Sender")
    return CoreEnvelopeError(code, CORE_CODES[code].meaning)
