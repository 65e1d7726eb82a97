"""importFromEhr: the coordinator's DRAFT from the EHR's orders."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations.ehr_import import ImportRequest, import_from_ehr
from domain.authorizations.intake import PatientRef
from domain.errors import DomainError, ErrorCode
from domain.referrals.access import PROVIDER_ROLES
from resolvers.authorizations import as_request
from resolvers.outcome import perform
from schema.authorizations import AuthorizationRequest
from schema.context import Context
from schema.errors import UserError
from schema.permissions import signed_in
from schema.relay import decode_global_id


@strawberry.input(description="The patient in the EHR: its FHIR id, or an identifier (an MRN).")
class ImportFromEhrInput:
    patient_id: str | None = strawberry.field(default=None, description="FHIR Patient id")
    identifier_system: str | None = None
    identifier_value: str | None = None
    service_request_id: str | None = strawberry.field(
        default=None, description="One order; the patient's active orders when not given"
    )
    payer_id: relay.GlobalID | None = strawberry.field(
        default=None, description="When the coverage's payer is not matched by id or name"
    )


@strawberry.type
class ImportFromEhrPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _request(input: ImportFromEhrInput) -> ImportRequest:
    if input.patient_id:
        patient = PatientRef.by_id(input.patient_id)
    elif input.identifier_system and input.identifier_value:
        patient = PatientRef.by_identifier(input.identifier_system, input.identifier_value)
    else:
        raise DomainError(ErrorCode.REQUIRED, "Name the patient: id, or identifier", "patientId")
    return ImportRequest(
        patient=patient,
        service_request_id=input.service_request_id,
        payer_id=decode_global_id(input.payer_id, "Organization", "payerId")
        if input.payer_id
        else None,
    )


@strawberry.type
class IntakeMutation:
    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_ROLES),
        description="Pull patient, coverage, diagnoses and orders from the EHR into a DRAFT.",
    )
    async def import_from_ehr(
        self, info: Info[Context, None], input: ImportFromEhrInput
    ) -> ImportFromEhrPayload:
        ehr = info.context.ehr

        async def use_case(uow, actor):  # type: ignore[no-untyped-def]
            if ehr is None:
                raise DomainError(
                    ErrorCode.EHR_UNAVAILABLE, "No EHR is configured (CAREBRIDGE_EHR_BASE_URL)"
                )
            return await import_from_ehr(uow=uow, actor=actor, ehr=ehr, request=_request(input))

        outcome = await perform(info, use_case)
        return ImportFromEhrPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )
