"""What an EHR intake yields, FHIR-free: the patient, coverage, diagnoses and requested services
with their requesting and servicing providers, as plain frozen values, and the `EhrSource` port
that produces them. Only the standard library is imported, so the domain can map these values
(or this module can move under `domain/`) without knowing FHIR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


class Priority(StrEnum):
    """The authorization request's priority: FHIR routine is STANDARD, urgent/asap/stat
    EXPEDITED (CMS-0057-F decision times of 7 days and 72 hours)."""

    STANDARD = "STANDARD"
    EXPEDITED = "EXPEDITED"


class ServiceCodeSystem(StrEnum):
    CPT = "CPT"
    HCPCS = "HCPCS"
    SERVICE_TYPE = "SERVICE_TYPE"  # X12 1365 service type (UM03), for referrals and the like


@dataclass(frozen=True)
class Code:
    """A coded value as the EHR sent it (system URL, code, display)."""

    system: str | None
    code: str
    display: str | None = None


@dataclass(frozen=True)
class Identifier:
    """An identifier; `type_code` is the v2-0203 type (MR medical record, MB member, NPI...)."""

    system: str | None
    value: str
    type_code: str | None = None


@dataclass(frozen=True)
class Address:
    lines: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Period:
    """Inclusive dates; a partial FHIR date widens to its first (start) or last (end) day."""

    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class IntakePatient:
    ehr_id: str
    identifiers: tuple[Identifier, ...]
    family_name: str | None
    given_names: tuple[str, ...]
    birth_date: date | None  # None also when the EHR sent only a year or a month
    gender: str | None  # FHIR administrative gender: male | female | other | unknown
    address: Address | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def mrn(self) -> str | None:
        """The medical record number: the identifier typed MR, if there is one."""
        return next((i.value for i in self.identifiers if i.type_code == "MR"), None)


@dataclass(frozen=True)
class IntakeCoverage:
    ehr_id: str
    status: str  # active | cancelled | draft | entered-in-error
    payer_name: str | None
    payer_identifier: Identifier | None
    member_id: str | None
    subscriber_id: str | None
    group_id: str | None
    group_name: str | None
    plan_name: str | None
    period: Period
    relationship: str | None  # subscriber-relationship code: self, spouse, child...
    order: int | None  # 1 = primary


@dataclass(frozen=True)
class IntakeDiagnosis:
    """An active Condition coded in ICD-10-CM."""

    code: str
    display: str | None
    condition_id: str


@dataclass(frozen=True)
class IntakePractitioner:
    ehr_id: str | None
    family_name: str | None
    given_names: tuple[str, ...]
    npi: str | None
    identifiers: tuple[Identifier, ...] = ()
    name_text: str | None = None  # the name as one string, when the EHR gave only that

    @property
    def name(self) -> str | None:
        parts = [*self.given_names, *([self.family_name] if self.family_name else [])]
        return " ".join(parts) or self.name_text


@dataclass(frozen=True)
class IntakeOrganization:
    ehr_id: str | None
    name: str | None
    npi: str | None
    identifiers: tuple[Identifier, ...] = ()
    address: Address | None = None
    phone: str | None = None


@dataclass(frozen=True)
class IntakeFacility:
    """Where the service is delivered (a FHIR Location)."""

    ehr_id: str | None
    name: str | None
    npi: str | None
    address: Address | None
    place_of_service: str | None  # CMS place-of-service code, e.g. 11 office, 22 outpatient
    phone: str | None = None


@dataclass(frozen=True)
class IntakeProvider:
    """A requesting or servicing provider: a practitioner, an organization, or both (a FHIR
    PractitionerRole: the practitioner working for the organization)."""

    practitioner: IntakePractitioner | None
    organization: IntakeOrganization | None
    specialty: Code | None = None
    location: IntakeFacility | None = None
    phone: str | None = None

    @property
    def name(self) -> str | None:
        if self.practitioner is not None and self.practitioner.name:
            return self.practitioner.name
        return self.organization.name if self.organization is not None else None

    @property
    def npi(self) -> str | None:
        """The individual NPI when there is a practitioner with one, else the organization's."""
        if self.practitioner is not None and self.practitioner.npi:
            return self.practitioner.npi
        return self.organization.npi if self.organization is not None else None


