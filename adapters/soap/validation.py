"""Validation of a CORE element against our XSD, and the translation of the schema's first
complaint into the CORE ErrorCode it means (`<Field>Required` / `<Field>Illegal`).

Our messages name the field, never the value sent: the value may be a member's data."""

from __future__ import annotations

import re

from lxml import etree

from adapters.soap.codes import METADATA_FIELDS
from adapters.soap.contract import core_schema
from adapters.soap.errors import CoreEnvelopeError, FaultCode, SoapFault

_ELEMENT = re.compile(r"^Element '(?:\{[^}]*\})?([A-Za-z]+)'")
_EXPECTED = re.compile(r"Expected is (?:one of )?\( ?(?:\{[^}]*\})?([A-Za-z]+)")
_FIELDS = set(METADATA_FIELDS) | {"ErrorCode", "ErrorMessage"}


def validate_envelope(element: etree._Element) -> None:
    """Nothing, or CoreEnvelopeError for the first problem our XSD finds (a SOAP fault when
    the problem names no envelope field, such as an element CORE does not define)."""
    schema = core_schema()
    if schema.validate(element):
        return
    errors = list(schema.error_log)
    raise _translate(errors[0].message if errors else "")


def _translate(message: str) -> CoreEnvelopeError | SoapFault:
    expected = _EXPECTED.search(message)
    if expected and expected.group(1) in _FIELDS:
        return _required(expected.group(1))
    element = _ELEMENT.match(message)
    field = element.group(1) if element else None
    if field not in _FIELDS or "not expected" in message:
        return SoapFault(
            FaultCode.SENDER, "The CORE envelope holds an element CORE does not define"
        )
    if "minLength" in message:
        return _required(field)
    return CoreEnvelopeError(f"{field}Illegal", f"{field} does not have an allowed value", field)


def _required(field: str) -> CoreEnvelopeError:
    return CoreEnvelopeError(
        f"{field}Required", f"{field} is required here (missing, empty or out of order)", field
    )
