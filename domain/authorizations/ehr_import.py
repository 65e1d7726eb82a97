"""EHR intake (seed 004 step 1): the coordinator pulls the patient, coverage, diagnoses and
ordered services from the EHR and gets a DRAFT request to check and submit. The patient is
matched by medical record number (registered if new), the payer by its payer id or name, the
providers by NPI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from domain.authorizations.intake import (
    EhrError,
    EhrErrorKind,
    EhrIntake,
    EhrSource,
    IntakeCoverage,
    IntakeProvider,
    PatientRef,
    RequestedService,
)
from domain.authorizations.models import AuthorizationRequest, CodeSystem, Priority, RequestCategory
from domain.authorizations.payer import COORDINATORS, draft_payer_request
from domain.authorizations.payer_rules import (
    DiagnosisData,
    PayerRequestData,
    ServiceLineData,
    check_payer_request,
)
from domain.catalog.models import UnitOfMeasure
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import Organization, OrganizationKind
from domain.identity.rules import Principal, require_role
from domain.people.models import Coverage, IdentifierSystem, Person, PersonIdentifier, Sex
from domain.people.rules import Address, Identifier, PersonData
from domain.people.service import CoverageData, record_coverage, register_person
from domain.providers.models import Provider
from domain.uow import UnitOfWork

SEX = {"male": Sex.MALE, "female": Sex.FEMALE, "other": Sex.OTHER}
UNITS = {
    "visit": UnitOfMeasure.VISIT,
    "visits": UnitOfMeasure.VISIT,
    "day": UnitOfMeasure.DAY,
    "days": UnitOfMeasure.DAY,
    "hour": UnitOfMeasure.HOUR,
    "session": UnitOfMeasure.SESSION,
}


@dataclass(frozen=True, slots=True)
class ImportRequest:
    patient: PatientRef
    service_request_id: str | None = None
    payer_id: uuid.UUID | None = None  # when the EHR's payer is not matched by id or name


def ehr_problem(error: EhrError) -> DomainError:
    """The EHR's failure in our vocabulary: retry later, or fix the reference."""
    if error.kind is EhrErrorKind.NOT_FOUND:
        return DomainError(ErrorCode.NOT_FOUND, error.message, "patient")
    if error.kind is EhrErrorKind.AMBIGUOUS:
        return DomainError(ErrorCode.INVALID, error.message, "patient")
    if error.retryable:
        return DomainError(ErrorCode.EHR_UNAVAILABLE, "The EHR did not answer; try again", None)
    return DomainError(
        ErrorCode.EHR_ERROR, f"The EHR's answer could not be used: {error.message}", None
    )


async def import_from_ehr(
    *, uow: UnitOfWork, actor: Principal, ehr: EhrSource, request: ImportRequest
) -> AuthorizationRequest:
    """Fetch the intake, then in one transaction: the patient, their coverage, a DRAFT."""
    require_role(actor, *COORDINATORS)
    try:
        intake = await ehr.fetch_intake(
            patient=request.patient, service_request_id=request.service_request_id
        )
    except EhrError as error:
        raise ehr_problem(error) from error
    if not intake.requested_services:
        raise DomainError(
            ErrorCode.NOT_FOUND, "The EHR has no active service request", "serviceRequestId"
        )
    coverage = intake.primary_coverage
    payer = await _payer(uow, coverage, request.payer_id)
    # A stable order for people to read: by start date, then code.
    ordered = sorted(
        intake.requested_services, key=lambda s: (s.occurrence.start or date.max, s.code or "")
    )
    lines = tuple(_line(service, index) for index, service in enumerate(ordered))
    draft = _draft(intake, payer.id, lines, patient_id=uuid.uuid4())
    check_payer_request(draft)  # before anything is written
    person = await _person(uow, actor, intake)
    coverage_id = await _coverage(uow, actor, person.id, payer.id, coverage)
    first = ordered[0]
    data = _draft(
        intake,
        payer.id,
        lines,
        patient_id=person.id,
        coverage_id=coverage_id,
        requesting=await _provider(uow, first.requesting_provider),
        servicing=await _provider(uow, first.servicing_provider),
    )
    made = await draft_payer_request(uow=uow, actor=actor, data=data)
    await uow.commit()
    return made


def _draft(
    intake: EhrIntake,
    payer_id: uuid.UUID,
    lines: tuple[ServiceLineData, ...],
    *,
    patient_id: uuid.UUID,
    coverage_id: uuid.UUID | None = None,
    requesting: uuid.UUID | None = None,
    servicing: uuid.UUID | None = None,
) -> PayerRequestData:
    expedited = any(s.priority.value == "EXPEDITED" for s in intake.requested_services)
    notes = "; ".join(s.note for s in intake.requested_services if s.note) or None
    return PayerRequestData(
        patient_id=patient_id,
        payer_id=payer_id,
        lines=lines,
        coverage_id=coverage_id,
        diagnoses=tuple(DiagnosisData(d.code, d.display) for d in intake.diagnoses),
        priority=Priority.EXPEDITED if expedited else Priority.STANDARD,
        category=RequestCategory.OUTPATIENT_SERVICE,
        requesting_provider_id=requesting,
        servicing_provider_id=servicing,
        notes=notes[:4000] if notes else None,
    )


