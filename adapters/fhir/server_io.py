"""The edges of the /fhir server: reading a bounded body of the right content type, parsing it
into an R4B resource with the fault's FHIRPath, and answering FHIR JSON or one
OperationOutcome (NOTES §7: every 4xx carries exactly one)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
import pydantic
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.parameters import Parameters
from fhir.resources.R4B.resource import Resource
from starlette.requests import Request
from starlette.responses import Response

from adapters.fhir.formats import JSON_TYPES, media_type
from adapters.fhir.outcomes import outcome_response
from adapters.fhir.pas import FHIR_JSON, dump
from adapters.tokens import bearer_token
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.uow import UnitOfWork

_PARSE_ERRORS = (ValueError, TypeError, KeyError, RecursionError)


class FhirProblem(Exception):
    """Answered as HTTP `status` with one OperationOutcome issue."""

    def __init__(self, status: int, code: str, message: str, expression: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.expression = status, code, message, expression


def fhir_response(resource: Resource, status: int = 200) -> Response:
    return Response(dump(resource), status_code=status, media_type=FHIR_JSON)


def echoing_response(
    answer: Bundle,
    request: Bundle,
    source: dict[str, Any],
    known: Mapping[int, Any] | None = None,
) -> Response:
    """`fhir_response` of an answer that echoes parts of `request` (the very objects, as
    `to_pas_response` does: entries, and the Claim's identifiers, type, patient, insurer and
    provider in the ClaimResponse): those are written as the request's JSON `source` had
    them, which they were validated from, and the objects in `known` (by `id()`) as the JSON
    given there; only the rest is serialized, once."""
    document = echoing_document(answer, request, source, known)
    return fhir_response(answer) if document is None else document_response(document)


def echoing_document(
    answer: Bundle,
    request: Bundle,
    source: dict[str, Any],
    known: Mapping[int, Any] | None = None,
) -> dict[str, Any] | None:
    """The JSON object `echoing_response` writes, or None where the request's JSON does not
    have its entries (the answer is then serialized whole)."""
    sent = source.get("entry")
    given = request.entry or []
    if not isinstance(sent, list) or len(sent) != len(given):
        return None
    echoed = {id(entry): raw for entry, raw in zip(given, sent, strict=True)}
    parts = dict(known or {})
    if given and isinstance(sent[0], dict) and isinstance(sent[0].get("resource"), dict):
        parts.update(_element_sources(given[0].resource, sent[0]["resource"]))
    entries = [echoed.get(id(entry)) or _written(entry, parts) for entry in answer.entry or []]
    document: dict[str, Any] = _written(answer, {}, {"entry": entries or None})
    return document


def document_response(document: dict[str, Any]) -> Response:
    return Response(orjson.dumps(document), media_type=FHIR_JSON)


def _element_sources(resource: Any, raw: dict[str, Any]) -> dict[int, Any]:
    """The JSON of each element of `resource` (and each item of a list element) by `id()`."""
    found: dict[int, Any] = {}
    for name, info in type(resource).model_fields.items():
        value, sent = getattr(resource, name), raw.get(info.alias or name)
        if value is None or sent is None:
            continue
        found[id(value)] = sent
        if isinstance(value, list) and isinstance(sent, list) and len(value) == len(sent):
            found.update((id(v), s) for v, s in zip(value, sent, strict=True))
    return found


def _written(model: Any, parts: Mapping[int, Any], given: Mapping[str, Any] | None = None) -> Any:
    """A model's JSON: its elements found in `parts` (or named in `given`) as they are there,
    a resource inside it likewise, the rest serialized by fhir.resources; in element order."""
    if id(model) in parts:
        return parts[id(model)]
    fields = type(model).model_fields
    taken: dict[str, Any] = dict(given or {})
    for name in fields:
        value = getattr(model, name)
        if value is None or name in taken:
            continue
        if id(value) in parts or isinstance(value, Resource):
            taken[name] = _written(value, parts)
        elif isinstance(value, list) and any(id(v) in parts for v in value):
            taken[name] = [_written(v, parts) for v in value]
    rest = model.model_copy(update=dict.fromkeys(taken)) if taken else model
    data: dict[str, Any] = orjson.loads(rest.model_dump_json(exclude_none=True))
    data.update((fields[n].alias or n, v) for n, v in taken.items() if v is not None)
    order = {key: index for index, key in enumerate(model.elements_sequence())}
    return {
        key: data[key]
        for key in sorted(data, key=lambda k: (k != "resourceType", order.get(k.lstrip("_"), 999)))
    }


def problem_response(problem: FhirProblem) -> Response:
    return outcome_response(
        problem.status, problem.code, problem.message, expression=problem.expression
    )


def bearer_principal(request: Request) -> Principal:
    """The caller of a /fhir route from its bearer token (UNAUTHENTICATED without one)."""
    state = request.app.state
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Send 'Authorization: Bearer <token>'")
    principal: Principal = state.tokens.read(token, state.clock.now())
    return principal


def request_uow(request: Request) -> UnitOfWork:
    """A unit of work carrying the request's correlation id."""
    correlation = request.scope.get("state", {}).get("correlation_id")
    uow: UnitOfWork = request.app.state.database.uow_factory(correlation)()
    return uow


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The body, if JSON (415 otherwise) and at most `max_bytes` (413 otherwise)."""
    kind = media_type(request.headers.get("content-type"))
    if kind not in JSON_TYPES:
        raise FhirProblem(
            415,
            "not-supported",
            f"Send {FHIR_JSON} or application/fhir+xml, not {kind or 'nothing'}",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise _too_large(max_bytes)
    return bytes(body)


def _too_large(max_bytes: int) -> FhirProblem:
    return FhirProblem(413, "too-costly", f"The Bundle is larger than {max_bytes} bytes")


def parse_bundle(body: bytes, max_entries: int) -> Bundle:
    """A Bundle (or the Bundle of a `Parameters{resource}` some clients send), at most
    `max_entries` entries, with the first fault's FHIRPath."""
    return parse_bundle_source(body, max_entries)[0]


def parse_bundle_source(body: bytes, max_entries: int) -> tuple[Bundle, dict[str, Any]]:
    """`parse_bundle`, with the JSON it was validated from (for `echoing_response`)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise FhirProblem(400, "invalid", f"The body is not JSON: {error}") from None
    kind = data.get("resourceType") if isinstance(data, dict) else None
    if kind == "Parameters":
        data = _wrapped(data)
        kind = data.get("resourceType")
    if kind != "Bundle":
        raise FhirProblem(400, "structure", f"Expected a Bundle, got {kind or 'no resourceType'}")
    entries = data.get("entry")
    if isinstance(entries, list) and len(entries) > max_entries:
        raise FhirProblem(413, "too-costly", f"The Bundle has more than {max_entries} entries")
    resource = _validated(kind, data)
    assert isinstance(resource, Bundle)
    return resource, data


def _wrapped(data: dict[str, Any]) -> dict[str, Any]:
    for parameter in data.get("parameter") or ():
        if isinstance(parameter, dict) and isinstance(parameter.get("resource"), dict):
            return dict(parameter["resource"])
    raise FhirProblem(400, "required", "The Parameters hold no resource", "Parameters.parameter")


def _validated(kind: str, data: dict[str, Any]) -> Resource:
    try:
        resource: Resource = get_fhir_model_class(kind).model_validate(data)  # type: ignore[assignment]
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        code = "required" if first.get("type") == "missing" else "structure"
        where = _path(kind, first.get("loc", ()))
        raise FhirProblem(
            400, code, f"Invalid {kind} at {where}: {first.get('msg')}", where
        ) from None
    except _PARSE_ERRORS as error:
        raise FhirProblem(400, "structure", f"Invalid {kind}: {str(error)[:300]}") from None
    return resource


def _path(kind: str, location: tuple[Any, ...] | list[Any]) -> str:
    """pydantic's location as FHIRPath: ("entry", 1, "resource", "birthDate") ->
    Bundle.entry[1].resource.birthDate."""
    path = kind
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part) not in ("function-after", "function-before", "function-wrap"):
            path += f".{part}"
    return path


def inquiry_result(bundles: list[Bundle]) -> Parameters:
    """2.2.x `$inquire`: one `return` per matching Response Bundle."""
    return Parameters(parameter=[{"name": "return", "resource": b} for b in bundles] or None)
