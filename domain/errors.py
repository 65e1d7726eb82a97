"""Typed domain errors: every edge maps them with one function (to_user_errors, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class ErrorCode(StrEnum):
    """Stable error codes; each has a line in docs/errors.md."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    DUPLICATE = "DUPLICATE"
    CONFLICT = "CONFLICT"
    INVALID_NPI = "INVALID_NPI"
    INVALID_PERIOD = "INVALID_PERIOD"
    INVALID_COORDINATES = "INVALID_COORDINATES"
    ILLEGAL_TRANSITION = "ILLEGAL_TRANSITION"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    CASE_CLOSED = "CASE_CLOSED"
    CASES_STILL_OPEN = "CASES_STILL_OPEN"
    SUPERVISOR_REQUIRED = "SUPERVISOR_REQUIRED"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    BENEFIT_NOT_OFFERED = "BENEFIT_NOT_OFFERED"
    NOT_ACCEPTING_REFERRALS = "NOT_ACCEPTING_REFERRALS"
    AT_CAPACITY = "AT_CAPACITY"
    RESPONSE_OVERDUE = "RESPONSE_OVERDUE"
    NO_TRADING_PARTNER = "NO_TRADING_PARTNER"
    NOT_AUTHORIZED = "NOT_AUTHORIZED"
    AUTHORIZATION_EXPIRED = "AUTHORIZATION_EXPIRED"
    UNITS_EXCEEDED = "UNITS_EXCEEDED"
    EHR_UNAVAILABLE = "EHR_UNAVAILABLE"
    EHR_ERROR = "EHR_ERROR"
    AUTHORIZATION_NOT_ACTIVE = "AUTHORIZATION_NOT_ACTIVE"
    AUTHORIZED_UNITS_EXCEEDED = "AUTHORIZED_UNITS_EXCEEDED"
    SESSION_FULL = "SESSION_FULL"
    SESSION_NOT_STARTED = "SESSION_NOT_STARTED"
    NOT_ENROLLED = "NOT_ENROLLED"
    NO_RATE = "NO_RATE"
    INTERNAL = "INTERNAL"
    # Inbound submissions (PAS $submit, X12 278) a partner sent that cannot be taken in.
    PAYER_UNKNOWN = "PAYER_UNKNOWN"
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    COVERAGE_INACTIVE = "COVERAGE_INACTIVE"
    PROVIDER_NOT_RECOGNIZED = "PROVIDER_NOT_RECOGNIZED"
    NOTHING_REQUESTED = "NOTHING_REQUESTED"
    ORIGINAL_NOT_FOUND = "ORIGINAL_NOT_FOUND"
    REFERENCE_REUSED = "REFERENCE_REUSED"


class DomainError(Exception):
    """A business rule said no. `field` names the input field at fault, if one is."""

    def __init__(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"DomainError({self.code!s}, {self.message!r}, field={self.field!r})"


class ValidationErrors(DomainError):
    """Several input problems, collected and reported at once."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.code, first.message, first.field)


class ErrorCollector:
    """Collects input errors so a caller hears about all of them in one answer."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def add(self, code: ErrorCode, message: str, field: str | None = None) -> None:
        self.errors.append(DomainError(code, message, field))

    def check_lengths(self, values: dict[str, str | None], limits: dict[str, int]) -> None:
        """Each named value within its limit (the column's size), so storage never truncates
        or fails on what the caller sent."""
        for field, value in values.items():
            limit = limits[field]
            if value is not None and len(value) > limit:
                self.add(ErrorCode.INVALID, f"At most {limit} characters", field)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationErrors(self.errors)


def not_found(entity: str, field: str | None = "id") -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{entity} not found", field)


def forbidden(
    message: str = "You are not allowed to do that", field: str | None = None
) -> DomainError:
    return DomainError(ErrorCode.FORBIDDEN, message, field)
