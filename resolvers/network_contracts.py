"""Provider network management: contracting, onboarding and recruiting mutations."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.identity.models import Role
from domain.network import activation, adequacy, onboarding, recruiting, signatures
from domain.network import contracts as contracting
from resolvers.outcome import perform
from schema.context import Context
from schema.identity import Organization, User
from schema.network import (
    ContractTemplate,
    NetworkApplication,
    NetworkContract,
    OnboardingTask,
)
from schema.network_inputs import (
    ActivateContractInput,
    AddCampaignTargetInput,
    ApproveContractInput,
    CreateContractTemplateInput,
    CreateRecruitmentCampaignInput,
    DraftContractInput,
    InviteLeadInput,
    RecordContractSignatureInput,
    RecordOutreachInput,
    RejectContractInput,
    ReviseContractInput,
    SendContractForSignatureInput,
    SetAdequacyTargetInput,
    SubmitContractForApprovalInput,
    TerminateContractInput,
    UpdateOnboardingTaskInput,
)
from schema.network_payloads import (
    ActivateContractPayload,
    AddCampaignTargetPayload,
    ApproveContractPayload,
    CreateContractTemplatePayload,
    CreateRecruitmentCampaignPayload,
    DraftContractPayload,
    InviteLeadPayload,
    RecordContractSignaturePayload,
    RecordOutreachPayload,
    RejectContractPayload,
    ReviseContractPayload,
    SendContractForSignaturePayload,
    SetAdequacyTargetPayload,
    SubmitContractForApprovalPayload,
    TerminateContractPayload,
    UpdateOnboardingTaskPayload,
)
from schema.network_recruiting import NetworkLead, RecruitmentCampaign
from schema.permissions import signed_in
from schema.relay import decode_global_id

NETWORK = (Role.NETWORK_STAFF,)


def _contract(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkContract", "contractId")


def _lead(gid: relay.GlobalID) -> uuid.UUID:
    return decode_global_id(gid, "NetworkLead", "leadId")


@strawberry.type
class NetworkContractsMutation:
    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def create_contract_template(
        self, info: Info[Context, None], input: CreateContractTemplateInput
    ) -> CreateContractTemplatePayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.create_contract_template(
                uow=uow, actor=actor, name=input.name, body=input.body
            ),
        )
        return CreateContractTemplatePayload(
            template=outcome.map(ContractTemplate.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK), description="Version 1 of a contract, from a template."
    )
    async def draft_contract(
        self, info: Info[Context, None], input: DraftContractInput
    ) -> DraftContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.draft_contract(
                uow=uow,
                actor=actor,
                application_id=decode_global_id(
                    input.application_id, "NetworkApplication", "applicationId"
                ),
                template_id=decode_global_id(input.template_id, "ContractTemplate", "templateId"),
                terms=input.terms.to_domain(),
            ),
        )
        return DraftContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK), description="A new version with negotiated terms."
    )
    async def revise_contract(
        self, info: Info[Context, None], input: ReviseContractInput
    ) -> ReviseContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.revise_contract(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                terms=input.terms.to_domain(),
            ),
        )
        return ReviseContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def submit_contract_for_approval(
        self, info: Info[Context, None], input: SubmitContractForApprovalInput
    ) -> SubmitContractForApprovalPayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.submit_contract_for_approval(
                uow=uow, actor=actor, contract_id=_contract(input.contract_id)
            ),
        )
        return SubmitContractForApprovalPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK),
        description="Internal approval, by someone other than the version's author.",
    )
    async def approve_contract(
        self, info: Info[Context, None], input: ApproveContractInput
    ) -> ApproveContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.decide_contract_approval(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                approve=True,
                reason=None,
            ),
        )
        return ApproveContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def reject_contract(
        self, info: Info[Context, None], input: RejectContractInput
    ) -> RejectContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: contracting.decide_contract_approval(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                approve=False,
                reason=input.reason,
            ),
        )
        return RejectContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def send_contract_for_signature(
        self, info: Info[Context, None], input: SendContractForSignatureInput
    ) -> SendContractForSignaturePayload:
        service = info.context.signatures
        outcome = await perform(
            info,
            lambda uow, actor: signatures.send_contract_for_signature(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                signer_name=input.signer_name,
                signer_email=input.signer_email,
                signatures=service,
            ),
        )
        return SendContractForSignaturePayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK),
        description="Record the e-signature (signer, time, document hash) once it is complete.",
    )
    async def record_contract_signature(
        self, info: Info[Context, None], input: RecordContractSignatureInput
    ) -> RecordContractSignaturePayload:
        service = info.context.signatures
        outcome = await perform(
            info,
            lambda uow, actor: signatures.record_contract_signature(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                signatures=service,
            ),
        )
        return RecordContractSignaturePayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def activate_contract(
        self, info: Info[Context, None], input: ActivateContractInput
    ) -> ActivateContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: activation.activate_contract(
                uow=uow, actor=actor, contract_id=_contract(input.contract_id)
            ),
        )
        return ActivateContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def terminate_contract(
        self, info: Info[Context, None], input: TerminateContractInput
    ) -> TerminateContractPayload:
        outcome = await perform(
            info,
            lambda uow, actor: activation.terminate_contract(
                uow=uow,
                actor=actor,
                contract_id=_contract(input.contract_id),
                reason=input.reason,
            ),
        )
        return TerminateContractPayload(
            contract=outcome.map(NetworkContract.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(Role.NETWORK_STAFF, Role.PROVIDER_STAFF),
        description="Start, complete or cancel an onboarding task.",
    )
    async def update_onboarding_task(
        self, info: Info[Context, None], input: UpdateOnboardingTaskInput
    ) -> UpdateOnboardingTaskPayload:
        outcome = await perform(
            info,
            lambda uow, actor: onboarding.work_onboarding_task(
                uow=uow,
                actor=actor,
                task_id=decode_global_id(input.task_id, "OnboardingTask", "taskId"),
                action=input.action,
                note=input.note,
            ),
        )
        return UpdateOnboardingTaskPayload(
            task=outcome.map(OnboardingTask.from_model), errors=outcome.errors
        )


@strawberry.type
class NetworkRecruitingMutation:
    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def set_adequacy_target(
        self, info: Info[Context, None], input: SetAdequacyTargetInput
    ) -> SetAdequacyTargetPayload:
        outcome = await perform(
            info,
            lambda uow, actor: adequacy.set_adequacy_target(
                uow=uow, actor=actor, data=input.to_domain()
            ),
        )
        target = outcome.value
        return SetAdequacyTargetPayload(
            specialty_code=target.specialty_code if target else None,
            area_name=target.area_name if target else None,
            target_count=target.target_count if target else None,
            errors=outcome.errors,
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def create_recruitment_campaign(
        self, info: Info[Context, None], input: CreateRecruitmentCampaignInput
    ) -> CreateRecruitmentCampaignPayload:
        outcome = await perform(
            info,
            lambda uow, actor: recruiting.create_campaign(
                uow=uow,
                actor=actor,
                code=input.code,
                name=input.name,
                description=input.description,
                specialty_code=input.specialty_code,
                area_name=input.area_name,
            ),
        )
        return CreateRecruitmentCampaignPayload(
            campaign=outcome.map(RecruitmentCampaign.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def add_campaign_target(
        self, info: Info[Context, None], input: AddCampaignTargetInput
    ) -> AddCampaignTargetPayload:
        outcome = await perform(
            info,
            lambda uow, actor: recruiting.add_campaign_target(
                uow=uow,
                actor=actor,
                campaign_id=decode_global_id(
                    input.campaign_id, "RecruitmentCampaign", "campaignId"
                ),
                data=input.lead.to_domain(),
            ),
        )
        return AddCampaignTargetPayload(
            lead=outcome.map(NetworkLead.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*NETWORK))
    async def record_outreach(
        self, info: Info[Context, None], input: RecordOutreachInput
    ) -> RecordOutreachPayload:
        outcome = await perform(
            info,
            lambda uow, actor: recruiting.record_outreach(
                uow=uow,
                actor=actor,
                lead_id=_lead(input.lead_id),
                action=input.action,
                note=input.note,
            ),
        )
        return RecordOutreachPayload(
            lead=outcome.map(NetworkLead.from_model), errors=outcome.errors
        )

    @strawberry.mutation(
        extensions=signed_in(*NETWORK),
        description="Give a lead a provider organisation, a portal user and a draft application.",
    )
    async def invite_lead(
        self, info: Info[Context, None], input: InviteLeadInput
    ) -> InviteLeadPayload:
        outcome = await perform(
            info,
            lambda uow, actor: recruiting.invite_lead(
                uow=uow,
                actor=actor,
                lead_id=_lead(input.lead_id),
                organization_name=input.organization_name,
            ),
        )
        invitation = outcome.value
        if invitation is None:
            return InviteLeadPayload(errors=outcome.errors)
        return InviteLeadPayload(
            lead=NetworkLead.from_model(invitation.lead),
            application=NetworkApplication.from_model(invitation.application),
            applicant=User.from_model(invitation.user),
            applicant_organization=await _organization(info, invitation.user.organization_id),
        )


async def _organization(info: Info[Context, None], organization_id: uuid.UUID) -> Organization:
    return Organization.from_model(await info.context.loaders.organization.load(organization_id))
