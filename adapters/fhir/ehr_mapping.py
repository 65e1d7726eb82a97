"""From fhir.resources R4B models to the FHIR-free intake values: one small function per
resource, sharing the datatype readers below. docs/ehr-intake.md has the mapping table."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.reference import Reference

from adapters.fhir import ehr_codes as codes
from adapters.fhir.ehr_index import ResourceIndex
from domain.authorizations.intake import (
    Address,
    Code,
    Identifier,
    IntakeCoverage,
    IntakeDiagnosis,
    IntakeFacility,
    IntakeOrganization,
    IntakePatient,
    IntakePractitioner,
    IntakeProvider,
    Period,
)

_ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})
_NOT_A_DIAGNOSIS = frozenset({"entered-in-error", "refuted"})


def patient_from_fhir(patient: Patient) -> IntakePatient:
    family, given, _ = _name(patient.name)
    return IntakePatient(
        ehr_id=patient.id or "",
        identifiers=_identifiers(patient.identifier),
        family_name=family,
        given_names=given,
        birth_date=_full_date(patient.birthDate),
        gender=patient.gender,
        address=_address(patient.address),
        phone=_telecom(patient.telecom, "phone"),
        email=_telecom(patient.telecom, "email"),
    )


def practitioner_from_fhir(practitioner: Practitioner) -> IntakePractitioner:
    family, given, text = _name(practitioner.name)
    identifiers = _identifiers(practitioner.identifier)
    return IntakePractitioner(
        ehr_id=practitioner.id,
        family_name=family,
        given_names=given,
        npi=_npi(identifiers),
        identifiers=identifiers,
        name_text=text,
    )


def organization_from_fhir(organization: Organization) -> IntakeOrganization:
    identifiers = _identifiers(organization.identifier)
    return IntakeOrganization(
        ehr_id=organization.id,
        name=organization.name,
        npi=_npi(identifiers),
        identifiers=identifiers,
        address=_address(organization.address),
        phone=_telecom(organization.telecom, "phone"),
    )


def facility_from_fhir(location: Location) -> IntakeFacility:
    place_of_service = next(
        (c.code for cc in location.type or () for c in cc.coding or () if _is_pos(c.system)),
        None,
    )
    return IntakeFacility(
        ehr_id=location.id,
        name=location.name,
        npi=_npi(_identifiers(location.identifier)),
        address=_address([location.address] if location.address else None),
        place_of_service=place_of_service,
        phone=_telecom(location.telecom, "phone"),
    )


def provider_from_reference(
    reference: Reference | None, owner: Any, index: ResourceIndex
) -> IntakeProvider | None:
    """The provider a requester or performer reference names, read from the resource when the
    index holds it, else from the reference's own display and identifier (a logical
    reference); None for other kinds of actor (a patient, a device, a care team)."""
    resource = index.get(reference, owner)
    if isinstance(resource, PractitionerRole):
        return _provider_from_role(resource, index)
    if isinstance(resource, Practitioner):
        return IntakeProvider(practitioner=practitioner_from_fhir(resource), organization=None)
    if isinstance(resource, Organization):
        return IntakeProvider(practitioner=None, organization=organization_from_fhir(resource))
    if resource is None and reference is not None:
        return _provider_from_logical(reference, index)
    return None


def _provider_from_role(role: PractitionerRole, index: ResourceIndex) -> IntakeProvider:
    practitioner = index.get(role.practitioner, role)
    organization = index.get(role.organization, role)
    location = index.get(role.location[0], role) if role.location else None
    return IntakeProvider(
        practitioner=practitioner_from_fhir(practitioner)
        if isinstance(practitioner, Practitioner)
        else None,
        organization=organization_from_fhir(organization)
        if isinstance(organization, Organization)
        else None,
        specialty=first_code(role.specialty),
        location=facility_from_fhir(location) if isinstance(location, Location) else None,
        phone=_telecom(role.telecom, "phone"),
    )


def _provider_from_logical(reference: Reference, index: ResourceIndex) -> IntakeProvider | None:
    kind = reference.type or (index.key(reference) or "").split("/", 1)[0]
    identifiers = _identifiers([reference.identifier] if reference.identifier else None)
    if not identifiers and not reference.display:
        return None
    if kind in ("Practitioner", "PractitionerRole"):
        practitioner = IntakePractitioner(
            None, None, (), _npi(identifiers), identifiers, reference.display
        )
        return IntakeProvider(practitioner=practitioner, organization=None)
    if kind == "Organization":
        organization = IntakeOrganization(None, reference.display, _npi(identifiers), identifiers)
        return IntakeProvider(practitioner=None, organization=organization)
    return None


def coverage_from_fhir(coverage: Coverage, index: ResourceIndex) -> IntakeCoverage:
    payer = next((p for p in coverage.payor or () if p is not None), None)
    organization = index.get(payer, coverage)
    payer_org = (
        organization_from_fhir(organization) if isinstance(organization, Organization) else None
    )
    identifiers = _identifiers(coverage.identifier)
    group_id, group_name = _coverage_class(coverage, codes.GROUP_CLASS)
    plan_id, plan_name = _coverage_class(coverage, codes.PLAN_CLASS)
    return IntakeCoverage(
        ehr_id=coverage.id or "",
        status=coverage.status or "",
        payer_name=payer_org.name if payer_org else (payer.display if payer else None),
        payer_identifier=_payer_identifier(payer_org, payer),
        member_id=next((i.value for i in identifiers if i.type_code == codes.MEMBER_ID_TYPE), None)
        or coverage.subscriberId,
        subscriber_id=coverage.subscriberId,
        group_id=group_id,
        group_name=group_name,
        plan_name=plan_name or plan_id,
        period=period_of(coverage.period),
        relationship=_code_value(first_code([coverage.relationship])),
        order=coverage.order,
    )


def _payer_identifier(
    payer: IntakeOrganization | None, reference: Reference | None
) -> Identifier | None:
    if payer is not None and payer.identifiers:
        return payer.identifiers[0]
    logical = _identifiers([reference.identifier] if reference and reference.identifier else None)
    return logical[0] if logical else None


def _coverage_class(coverage: Coverage, kind: str) -> tuple[str | None, str | None]:
    for item in coverage.class_fhir or ():
        if any(c.code == kind for c in (item.type.coding or ()) if item.type):
            return item.value, item.name
    return None, None


def diagnosis_from_fhir(condition: Condition) -> IntakeDiagnosis | None:
    """The ICD-10-CM diagnosis of an active condition, or None (inactive, refuted, or coded
    only in another system)."""
    if not is_active_condition(condition):
        return None
    codings = condition.code.coding or [] if condition.code else []
    coding = next((c for c in codings if c.system == codes.ICD10CM_SYSTEM and c.code), None)
    if coding is None or coding.code is None:
        return None
    display = coding.display or (condition.code.text if condition.code else None)
    return IntakeDiagnosis(code=coding.code, display=display, condition_id=condition.id or "")


def is_active_condition(condition: Condition) -> bool:
    clinical = first_code([condition.clinicalStatus])
    verification = first_code([condition.verificationStatus])
    if verification is not None and verification.code in _NOT_A_DIAGNOSIS:
        return False
    return clinical is None or clinical.code in _ACTIVE_CLINICAL


def condition_text(condition: Condition) -> str:
    concept = condition.code
    if concept is None:
        return condition.id or ""
    first = next((c for c in concept.coding or () if c.display or c.code), None)
    return concept.text or (first.display or first.code or "" if first else "") or ""


# Datatype readers.


def _identifiers(identifiers: Sequence[Any] | None) -> tuple[Identifier, ...]:
    found = []
    for identifier in identifiers or ():
        if identifier is None or not identifier.value:
            continue
        type_code = first_code([identifier.type]) if identifier.type else None
        found.append(
            Identifier(identifier.system, identifier.value, type_code.code if type_code else None)
        )
    return tuple(found)


def _npi(identifiers: Sequence[Identifier]) -> str | None:
    return next((i.value for i in identifiers if i.system == codes.NPI_SYSTEM), None)


def _name(names: Sequence[Any] | None) -> tuple[str | None, tuple[str, ...], str | None]:
    """Family, given names and text of the official name, else the first."""
    candidates = [n for n in names or () if n is not None]
    if not candidates:
        return None, (), None
    name = next((n for n in candidates if n.use == "official"), candidates[0])
    return name.family, tuple(g for g in name.given or () if g), name.text


def _address(addresses: Sequence[Any] | None) -> Address | None:
    candidates = [a for a in addresses or () if a is not None and a.use != "old"]
    if not candidates:
        return None
    address = candidates[0]
    return Address(
        lines=tuple(line for line in address.line or () if line),
        city=address.city,
        state=address.state,
        postal_code=address.postalCode,
        country=address.country,
    )


def _telecom(points: Sequence[Any] | None, system: str) -> str | None:
    return next((p.value for p in points or () if p is not None and p.system == system), None)


def first_code(concepts: Sequence[CodeableConcept | None] | None) -> Code | None:
    for concept in concepts or ():
        if concept is None:
            continue
        for coding in concept.coding or ():
            if coding.code:
                return Code(coding.system, coding.code, coding.display or concept.text)
    return None


def _code_value(code: Code | None) -> str | None:
    return code.code if code is not None else None


def _is_pos(system: str | None) -> bool:
    return system is not None and system.rstrip("/") == codes.PLACE_OF_SERVICE_SYSTEM


def period_of(period: Any) -> Period:
    if period is None:
        return Period()
    return Period(start=to_date(period.start), end=to_date(period.end, end=True))


def _full_date(value: Any) -> dt.date | None:
    """A complete date; None for a partial one (a year, or a year and month)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def to_date(value: Any, *, end: bool = False) -> dt.date | None:
    """A FHIR date or dateTime as a date; a partial one ("2026", "2026-02") widens to its
    first day, or its last day for the end of a period."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    parts = value[:10].split("-")
    if not parts[0].isdigit() or len(parts[0]) != 4 or len(parts) > 3:
        return None
    if len(parts) == 3:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    year = int(parts[0])
    if len(parts) == 1:
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    if not parts[1].isdigit() or not 1 <= int(parts[1]) <= 12:
        return None
    month = int(parts[1])
    return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
