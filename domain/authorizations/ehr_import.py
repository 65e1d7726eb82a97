"""EHR intake (seed 004 step 1): the coordinator pulls the patient, coverage, diagnoses and
ordered services from the EHR and gets a DRAFT request to check and submit. The patient is
matched by medical record number (registered if new), the payer by its payer id or name, the
providers by NPI."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.authorizations.intake import EhrError, EhrErrorKind, EhrSource, PatientRef
from domain.authorizations.intake_records import (
    draft_data,
    find_payer,
    match_coverage,
    match_person,
    ordered_services,
    provider_by_npi,
    service_line,
)
from domain.authorizations.models import AuthorizationRequest
from domain.authorizations.payer import COORDINATORS, draft_payer_request
from domain.authorizations.payer_rules import check_payer_request
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal, require_role
from domain.uow import UnitOfWork


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
    payer = await find_payer(uow, coverage, request.payer_id)
    ordered = ordered_services(intake)
    lines = tuple(service_line(service, index) for index, service in enumerate(ordered))
    check_payer_request(draft_data(intake, payer.id, lines, patient_id=uuid.uuid4()))
    person, _known = await match_person(uow, actor, intake)
    coverage_id = await match_coverage(uow, actor, person.id, payer.id, coverage)
    requesting = await provider_by_npi(uow, ordered[0].requesting_provider)
    servicing = await provider_by_npi(uow, ordered[0].servicing_provider)
    data = draft_data(
        intake,
        payer.id,
        lines,
        patient_id=person.id,
        coverage_id=coverage_id,
        requesting=requesting.id if requesting else None,
        servicing=servicing.id if servicing else None,
    )
    made = await draft_payer_request(uow=uow, actor=actor, data=data)
    await uow.commit()
    return made
