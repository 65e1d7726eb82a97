"""Da Vinci PAS mapping, in one place: the domain's PartnerRequest to PAS Request and Inquiry
Bundles (`pas_request`), PAS responses to PartnerAnswer (`pas_answer`) and back
(`pas_response`, used by the simulated payer), all with fhir.resources R4B models. The code
tables are in `pas_codes`. This module adds the JSON edges: parsing untrusted bytes into R4B
resources and writing them out."""

from __future__ import annotations

from typing import Any

import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource

from adapters.fhir.pas_answer import PasMappingError, claim_response_in, from_pas_response
from adapters.fhir.pas_request import to_inquiry_bundle, to_pas_bundle
from adapters.fhir.pas_response import to_pas_response

__all__ = [
    "FHIR_JSON",
    "PasMappingError",
    "claim_response_in",
    "dump",
    "from_pas_response",
    "outcome_text",
    "parse_resource",
    "to_inquiry_bundle",
    "to_pas_bundle",
    "to_pas_response",
]

FHIR_JSON = "application/fhir+json"
# What parsing untrusted JSON into fhir.resources may raise besides ValidationError: an
# unknown resourceType inside a Bundle is a KeyError, deep nesting a RecursionError.
_PARSE_ERRORS = (pydantic.ValidationError, ValueError, TypeError, KeyError, RecursionError)


def parse_resource(body: bytes, *expected: str) -> Resource:
    """An R4B resource from JSON bytes, of one of the `expected` types when given."""
    try:
        data: Any = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise PasMappingError(f"Not JSON: {error}") from None
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if not isinstance(kind, str) or (expected and kind not in expected):
        wanted = " or ".join(expected) or "a FHIR resource"
        raise PasMappingError(f"Expected {wanted}, got {kind or 'no resourceType'}")
    try:
        resource: Resource = get_fhir_model_class(kind).model_validate(data)  # type: ignore[assignment]
    except _PARSE_ERRORS as error:
        raise PasMappingError(f"Invalid {kind}: {str(error)[:300]}") from None
    return resource


def dump(resource: Resource) -> bytes:
    return resource.model_dump_json(exclude_none=True).encode()


def outcome_text(outcome: OperationOutcome) -> str:
    """What an OperationOutcome says, issue by issue."""
    said = [
        issue.diagnostics or (issue.details.text if issue.details else None) or issue.code
        for issue in outcome.issue or ()
    ]
    return "; ".join(s for s in said if s) or "The payer refused the request"
