"""Queries and mutations on authorization requests: the agency's for referrals, and the
authorization coordinator's to payers."""

from __future__ import annotations

import base64
import binascii
import uuid
from decimal import Decimal
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations import agency, coordinator, documents, payer
from domain.authorizations import service as authorizations
from domain.authorizations.models import Priority, RequestCategory
from domain.authorizations.payer_rules import DiagnosisData, PayerRequestData, ServiceLineData
from domain.authorizations.rules import LineData, LineDecision
from domain.authorizations.worklist import WORKLIST_ROLES
from domain.cases.rules import CASE_WORKERS
from domain.errors import DomainError, ErrorCode
from domain.referrals.access import PROVIDER_ROLES
from resolvers.outcome import Outcome, perform
from schema.authorizations import Attachment, AuthorizationRequest, InformationRequest
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import decode_global_id
from schema.workflow_inputs import (
    AssignAuthorizationRequestInput,
    AssignAuthorizationRequestPayload,
    AttachDocumentInput,
    AttachDocumentPayload,
    CancelAuthorizationRequestInput,
    CancelAuthorizationRequestPayload,
    CreateAuthorizationRequestInput,
    CreateAuthorizationRequestPayload,
    DocumentInput,
    LineDeterminationInput,
    ProvideAdditionalInformationInput,
    ProvideAdditionalInformationPayload,
    RecordDeterminationInput,
    RecordDeterminationPayload,
    RecordInformationRequestInput,
    RecordInformationRequestPayload,
    SubmitAuthorizationRequestInput,
    SubmitAuthorizationRequestPayload,
    UpdateAuthorizationRequestInput,
    UpdateAuthorizationRequestPayload,
)

DECIDERS = (*CASE_WORKERS, *PROVIDER_ROLES)


def request_id_of(value: relay.GlobalID, field: str = "id") -> uuid.UUID:
    return decode_global_id(value, "AuthorizationRequest", field)


def uuid_of(value: str | strawberry.ID, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, "Not a valid id", field) from error


