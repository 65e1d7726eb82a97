"""Provider network management: the application and credentialing mutations."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.identity.models import Role
from domain.network import applications, credentialing
from resolvers.outcome import perform
from schema.context import Context
from schema.network import (
    ApplicationDocument,
    DocumentRequest,
    NetworkApplication,
    NetworkCredential,
)
from schema.network_inputs import (
    AnswerDocumentRequestInput,
    RecordCommitteeDecisionInput,
    RecordRecredentialingInput,
    RequestApplicationDocumentsInput,
    RunCredentialVerificationInput,
    SaveApplicationDraftInput,
    StartApplicationReviewInput,
    SubmitApplicationInput,
    UploadApplicationDocumentInput,
    VerifyCredentialInput,
    WithdrawApplicationInput,
)
from schema.network_payloads import (
    AnswerDocumentRequestPayload,
    RecordCommitteeDecisionPayload,
    RecordRecredentialingPayload,
    RequestApplicationDocumentsPayload,
    RunCredentialVerificationPayload,
    SaveApplicationDraftPayload,
    StartApplicationReviewPayload,
    SubmitApplicationPayload,
    UploadApplicationDocumentPayload,
    VerifyCredentialPayload,
    WithdrawApplicationPayload,
)
from schema.permissions import signed_in
from schema.relay import decode_global_id

NETWORK = (Role.NETWORK_STAFF,)
APPLICANT = (Role.PROVIDER_STAFF,)
EITHER = (Role.NETWORK_STAFF, Role.PROVIDER_STAFF)


@strawberry.type
class NetworkApplicationsMutation:
    @strawberry.mutation(extensions=signed_in(*APPLICANT))
    async def save_application_draft(
        self, info: Info[Context, None], input: SaveApplicationDraftInput
    ) -> SaveApplicationDraftPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.save_application_draft(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                data=input.application.to_domain(),
            ),
        )
        return SaveApplicationDraftPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*APPLICANT))
    async def submit_application(
        self, info: Info[Context, None], input: SubmitApplicationInput
    ) -> SubmitApplicationPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.submit_application(
                uow=uow, actor=actor, application_id=_key(input.application_id)
            ),
        )
        return SubmitApplicationPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*APPLICANT))
    async def withdraw_application(
        self, info: Info[Context, None], input: WithdrawApplicationInput
    ) -> WithdrawApplicationPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.withdraw_application(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                reason=input.reason,
            ),
        )
        return WithdrawApplicationPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*APPLICANT))
    async def upload_application_document(
        self, info: Info[Context, None], input: UploadApplicationDocumentInput
    ) -> UploadApplicationDocumentPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.upload_document(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                title=input.title,
                content_type=input.content_type,
                content=input.content(),
                request_id=decode_global_id(input.request_id, "DocumentRequest", "requestId")
                if input.request_id
                else None,
            ),
        )
        return UploadApplicationDocumentPayload(
            document=outcome.map(ApplicationDocument.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*APPLICANT))
    async def answer_document_request(
        self, info: Info[Context, None], input: AnswerDocumentRequestInput
    ) -> AnswerDocumentRequestPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.answer_document_request(
                uow=uow,
                actor=actor,
                request_id=decode_global_id(input.request_id, "DocumentRequest", "requestId"),
                answer=input.answer,
            ),
        )
        return AnswerDocumentRequestPayload(
            document_request=outcome.map(DocumentRequest.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def start_application_review(
        self, info: Info[Context, None], input: StartApplicationReviewInput
    ) -> StartApplicationReviewPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.start_review(
                uow=uow, actor=actor, application_id=_key(input.application_id)
            ),
        )
        return StartApplicationReviewPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def request_application_documents(
        self, info: Info[Context, None], input: RequestApplicationDocumentsInput
    ) -> RequestApplicationDocumentsPayload:
        outcome = await perform(
            info,
            lambda uow, actor: applications.request_documents(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                message=input.message,
            ),
        )
        return RequestApplicationDocumentsPayload(
            document_request=outcome.map(DocumentRequest.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def verify_credential(
        self, info: Info[Context, None], input: VerifyCredentialInput
    ) -> VerifyCredentialPayload:
        outcome = await perform(
            info,
            lambda uow, actor: credentialing.verify_credential(
                uow=uow,
                actor=actor,
                credential_id=_credential(input.credential_id),
                verified=input.verified,
                evidence=input.evidence,
                expires_on=input.expires_on,
            ),
        )
        return VerifyCredentialPayload(
            credential=outcome.map(NetworkCredential.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK),
        description="Ask the credential's verification source (again, after a failure).",
    )
    async def run_credential_verification(
        self, info: Info[Context, None], input: RunCredentialVerificationInput
    ) -> RunCredentialVerificationPayload:
        sources = info.context.verification
        outcome = await perform(
            info,
            lambda uow, actor: credentialing.run_credential_verification(
                uow=uow,
                actor=actor,
                credential_id=_credential(input.credential_id),
                sources=sources,
            ),
        )
        return RunCredentialVerificationPayload(
            credential=outcome.map(NetworkCredential.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def record_committee_decision(
        self, info: Info[Context, None], input: RecordCommitteeDecisionInput
    ) -> RecordCommitteeDecisionPayload:
        months = info.context.settings.network_recredentialing_months
        outcome = await perform(
            info,
            lambda uow, actor: credentialing.record_committee_decision(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                decision=input.decision,
                notes=input.notes,
                recredentialing_months=months,
            ),
        )
        return RecordCommitteeDecisionPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )


@strawberry.type
class NetworkRecredentialingMutation:
    @strawberry.mutation(
        extensions=signed_in(*NETWORK),
        description="The approved provider's checklist was verified again: set the next due date.",
    )
    async def record_recredentialing(
        self, info: Info[Context, None], input: RecordRecredentialingInput
    ) -> RecordRecredentialingPayload:
        months = info.context.settings.network_recredentialing_months
        outcome = await perform(
            info,
            lambda uow, actor: credentialing.record_recredentialing(
                uow=uow,
                actor=actor,
                application_id=_key(input.application_id),
                recredentialing_months=months,
            ),
        )
        return RecordRecredentialingPayload(
            application=outcome.map(NetworkApplication.from_model), errors=outcome.errors
        )


def _key(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkApplication", "applicationId")


def _credential(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkCredential", "credentialId")
