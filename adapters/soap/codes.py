"""The CORE envelope vocabulary as data: payload types, rule version, and the ErrorCode values
we send and understand, each with its meaning and whether the sender should try again later.

CORE vC2.2.0 names a field's envelope errors after the field: `<Field>Required` (absent or
empty) and `<Field>Illegal` (present, but not an allowed value)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CORE_RULE_VERSION = "2.2.0"


class PayloadType(StrEnum):
    """The PayloadType values this service sends or accepts (CORE payload type table)."""

    X12_278_REQUEST = "X12_278_Request_005010X217E1_2"
    X12_278_RESPONSE = "X12_278_Response_005010X217E1_2"
    X12_999_RESPONSE = "X12_999_Response_005010X231A1"
    X12_TA1_RESPONSE = "X12_TA1_Response_00501X231A1"
    CORE_ENVELOPE_ERROR = "COREEnvelopeError"


class ProcessingMode(StrEnum):
    REAL_TIME = "RealTime"
    BATCH = "Batch"


# The envelope's metadata fields, in the rule's order; each has a Required and an Illegal code.
METADATA_FIELDS = (
    "PayloadType",
    "ProcessingMode",
    "PayloadID",
    "PayloadLength",
    "TimeStamp",
    "SenderID",
    "ReceiverID",
    "CORERuleVersion",
    "CheckSum",
    "Payload",
)


@dataclass(frozen=True)
class CoreCode:
    """One ErrorCode value: what it means and whether the same request may succeed later."""

    code: str
    meaning: str
    retryable: bool = False


def _field_codes() -> dict[str, CoreCode]:
    codes: dict[str, CoreCode] = {}
    for field in METADATA_FIELDS:
        codes[f"{field}Required"] = CoreCode(
            f"{field}Required", f"{field} is required but was absent or empty"
        )
        codes[f"{field}Illegal"] = CoreCode(
            f"{field}Illegal", f"the value of {field} is not allowed"
        )
    return codes


CORE_CODES: dict[str, CoreCode] = {
    "Success": CoreCode("Success", "the envelope was processed"),
    **_field_codes(),
    "VersionMismatch": CoreCode(
        "VersionMismatch", "the receiver does not accept this CORERuleVersion"
    ),
    "UnAuthorized": CoreCode(
        "UnAuthorized", "the submitter could not be authenticated or may not send this"
    ),
    "Sender": CoreCode("Sender", "the message is malformed; correct it before sending again"),
    "Receiver": CoreCode(
        "Receiver", "the receiver could not process the message now; try again later", True
    ),
}

SUCCESS = "Success"
# Other spellings seen from trading partners, read as the code they mean.
_ALIASES = {"unauthorized": "UnAuthorized", "serverbusy": "Receiver"}


def core_code(code: str) -> CoreCode:
    """The meaning of an ErrorCode we received; an unknown code is a final error."""
    known = CORE_CODES.get(code) or CORE_CODES.get(_ALIASES.get(code.lower(), ""))
    return known or CoreCode(code, "an error code this service does not know")


def required(field: str) -> str:
    return CORE_CODES[f"{field}Required"].code


def illegal(field: str) -> str:
    return CORE_CODES[f"{field}Illegal"].code