@dataclass(frozen=True)
class RequestedService:
    """One ServiceRequest: what is asked for, how much, when, by whom and from whom."""

    ehr_id: str
    status: str
    code: str | None
    code_system: ServiceCodeSystem | None
    display: str | None
    modifiers: tuple[str, ...]
    quantity: Decimal | None
    unit: str | None
    occurrence: Period
    priority: Priority
    ehr_priority: str | None  # routine | urgent | asap | stat as the EHR said
    category: Code | None
    reason_codes: tuple[str, ...]  # ICD-10-CM codes the order gives as its reason
    requesting_provider: IntakeProvider | None
    servicing_provider: IntakeProvider | None
    facility: IntakeFacility | None
    authored_on: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class EhrIntake:
    patient: IntakePatient
    coverages: tuple[IntakeCoverage, ...]
    diagnoses: tuple[IntakeDiagnosis, ...]
    requested_services: tuple[RequestedService, ...]
    conditions_without_icd10: tuple[str, ...] = ()  # active, but coded only otherwise (SNOMED)

    @property
    def primary_coverage(self) -> IntakeCoverage | None:
        """The active coverage first in order (order 1, or the first listed)."""
        active = [c for c in self.coverages if c.status == "active"]
        return min(active, key=lambda c: c.order or 1_000_000, default=None)


@dataclass(frozen=True)
class PatientRef:
    """How to find the patient: by the EHR's Patient id, or by an identifier (system and value,
    e.g. the MRN), which must match exactly one patient."""

    patient_id: str | None = None
    system: str | None = None
    value: str | None = None

    def __post_init__(self) -> None:
        if (self.patient_id is None) == (self.value is None):
            raise ValueError("a PatientRef names either patient_id or an identifier value")

    @classmethod
    def by_id(cls, patient_id: str) -> PatientRef:
        return cls(patient_id=patient_id)

    @classmethod
    def by_identifier(cls, system: str | None, value: str) -> PatientRef:
        return cls(system=system, value=value)


class EhrErrorKind(StrEnum):
    NOT_FOUND = "NOT_FOUND"  # no such patient or service request (404, 410, empty search)
    AMBIGUOUS = "AMBIGUOUS"  # the identifier matches more than one patient
    WRONG_PATIENT = "WRONG_PATIENT"  # the service request is another patient's
    UNREACHABLE = "UNREACHABLE"  # connection refused, DNS, TLS: retryable
    TIMEOUT = "TIMEOUT"  # retryable
    UNAVAILABLE = "UNAVAILABLE"  # HTTP 5xx, 429, 408: retryable
    REFUSED = "REFUSED"  # HTTP 4xx, usually with an OperationOutcome (400, 401, 403...)
    INVALID_FHIR = "INVALID_FHIR"  # the answer is not valid FHIR R4 (see resource and path)
    TOO_LARGE = "TOO_LARGE"  # an answer over the size cap, or more pages than allowed


_RETRYABLE = frozenset({EhrErrorKind.UNREACHABLE, EhrErrorKind.TIMEOUT, EhrErrorKind.UNAVAILABLE})


@dataclass(frozen=True)
class EhrIssue:
    """One OperationOutcome issue from the EHR."""

    severity: str
    code: str
    diagnostics: str | None = None
    details: str | None = None
    expression: tuple[str, ...] = ()


class EhrError(Exception):
    """An intake that failed. `resource` is what was being fetched ("Patient/123",
    "Coverage?beneficiary=Patient/123"), `path` the element at fault in an invalid answer
    ("Bundle.entry[2].resource.birthDate"), `issues` the EHR's OperationOutcome, if it sent one.
    `retryable` says whether the same fetch may succeed later."""

    def __init__(
        self,
        kind: EhrErrorKind,
        message: str,
        *,
        resource: str | None = None,
        path: str | None = None,
        status: int | None = None,
        issues: tuple[EhrIssue, ...] = (),
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.resource = resource
        self.path = path
        self.status = status
        self.issues = issues

    @property
    def retryable(self) -> bool:
        return self.kind in _RETRYABLE

    def __repr__(self) -> str:
        return (
            f"EhrError({self.kind!s}, {self.message!r}, resource={self.resource!r},"
            f" path={self.path!r}, status={self.status!r})"
        )


class EhrSource(Protocol):
    async def fetch_intake(
        self, *, patient: PatientRef, service_request_id: str | None = None
    ) -> EhrIntake:
        """The patient with coverages, active ICD-10-CM diagnoses and the service request
        (or, without an id, every active one of the patient's), each with its requesting and
        servicing provider and facility. Raises EhrError, and nothing else."""
        ...
