"""The EHR intake client, an `EhrSource` over an EHR's FHIR R4 REST API.

One intake: the Patient (read by id, or searched by identifier), then at once its Coverages
(with their payer, `_include=Coverage:payor`), active Conditions and the ServiceRequest(s) with
requester, performer and their PractitionerRole's practitioner, organization and location
(`_include` and `_include:iterate`). References that no include brought are then read one by
one, so an EHR that ignores `_include` gives the same intake in more round trips."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Any, TypeVar

import httpx
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest

from adapters.fhir.ehr_http import EhrConnection, FhirRestClient
from adapters.fhir.ehr_index import FHIR_ID, ResourceIndex, resource_key
from adapters.fhir.ehr_services import intake_from_fhir
from domain.authorizations.intake import EhrError, EhrErrorKind, EhrIntake, PatientRef

__all__ = ["EhrClient", "EhrConnection"]

R = TypeVar("R", bound=Resource)

_PROVIDER_TYPES = frozenset({"Practitioner", "PractitionerRole", "Organization", "Location"})
_SERVICE_REQUEST_INCLUDES = (
    ("_include", "ServiceRequest:requester"),
    ("_include", "ServiceRequest:performer"),
    ("_include:iterate", "PractitionerRole:practitioner"),
    ("_include:iterate", "PractitionerRole:organization"),
    ("_include:iterate", "PractitionerRole:location"),
)


class EhrClient:
    """Fetches intakes from one EHR. Use as an async context manager, or call `aclose`."""

    def __init__(self, connection: EhrConnection, *, http: httpx.AsyncClient | None = None) -> None:
        self._rest = FhirRestClient(connection, http)
        self._connection = connection

    async def __aenter__(self) -> EhrClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._rest.aclose()

    async def fetch_intake(
        self, *, patient: PatientRef, service_request_id: str | None = None
    ) -> EhrIntake:
        """The patient's intake for one service request, or for all their active ones."""
        _check_id("Patient", patient.patient_id)
        _check_id("ServiceRequest", service_request_id)
        index = ResourceIndex(self._rest.base_url)
        fhir_patient = await self._patient(patient)
        patient_key = resource_key(fhir_patient)
        coverages, conditions, requests = await _all(
            self._coverages(patient_key, index),
            self._conditions(patient_key, index),
            self._service_requests(patient_key, service_request_id, index),
        )
        index.add(conditions)
        await self._resolve(index, _first_hop(coverages, requests))
        roles = [r for r in (index.get(ref, sr) for sr, ref in _actors(requests)) if r is not None]
        await self._resolve(index, _second_hop(roles))
        return intake_from_fhir(fhir_patient, coverages, conditions, requests, index)

    async def _patient(self, ref: PatientRef) -> Patient:
        if ref.patient_id is not None:
            label = f"Patient/{ref.patient_id}"
            return _typed(await self._rest.read("Patient", ref.patient_id), Patient, label)
        token = f"{ref.system}|{ref.value}" if ref.system else str(ref.value)
        found = await self._rest.search("Patient", [("identifier", token)], max_pages=1)
        patients = [p for p in found.matches if isinstance(p, Patient)]
        label = f"Patient?identifier={token}"
        if not patients:
            raise EhrError(EhrErrorKind.NOT_FOUND, "No patient has that identifier", resource=label)
        if len(patients) > 1:
            raise EhrError(
                EhrErrorKind.AMBIGUOUS, "More than one patient has that identifier", resource=label
            )
        if not patients[0].id:
            message = "The EHR found a patient without an id"
            raise EhrError(EhrErrorKind.INVALID_FHIR, message, resource=label, path="Patient.id")
        return patients[0]

    async def _coverages(self, patient_key: str, index: ResourceIndex) -> list[Coverage]:
        params = [("beneficiary", patient_key)]
        if self._connection.use_include:
            params.append(("_include", "Coverage:payor"))
        found = await self._rest.search("Coverage", params)
        index.add(found.included)
        coverages = _matches(found.matches, Coverage)
        for coverage in coverages:
            _check_patient(coverage, coverage.beneficiary, patient_key, index)
        return coverages

    async def _conditions(self, patient_key: str, index: ResourceIndex) -> list[Condition]:
        patient_id = patient_key.split("/", 1)[1]
        found = await self._rest.search(
            "Condition", [("patient", patient_id), ("clinical-status", "active")]
        )
        conditions = _matches(found.matches, Condition)
        for condition in conditions:
            _check_patient(condition, condition.subject, patient_key, index)
        return conditions

    async def _service_requests(
        self, patient_key: str, request_id: str | None, index: ResourceIndex
    ) -> list[ServiceRequest]:
        if request_id is not None and not self._connection.use_include:
            read = await self._rest.read("ServiceRequest", request_id)
            requests = [_typed(read, ServiceRequest, f"ServiceRequest/{request_id}")]
        else:
            requests = await self._search_service_requests(patient_key, request_id, index)
        if request_id is not None and not requests:
            raise EhrError(
                EhrErrorKind.NOT_FOUND,
                "The EHR has no such service request",
                resource=f"ServiceRequest/{request_id}",
            )
        for request in requests:
            _check_patient(request, request.subject, patient_key, index)
        return requests if request_id is not None else [r for r in requests if r.status == "active"]

    async def _search_service_requests(
        self, patient_key: str, request_id: str | None, index: ResourceIndex
    ) -> list[ServiceRequest]:
        if request_id is not None:
            params = [("_id", request_id)]
        else:
            params = [("patient", patient_key.split("/", 1)[1]), ("status", "active")]
        if self._connection.use_include:
            params.extend(_SERVICE_REQUEST_INCLUDES)
        found = await self._rest.search("ServiceRequest", params)
        index.add(found.included)
        return _matches(found.matches, ServiceRequest)

    async def _resolve(self, index: ResourceIndex, references: Iterable[Reference | None]) -> None:
        """Reads, at once, the referenced resources the index lacks."""
        keys = sorted(index.missing(references, _PROVIDER_TYPES))
        fetched = await _all(*(self._rest.read(*key.split("/", 1)) for key in keys))
        index.add(fetched)


