"""Turning intake values (an EHR pull, an inbound PAS or X12 278 submission) into records: the
patient matched by coverage or medical record number (registered if new), the coverage, the
payer by payer id or name, providers by NPI, and the request's lines and draft data. Shared by
`ehr_import` and `inbound`; callers commit."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from domain.authorizations.intake import (
    EhrIntake,
    IntakeCoverage,
    IntakeProvider,
    RequestedService,
)
from domain.authorizations.models import CodeSystem, Priority, RequestCategory
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.catalog.models import UnitOfMeasure
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import Organization, OrganizationKind
from domain.identity.rules import Principal
from domain.people.models import Coverage, IdentifierSystem, Person, PersonIdentifier, Sex
from domain.people.rules import Address, Identifier, PersonData
from domain.people.service import CoverageData, record_coverage, register_person, visible_to
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


def ordered_services(intake: EhrIntake) -> list[RequestedService]:
    """A stable order for people to read: by start date, then code."""
    return sorted(
        intake.requested_services, key=lambda s: (s.occurrence.start or date.max, s.code or "")
    )


def draft_data(
    intake: EhrIntake,
    payer_id: uuid.UUID,
    lines: tuple[ServiceLineData, ...],
    *,
    patient_id: uuid.UUID,
    coverage_id: uuid.UUID | None = None,
    requesting: uuid.UUID | None = None,
    servicing: uuid.UUID | None = None,
    category: RequestCategory = RequestCategory.OUTPATIENT_SERVICE,
    expedited: bool | None = None,
) -> PayerRequestData:
    """The request's data; EXPEDITED when any service is (or when `expedited` says so)."""
    if expedited is None:
        expedited = any(s.priority.value == "EXPEDITED" for s in intake.requested_services)
    notes = "; ".join(s.note for s in intake.requested_services if s.note) or None
    return PayerRequestData(
        patient_id=patient_id,
        payer_id=payer_id,
        lines=lines,
        coverage_id=coverage_id,
        diagnoses=tuple(DiagnosisData(d.code, d.display) for d in intake.diagnoses),
        priority=Priority.EXPEDITED if expedited else Priority.STANDARD,
        category=category,
        requesting_provider_id=requesting,
        servicing_provider_id=servicing,
        notes=notes[:4000] if notes else None,
    )


def service_line(service: RequestedService, index: int) -> ServiceLineData:
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


async def find_payer(
    uow: UnitOfWork, coverage: IntakeCoverage | None, chosen: uuid.UUID | None
) -> Organization:
    """The payer the caller chose, else the coverage's by payer id, else by exact name."""
    found = None
    if chosen is not None:
        query = select(Organization).where(Organization.kind == OrganizationKind.PAYER)
        found = await uow.session.scalar(query.where(Organization.id == chosen))
    elif coverage is not None:
        identifier = coverage.payer_identifier.value if coverage.payer_identifier else None
        found = await payer_by_identifier(uow, identifier, coverage.payer_name)
    if found is None:
        raise not_found("Payer (choose it: payerId)", "payerId")
    return found


async def payer_by_identifier(
    uow: UnitOfWork, identifier: str | None, name: str | None = None
) -> Organization | None:
    """An active payer by its payer id, else by its exact name (case-insensitive)."""
    query = select(Organization).where(Organization.kind == OrganizationKind.PAYER)
    found = None
    if identifier:
        found = await uow.session.scalar(query.where(Organization.payer_id == identifier.strip()))
    if found is None and name:
        found = await uow.session.scalar(
            query.where(func.lower(Organization.name) == name.strip().lower())
        )
    return found


async def match_person(
    uow: UnitOfWork,
    actor: Principal,
    intake: EhrIntake,
    *,
    payer_id: uuid.UUID | None = None,
    member_id: str | None = None,
) -> tuple[Person, bool]:
    """The patient the actor's organisation knows (by the payer's member id, else by this
    MRN), or a new registration; and whether it was found."""
    if payer_id is not None and member_id:
        by_member = await _by_member(uow, actor, payer_id, member_id)
        if by_member is not None:
            return by_member[0], True
    return await _by_mrn_or_new(uow, actor, intake)


async def match_patient_coverage(
    uow: UnitOfWork,
    actor: Principal,
    intake: EhrIntake,
    payer_id: uuid.UUID,
    coverage: IntakeCoverage,
) -> tuple[Person, bool, uuid.UUID | None]:
    """`match_person` then `match_coverage`, in one query when the member id is known."""
    if coverage.member_id:
        by_member = await _by_member(uow, actor, payer_id, coverage.member_id)
        if by_member is not None:
            return by_member[0], True, by_member[1]
    person, known = await _by_mrn_or_new(uow, actor, intake)
    return person, known, await match_coverage(uow, actor, person.id, payer_id, coverage)


async def _by_member(
    uow: UnitOfWork, actor: Principal, payer_id: uuid.UUID, member_id: str
) -> tuple[Person, uuid.UUID] | None:
    """The visible person with this payer's member id, and that coverage."""
    row = (
        await uow.session.execute(
            select(Person, Coverage.id)
            .join(Coverage, Coverage.person_id == Person.id)
            .where(
                Coverage.payer_organization_id == payer_id,
                Coverage.member_id == member_id.strip(),
                visible_to(actor),
            )
            .limit(1)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def _by_mrn_or_new(
    uow: UnitOfWork, actor: Principal, intake: EhrIntake
) -> tuple[Person, bool]:
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
            return known, True
    return await register_person(uow=uow, actor=actor, data=person_data(intake)), False


def person_data(intake: EhrIntake) -> PersonData:
    patient, mrn = intake.patient, intake.patient.mrn
    address = patient.address
    return PersonData(
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
    )


async def match_coverage(
    uow: UnitOfWork,
    actor: Principal,
    person_id: uuid.UUID,
    payer_id: uuid.UUID,
    coverage: IntakeCoverage | None,
) -> uuid.UUID | None:
    """The person's coverage with the payer under this member id, recorded if new."""
    if coverage is None or not coverage.member_id:
        return None
    known = await uow.session.scalar(
        select(Coverage.id).where(
            Coverage.person_id == person_id,
            Coverage.payer_organization_id == payer_id,
            Coverage.member_id == coverage.member_id.strip(),
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


def provider_npis(provider: IntakeProvider | None) -> list[str]:
    """The practitioner's NPI first, then the organisation's."""
    if provider is None:
        return []
    candidates: Iterable[str | None] = (
        provider.practitioner.npi if provider.practitioner else None,
        provider.organization.npi if provider.organization else None,
    )
    return [n for n in candidates if n]


async def provider_by_npi(uow: UnitOfWork, provider: IntakeProvider | None) -> Provider | None:
    """The directory's provider with the same NPI (the practitioner's, else the organisation's)."""
    return (await providers_by_npi(uow, [provider]))[0]


async def providers_by_npi(
    uow: UnitOfWork, providers: list[IntakeProvider | None]
) -> list[Provider | None]:
    """`provider_by_npi` of each, in one query."""
    wanted = {npi for provider in providers for npi in provider_npis(provider)}
    if not wanted:
        return [None for _ in providers]
    rows = await uow.session.scalars(select(Provider).where(Provider.npi.in_(wanted)))
    by_npi: dict[str, Provider] = {}
    for row in rows:
        if row.npi is not None:
            by_npi.setdefault(row.npi, row)
    return [
        next((by_npi[n] for n in provider_npis(provider) if n in by_npi), None)
        for provider in providers
    ]
