"""Pure rules of a payer's prior-authorization request: code formats and what a request must
hold before it is sent."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from domain.authorizations.models import CodeSystem, Priority, RequestCategory
from domain.catalog.models import UnitOfMeasure
from domain.errors import ErrorCode, ErrorCollector

ICD10CM = re.compile(r"[A-TV-Z][0-9][0-9A-Z](\.?[0-9A-Z]{1,4})?")
CODE_FORMATS = {
    CodeSystem.CPT: re.compile(r"[0-9]{4}[0-9A-Z]"),
    CodeSystem.HCPCS: re.compile(r"[A-V][0-9]{4}"),
    CodeSystem.SERVICE_TYPE: re.compile(r"[0-9A-Z]{1,2}"),
}
MODIFIER = re.compile(r"[0-9A-Z]{2}")
PLACE_OF_SERVICE = re.compile(r"[0-9]{2}")
MAX_LINES = 50
MAX_DIAGNOSES = 12  # the most an X12 HI segment and a PAS Claim carry in practice


@dataclass(frozen=True, slots=True)
class DiagnosisData:
    code: str
    display: str | None = None


@dataclass(frozen=True, slots=True)
class ServiceLineData:
    code_system: CodeSystem
    service_code: str
    quantity: Decimal
    unit_of_measure: UnitOfMeasure = UnitOfMeasure.UNIT
    modifiers: tuple[str, ...] = ()
    requested_start: date | None = None
    requested_end: date | None = None
    place_of_service: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class PayerRequestData:
    patient_id: uuid.UUID
    payer_id: uuid.UUID
    lines: tuple[ServiceLineData, ...]
    diagnoses: tuple[DiagnosisData, ...] = ()
    coverage_id: uuid.UUID | None = None
    priority: Priority = Priority.STANDARD
    category: RequestCategory = RequestCategory.OUTPATIENT_SERVICE
    requesting_provider_id: uuid.UUID | None = None
    servicing_provider_id: uuid.UUID | None = None
    facility_provider_id: uuid.UUID | None = None
    notes: str | None = None


def normalize_icd10(code: str) -> str:
    """ICD-10-CM as written with its dot after the category (M54.16), upper case."""
    raw = code.strip().upper().replace(".", "")
    return raw if len(raw) <= 3 else f"{raw[:3]}.{raw[3:]}"


def check_payer_request(data: PayerRequestData) -> None:
    """Raise ValidationErrors for every malformed code, count or date in the request."""
    errors = ErrorCollector()
    errors.check_lengths({"notes": data.notes}, {"notes": 4000})
    if len(data.diagnoses) > MAX_DIAGNOSES:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_DIAGNOSES} diagnoses", "diagnoses")
    seen: set[str] = set()
    for index, diagnosis in enumerate(data.diagnoses):
        code = diagnosis.code.strip().upper()
        if not ICD10CM.fullmatch(code):
            errors.add(
                ErrorCode.INVALID, "An ICD-10-CM code such as M54.16", f"diagnoses.{index}.code"
            )
        elif normalize_icd10(code) in seen:
            errors.add(ErrorCode.DUPLICATE, "Each diagnosis once", f"diagnoses.{index}.code")
        seen.add(normalize_icd10(code))
    if not data.lines:
        errors.add(ErrorCode.REQUIRED, "Request at least one service", "lines")
    elif len(data.lines) > MAX_LINES:
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"At most {MAX_LINES} lines", "lines")
    for index, line in enumerate(data.lines):
        _check_line(errors, line, f"lines.{index}")
    errors.raise_if_any()


def _check_line(errors: ErrorCollector, line: ServiceLineData, at: str) -> None:
    pattern = CODE_FORMATS.get(line.code_system)
    if pattern is None:
        errors.add(
            ErrorCode.INVALID, "A payer line is CPT, HCPCS or a service type", f"{at}.codeSystem"
        )
    elif not pattern.fullmatch(line.service_code.strip().upper()):
        errors.add(ErrorCode.INVALID, f"Not a {line.code_system.value} code", f"{at}.serviceCode")
    if line.quantity <= 0:
        errors.add(ErrorCode.INVALID, "Quantity must be positive", f"{at}.quantity")
    if len(line.modifiers) > 4:
        errors.add(ErrorCode.LIMIT_EXCEEDED, "At most 4 modifiers", f"{at}.modifiers")
    for position, modifier in enumerate(line.modifiers):
        if not MODIFIER.fullmatch(modifier.strip().upper()):
            errors.add(
                ErrorCode.INVALID, "A modifier is 2 letters or digits", f"{at}.modifiers.{position}"
            )
    if line.place_of_service and not PLACE_OF_SERVICE.fullmatch(line.place_of_service):
        errors.add(
            ErrorCode.INVALID, "A CMS place of service code such as 11", f"{at}.placeOfService"
        )
    start, end = line.requested_start, line.requested_end
    if start and end and end < start:
        errors.add(
            ErrorCode.INVALID_PERIOD, "The period ends before it starts", f"{at}.requestedEnd"
        )