def _check_id(resource_type: str, resource_id: str | None) -> None:
    """An id that no FHIR resource can have is not sent (it could walk the EHR's paths)."""
    if resource_id is not None and not FHIR_ID.match(resource_id):
        raise EhrError(
            EhrErrorKind.NOT_FOUND,
            f"{resource_id!r} is not a FHIR id, so the EHR has no such {resource_type}",
            resource=f"{resource_type}/{resource_id}",
        )


def _first_hop(
    coverages: Sequence[Coverage], requests: Sequence[ServiceRequest]
) -> list[Reference | None]:
    references: list[Reference | None] = [p for c in coverages for p in c.payor or ()]
    for request in requests:
        references.extend(ref for _, ref in _actors([request]))
        references.extend(request.locationReference or ())
    return references


def _actors(requests: Sequence[ServiceRequest]) -> list[tuple[ServiceRequest, Reference | None]]:
    return [(r, ref) for r in requests for ref in (r.requester, *(r.performer or ()))]


def _second_hop(resources: Sequence[Resource]) -> list[Reference | None]:
    references: list[Reference | None] = []
    for role in resources:
        if isinstance(role, PractitionerRole):
            references.extend((role.practitioner, role.organization, *(role.location or ())[:1]))
    return references


def _check_patient(
    resource: Resource, subject: Reference | None, patient_key: str, index: ResourceIndex
) -> None:
    """A resource the EHR returned for this patient must be this patient's: never mix two
    people's records in one authorization request."""
    if index.key(subject) != patient_key:
        raise EhrError(
            EhrErrorKind.WRONG_PATIENT,
            f"{resource_key(resource)} is not for {patient_key}",
            resource=resource_key(resource),
        )


def _matches(resources: Sequence[Resource], kind: type[R]) -> list[R]:
    return [r for r in resources if isinstance(r, kind)]


def _typed(resource: Resource, kind: type[R], label: str) -> R:
    if not isinstance(resource, kind):
        raise EhrError(
            EhrErrorKind.INVALID_FHIR,
            f"The EHR answered {label} with a {resource.get_resource_type()}",
            resource=label,
            path="resourceType",
        )
    return resource


async def _all(*calls: Any) -> list[Any]:
    """Runs the calls at once; the first EhrError wins and the others are cancelled."""
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(call) for call in calls]
    except* EhrError as failures:
        raise failures.exceptions[0] from None
    return [task.result() for task in tasks]
