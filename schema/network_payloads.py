"""Payloads of provider network management's mutations: the result and `errors`."""

from __future__ import annotations

import strawberry

from schema.errors import UserError
from schema.identity import Organization, User
from schema.network import (
    ApplicationDocument,
    ContractTemplate,
    DocumentRequest,
    NetworkApplication,
    NetworkContract,
    NetworkCredential,
    OnboardingTask,
)
from schema.network_recruiting import NetworkLead, RecruitmentCampaign


@strawberry.type
class NetworkApplicationPayload:
    """Shared shape; each mutation has its own payload type below."""

    application: NetworkApplication | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SaveApplicationDraftPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class SubmitApplicationPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class StartApplicationReviewPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class WithdrawApplicationPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class RecordCommitteeDecisionPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class RecordRecredentialingPayload(NetworkApplicationPayload):
    pass


@strawberry.type
class RequestApplicationDocumentsPayload:
    document_request: DocumentRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AnswerDocumentRequestPayload:
    document_request: DocumentRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UploadApplicationDocumentPayload:
    document: ApplicationDocument | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VerifyCredentialPayload:
    credential: NetworkCredential | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RunCredentialVerificationPayload(VerifyCredentialPayload):
    pass


@strawberry.type
class CreateContractTemplatePayload:
    template: ContractTemplate | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NetworkContractPayload:
    contract: NetworkContract | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DraftContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class ReviseContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class SubmitContractForApprovalPayload(NetworkContractPayload):
    pass


@strawberry.type
class ApproveContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class RejectContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class SendContractForSignaturePayload(NetworkContractPayload):
    pass


@strawberry.type
class RecordContractSignaturePayload(NetworkContractPayload):
    pass


@strawberry.type
class ActivateContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class TerminateContractPayload(NetworkContractPayload):
    pass


@strawberry.type
class UpdateOnboardingTaskPayload:
    task: OnboardingTask | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetAdequacyTargetPayload:
    specialty_code: str | None = None
    area_name: str | None = None
    target_count: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateRecruitmentCampaignPayload:
    campaign: RecruitmentCampaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class NetworkLeadPayload:
    lead: NetworkLead | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddCampaignTargetPayload(NetworkLeadPayload):
    pass


@strawberry.type
class RecordOutreachPayload(NetworkLeadPayload):
    pass


@strawberry.type
class InviteLeadPayload:
    lead: NetworkLead | None = None
    application: NetworkApplication | None = None
    applicant: User | None = strawberry.field(
        default=None, description="The portal user made for the lead (PROVIDER_STAFF)"
    )
    applicant_organization: Organization | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