def _line(service: RequestedService, index: int) -> ServiceLineData:
    if service.code is None or service.code_system is None:
        raise DomainError(
            ErrorCode.EHR_ERROR,
            "An ordered service has no CPT, HCPCS or service type code",
            f"lines.{index}",
        )
    return ServiceLineData(
        code_system=CodeSystem(service.code_system.value),
        service_code=service.code,
        quantity=service.quantity or Decimal(1),
        unit_of_measure=UNITS.get((service.unit or "").lower(), UnitOfMeasure.UNIT),
        modifiers=service.modifiers,
        requested_start=service.occurrence.start,
        requested_end=service.occurrence.end,
        place_of_service=service.facility.place_of_service if service.facility else None,
        description=(service.display or "")[:200] or None,
    )


async def _payer(
    uow: UnitOfWork, coverage: IntakeCoverage | None, chosen: uuid.UUID | None
) -> Organization:
    """The payer the caller chose, else the coverage's by payer id, else by exact name."""
    query = select(Organization).where(Organization.kind == OrganizationKind.PAYER)
    if chosen is not None:
        found = await uow.session.scalar(query.where(Organization.id == chosen))
    elif coverage is not None and coverage.payer_identifier is not None:
        found = await uow.session.scalar(
            query.where(Organization.payer_id == coverage.payer_identifier.value)
        )
        if found is None and coverage.payer_name:
            found = await uow.session.scalar(
                query.where(func.lower(Organization.name) == coverage.payer_name.lower())
            )
    elif coverage is not None and coverage.payer_name:
        found = await uow.session.scalar(
            query.where(func.lower(Organization.name) == coverage.payer_name.lower())
        )
    else:
        found = None
    if found is None:
        raise not_found("Payer (choose it: payerId)", "payerId")
    return found


async def _person(uow: UnitOfWork, actor: Principal, intake: EhrIntake) -> Person:
    """The patient your organisation knows by this MRN, or a new registration."""
    mrn = intake.patient.mrn
    if mrn:
        known = await uow.session.scalar(
            select(Person)
            .join(PersonIdentifier, PersonIdentifier.person_id == Person.id)
            .where(
                PersonIdentifier.organization_id == actor.organization_id,
                PersonIdentifier.system == IdentifierSystem.MEDICAL_RECORD_NUMBER,
                PersonIdentifier.value == mrn,
            )
        )
        if known is not None:
            return known
    patient = intake.patient
    address = patient.address
    return await register_person(
        uow=uow,
        actor=actor,
        data=PersonData(
            given_name=" ".join(patient.given_names) or "Unknown",
            family_name=patient.family_name or "Unknown",
            birth_date=patient.birth_date,
            sex=SEX.get(patient.gender or "", Sex.UNKNOWN),
            phone=patient.phone,
            email=patient.email,
            address=Address(
                line1=address.lines[0] if address and address.lines else None,
                city=address.city if address else None,
                state=address.state if address else None,
                postal_code=address.postal_code if address else None,
            ),
            identifiers=(Identifier(IdentifierSystem.MEDICAL_RECORD_NUMBER, mrn),) if mrn else (),
        ),
    )


async def _coverage(
    uow: UnitOfWork,
    actor: Principal,
    person_id: uuid.UUID,
    payer_id: uuid.UUID,
    coverage: IntakeCoverage | None,
) -> uuid.UUID | None:
    if coverage is None or not coverage.member_id:
        return None
    known = await uow.session.scalar(
        select(Coverage.id).where(
            Coverage.person_id == person_id,
            Coverage.payer_organization_id == payer_id,
            Coverage.member_id == coverage.member_id,
        )
    )
    if known is not None:
        return known
    made = await record_coverage(
        uow=uow,
        actor=actor,
        person_id=person_id,
        data=CoverageData(
            payer_organization_id=payer_id,
            member_id=coverage.member_id,
            plan_name=coverage.plan_name or coverage.payer_name or "Unnamed plan",
            period_start=coverage.period.start or date(uow.clock.now().year, 1, 1),
            period_end=coverage.period.end,
            group_number=coverage.group_id,
        ),
    )
    return made.id


async def _provider(uow: UnitOfWork, provider: IntakeProvider | None) -> uuid.UUID | None:
    """The directory's provider with the same NPI (the practitioner's, else the organisation's)."""
    npis = [
        n
        for n in (
            provider.practitioner.npi if provider and provider.practitioner else None,
            provider.organization.npi if provider and provider.organization else None,
        )
        if n
    ]
    for npi in npis:
        found = await uow.session.scalar(select(Provider.id).where(Provider.npi == npi))
        if found is not None:
            return found
    return None
