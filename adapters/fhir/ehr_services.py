"""A FHIR ServiceRequest as a requested service, and the whole intake assembled from the
fetched resources."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.servicerequest import ServiceRequest

from adapters.fhir import ehr_codes as codes
from adapters.fhir.ehr_index import ResourceIndex, resource_key
from adapters.fhir.ehr_mapping import (
    condition_text,
    coverage_from_fhir,
    diagnosis_from_fhir,
    facility_from_fhir,
    first_code,
    is_active_condition,
    patient_from_fhir,
    period_of,
    provider_from_reference,
    to_date,
)
from domain.authorizations.intake import (
    EhrError,
    EhrErrorKind,
    EhrIntake,
    IntakeFacility,
    IntakeProvider,
    Period,
    Priority,
    RequestedService,
    ServiceCodeSystem,
)


def intake_from_fhir(
    patient: Patient,
    coverages: Sequence[Coverage],
    conditions: Sequence[Condition],
    service_requests: Sequence[ServiceRequest],
    index: ResourceIndex,
) -> EhrIntake:
    """The intake from resources already fetched; `index` holds what their references name."""
    active = [c for c in conditions if is_active_condition(c)]
    diagnoses = [d for d in (diagnosis_from_fhir(c) for c in active) if d is not None]
    coded = {d.condition_id for d in diagnoses}
    return EhrIntake(
        patient=patient_from_fhir(patient),
        coverages=tuple(coverage_from_fhir(c, index) for c in coverages),
        diagnoses=tuple(diagnoses),
        requested_services=tuple(service_from_fhir(sr, index) for sr in service_requests),
        conditions_without_icd10=tuple(condition_text(c) for c in active if c.id not in coded),
    )


def service_from_fhir(request: ServiceRequest, index: ResourceIndex) -> RequestedService:
    code, code_system, display = _service_code(request)
    quantity, unit = _quantity(request)
    performers = (provider_from_reference(p, request, index) for p in request.performer or ())
    servicing = next((provider for provider in performers if provider is not None), None)
    return RequestedService(
        ehr_id=request.id or "",
        status=request.status or "",
        code=code,
        code_system=code_system,
        display=display,
        modifiers=_modifiers(request),
        quantity=quantity,
        unit=unit,
        occurrence=_occurrence(request),
        priority=_priority(request),
        ehr_priority=request.priority,
        category=first_code(request.category),
        reason_codes=_reason_codes(request, index),
        requesting_provider=provider_from_reference(request.requester, request, index),
        servicing_provider=servicing,
        facility=_facility(request, index, servicing),
        authored_on=to_date(request.authoredOn),
        note=next((n.text for n in request.note or () if n is not None and n.text), None),
    )


def _service_code(
    request: ServiceRequest,
) -> tuple[str | None, ServiceCodeSystem | None, str | None]:
    concept = request.code
    known = [
        (codes.SERVICE_CODE_SYSTEMS[c.system], c)
        for c in (concept.coding or () if concept else ())
        if c.system in codes.SERVICE_CODE_SYSTEMS and c.code
    ]
    if not known:
        return None, None, concept.text if concept else None
    system, coding = min(known, key=lambda pair: codes.service_code_rank(pair[0]))
    return coding.code, system, coding.display or (concept.text if concept else None)


def _modifiers(request: ServiceRequest) -> tuple[str, ...]:
    return tuple(
        coding.code
        for detail in request.orderDetail or ()
        for coding in detail.coding or ()
        if coding.system in codes.MODIFIER_SYSTEMS and coding.code
    )


def _quantity(request: ServiceRequest) -> tuple[Decimal | None, str | None]:
    """The requested amount: a Quantity, the top of a Range, or a Ratio's numerator."""
    quantity = request.quantityQuantity
    if quantity is None and request.quantityRange is not None:
        quantity = request.quantityRange.high
    if quantity is None and request.quantityRatio is not None:
        quantity = request.quantityRatio.numerator
    if quantity is None:
        return None, None
    value = Decimal(str(quantity.value)) if quantity.value is not None else None
    return value, quantity.unit or quantity.code


def _occurrence(request: ServiceRequest) -> Period:
    if request.occurrencePeriod is not None:
        return period_of(request.occurrencePeriod)
    if request.occurrenceDateTime is not None:
        when = request.occurrenceDateTime
        return Period(start=to_date(when), end=to_date(when, end=True))
    timing = request.occurrenceTiming
    if timing is not None and timing.repeat is not None:
        return period_of(timing.repeat.boundsPeriod)
    return Period()


def _priority(request: ServiceRequest) -> Priority:
    if request.priority is None:
        return Priority.STANDARD
    try:
        return codes.PRIORITIES[request.priority]
    except KeyError:
        raise EhrError(
            EhrErrorKind.INVALID_FHIR,
            f"The EHR sent an unknown request priority {request.priority!r}",
            resource=resource_key(request),
            path="ServiceRequest.priority",
        ) from None


def _reason_codes(request: ServiceRequest, index: ResourceIndex) -> tuple[str, ...]:
    """ICD-10-CM codes of the reason, coded in the order or in the Conditions it names."""
    concepts = list(request.reasonCode or ())
    for reference in request.reasonReference or ():
        condition = index.get(reference, request)
        if isinstance(condition, Condition) and condition.code is not None:
            concepts.append(condition.code)
    found: list[str] = []
    for concept in concepts:
        for coding in concept.coding or ():
            if coding.system == codes.ICD10CM_SYSTEM and coding.code and coding.code not in found:
                found.append(coding.code)
    return tuple(found)


def _facility(
    request: ServiceRequest, index: ResourceIndex, servicing: IntakeProvider | None
) -> IntakeFacility | None:
    """The order's location, else where the servicing practitioner works."""
    for reference in request.locationReference or ():
        location = index.get(reference, request)
        if isinstance(location, Location):
            return facility_from_fhir(location)
    return servicing.location if servicing is not None else None