def _content(document: DocumentInput, field: str) -> bytes:
    try:
        return base64.b64decode(document.content_base64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise DomainError(ErrorCode.INVALID, "Not base64", f"{field}.contentBase64") from error


def decision_of(line: LineDeterminationInput, index: int) -> LineDecision:
    return LineDecision(
        line_id=decode_global_id(line.line_id, "AuthorizationLine", f"lines.{index}.lineId"),
        review_action=line.review_action,
        approved_quantity=line.approved_quantity,
        approved_start=line.approved_start,
        approved_end=line.approved_end,
        rate=line.rate,
        authorization_number=line.authorization_number,
        reason_codes=tuple(line.reason_codes),
        notes=line.notes,
    )


def _agency_data(input: CreateAuthorizationRequestInput) -> authorizations.AgencyRequestData:
    assert input.referral_recipient_id is not None
    return authorizations.AgencyRequestData(
        referral_recipient_id=decode_global_id(
            input.referral_recipient_id, "ReferralRecipient", "referralRecipientId"
        ),
        lines=tuple(
            LineData(
                quantity=line.quantity,
                requested_start=line.requested_start,
                requested_end=line.requested_end,
                requested_rate=line.requested_rate,
                description=line.description,
            )
            for line in input.lines
        ),
        notes=input.notes,
        priority=input.priority,
    )


def _provider(value: relay.GlobalID | None, field: str) -> uuid.UUID | None:
    return None if value is None else decode_global_id(value, "Provider", field)


def _payer_data(input: CreateAuthorizationRequestInput) -> PayerRequestData:
    if input.patient_id is None or input.payer_id is None:
        field = "patientId" if input.patient_id is None else "payerId"
        raise DomainError(
            ErrorCode.REQUIRED, "A payer request names the patient and the payer", field
        )
    lines = []
    for index, line in enumerate(input.lines):
        if line.code_system is None or not line.service_code:
            raise DomainError(
                ErrorCode.REQUIRED, "A payer line has a code", f"lines.{index}.serviceCode"
            )
        lines.append(
            ServiceLineData(
                code_system=line.code_system,
                service_code=line.service_code,
                quantity=line.quantity,
                unit_of_measure=line.unit_of_measure,
                modifiers=tuple(line.modifiers),
                requested_start=line.requested_start,
                requested_end=line.requested_end,
                place_of_service=line.place_of_service,
                description=line.description,
            )
        )
    return PayerRequestData(
        patient_id=decode_global_id(input.patient_id, "Person", "patientId"),
        payer_id=decode_global_id(input.payer_id, "Organization", "payerId"),
        lines=tuple(lines),
        diagnoses=tuple(DiagnosisData(d.code, d.display) for d in input.diagnoses),
        coverage_id=uuid_of(input.coverage_id, "coverageId") if input.coverage_id else None,
        priority=input.priority or Priority.STANDARD,
        category=input.category or RequestCategory.OUTPATIENT_SERVICE,
        requesting_provider_id=_provider(input.requesting_provider_id, "requestingProviderId"),
        servicing_provider_id=_provider(input.servicing_provider_id, "servicingProviderId"),
        facility_provider_id=_provider(input.facility_provider_id, "facilityProviderId"),
        notes=input.notes,
    )


def as_request(outcome: Outcome[Any]) -> AuthorizationRequest | None:
    return outcome.map(AuthorizationRequest.from_model)


@strawberry.type
class AuthorizationsQuery:
    @strawberry.field(extensions=signed_in(*WORKLIST_ROLES))
    async def authorization_request(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> AuthorizationRequest | None:
        found = await info.context.loaders.authorization_request.load(request_id_of(id))
        return AuthorizationRequest.from_model(found) if found else None


@strawberry.type
class AuthorizationsMutation:
    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_ROLES),
        description="To the agency for an accepted referral, or a DRAFT to a payer.",
    )
    async def create_authorization_request(
        self, info: Info[Context, None], input: CreateAuthorizationRequestInput
    ) -> CreateAuthorizationRequestPayload:
        async def use_case(uow, actor):  # type: ignore[no-untyped-def]
            if input.referral_recipient_id is not None:
                return await authorizations.create_agency_request(
                    uow=uow, actor=actor, data=_agency_data(input)
                )
            return await payer.create_payer_request(uow=uow, actor=actor, data=_payer_data(input))

        outcome = await perform(info, use_case)
        return CreateAuthorizationRequestPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*DECIDERS),
        description="The agency decides its request; a coordinator records a MANUAL"
        " payer's answer.",
    )
    async def record_determination(
        self, info: Info[Context, None], input: RecordDeterminationInput
    ) -> RecordDeterminationPayload:
        policy = agency.AgencyPolicy(
            supervisor_threshold=Decimal(info.context.settings.agency_supervisor_threshold)
        )
        outcome = await perform(
            info,
            lambda uow, actor: coordinator.record_determination(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                decisions=tuple(decision_of(line, i) for i, line in enumerate(input.lines)),
                policy=policy,
                payer_reference=input.payer_reference,
                notes=input.notes,
            ),
        )
        return RecordDeterminationPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def update_authorization_request(
        self, info: Info[Context, None], input: UpdateAuthorizationRequestInput
    ) -> UpdateAuthorizationRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: payer.update_payer_request(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.id),
                data=_payer_data(input.request),
            ),
        )
        return UpdateAuthorizationRequestPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def submit_authorization_request(
        self, info: Info[Context, None], input: SubmitAuthorizationRequestInput
    ) -> SubmitAuthorizationRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: payer.submit_request(
                uow=uow, actor=actor, request_id=request_id_of(input.id)
            ),
        )
        return SubmitAuthorizationRequestPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def cancel_authorization_request(
        self, info: Info[Context, None], input: CancelAuthorizationRequestInput
    ) -> CancelAuthorizationRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: payer.cancel_request(
                uow=uow, actor=actor, request_id=request_id_of(input.id), reason=input.reason
            ),
        )
        return CancelAuthorizationRequestPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def assign_authorization_request(
        self, info: Info[Context, None], input: AssignAuthorizationRequestInput
    ) -> AssignAuthorizationRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: payer.assign_request(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.id),
                assignee_id=decode_global_id(input.assignee_id, "User", "assigneeId")
                if input.assignee_id
                else None,
            ),
        )
        return AssignAuthorizationRequestPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def attach_document(
        self, info: Info[Context, None], input: AttachDocumentInput
    ) -> AttachDocumentPayload:
        document = input.document
        outcome = await perform(
            info,
            lambda uow, actor: documents.attach_document(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                kind=document.kind,
                title=document.title,
                content_type=document.content_type,
                content=_content(document, "document"),
            ),
        )
        return AttachDocumentPayload(
            attachment=outcome.map(
                lambda a: Attachment(
                    id=strawberry.ID(str(a.id)),
                    kind=a.kind,
                    title=a.title,
                    content_type=a.content_type,
                    size_bytes=a.size_bytes,
                    sha256=a.sha256,
                    attached_at=a.attached_at,
                    information_request_id=None,
                )
            ),
            errors=outcome.errors,
        )

    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_ROLES),
        description="Record that a MANUAL payer asked for more information.",
    )
    async def record_information_request(
        self, info: Info[Context, None], input: RecordInformationRequestInput
    ) -> RecordInformationRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: coordinator.record_manual_information_request(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                requested=input.requested,
                due_at=input.due_at,
            ),
        )
        return RecordInformationRequestPayload(
            information_request=outcome.map(
                lambda r: InformationRequest(
                    id=strawberry.ID(str(r.id)),
                    requested=r.requested,
                    due_at=r.due_at,
                    status=r.status,
                    requested_at=r.requested_at,
                    response=r.response,
                    answered_at=r.answered_at,
                )
            ),
            errors=outcome.errors,
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def provide_additional_information(
        self, info: Info[Context, None], input: ProvideAdditionalInformationInput
    ) -> ProvideAdditionalInformationPayload:
        def given() -> tuple[documents.Document, ...]:
            return tuple(
                documents.Document(d.kind, d.title, d.content_type, _content(d, f"documents.{i}"))
                for i, d in enumerate(input.documents)
            )

        outcome = await perform(
            info,
            lambda uow, actor: coordinator.provide_additional_information(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                information_request_id=uuid_of(
                    input.information_request_id, "informationRequestId"
                ),
                response=input.response,
                documents=given(),
            ),
        )
        return ProvideAdditionalInformationPayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )
