"""FHIR error answers: one OperationOutcome per response, with the HTTP status and issue code
that fit, from a DomainError or from what the adapter found wrong with the input."""

from __future__ import annotations

from fhir.resources.R4B.operationoutcome import OperationOutcome, OperationOutcomeIssue
from starlette.responses import Response

from adapters.fhir.pas import FHIR_JSON, dump
from domain.errors import DomainError, ErrorCode

# DomainError code -> (HTTP status, OperationOutcome issue code)
_BY_CODE: dict[ErrorCode, tuple[int, str]] = {
    ErrorCode.UNAUTHENTICATED: (401, "login"),
    ErrorCode.FORBIDDEN: (403, "forbidden"),
    ErrorCode.NOT_FOUND: (404, "not-found"),
    ErrorCode.DUPLICATE: (409, "duplicate"),
    ErrorCode.CONFLICT: (409, "conflict"),
    ErrorCode.LIMIT_EXCEEDED: (422, "too-costly"),
    ErrorCode.REQUIRED: (422, "required"),
}


def outcome_response(
    status: int, code: str, message: str, *, expression: str | None = None
) -> Response:
    issue = OperationOutcomeIssue(
        severity="error",
        code=code,
        diagnostics=message,
        expression=[expression] if expression else None,
    )
    body = OperationOutcome(issue=[issue])
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return Response(dump(body), status_code=status, media_type=FHIR_JSON, headers=headers)


def domain_error_response(error: DomainError) -> Response:
    status, code = _BY_CODE.get(error.code, (422, "invalid"))
    return outcome_response(status, code, error.message, expression=error.field)
