"""Small typed builders and readers of the FHIR R4B elements PAS resources are made of."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.reference import Reference


def concept(system: str, code: str, display: str | None = None) -> CodeableConcept:
    return CodeableConcept(coding=[Coding(system=system, code=code, display=display)])


def extension(url: str, **value: Any) -> Extension:
    """`extension(URL, valueString="x")`: one value[x] named by its keyword."""
    return Extension(url=url, **value)


def identifier(system: str, value: str) -> Identifier:
    return Identifier(system=system, value=value)


def reference(full_url: str) -> Reference:
    return Reference(reference=full_url)


def profile(url: str) -> Meta:
    return Meta(profile=[url])


def full_url(request_id: uuid.UUID, role: str) -> str:
    """A stable urn:uuid per request and role, so a resend carries the same fullUrls."""
    return f"urn:uuid:{uuid.uuid5(request_id, role)}"


def find(extensions: Iterable[Extension] | None, *urls: str) -> list[Extension]:
    return [e for e in extensions or () if e.url in urls]


def first(extensions: Iterable[Extension] | None, *urls: str) -> Extension | None:
    found = find(extensions, *urls)
    return found[0] if found else None


def code_of(value: CodeableConcept | None, system: str | None = None) -> str | None:
    """The first coding's code (of `system` when given)."""
    for coding in (value.coding if value is not None else None) or ():
        if system is None or coding.system == system:
            return coding.code
    return None


def as_date(value: date | datetime | str | None) -> date | None:
    """A FHIR date or dateTime (R4B keeps either) as the calendar date it names."""
    if value is None or isinstance(value, datetime):
        return value.date() if isinstance(value, datetime) else None
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
