"""Inputs and payloads of provider network management's mutations."""

from __future__ import annotations

import base64
import binascii
import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.errors import DomainError, ErrorCode
from domain.network import rules, terms
from domain.network.adequacy import TargetData
from domain.network.lifecycle import CommitteeDecision, OnboardingTaskAction, OutreachAction
from domain.network.models import CredentialKind, NetworkTier
from domain.network.recruiting import LeadData
from domain.network.terms import PaymentTermKind
from domain.providers.models import ProviderKind
from domain.providers.rules import ServiceOfferData, SpecialtyData
from schema.inputs import to_dataclass
from schema.providers import LocationInput, ServiceOfferInput, SpecialtyInput
from schema.relay import decode_global_id


@strawberry.input
class PracticeInput:
    kind: ProviderKind = strawberry.field(
        description="ORGANIZATION for a group practice, PRACTITIONER for a solo practice"
    )
    name: str
    npi: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    description: str | None = None


@strawberry.input
class PractitionerInput:
    name: str
    npi: str
    degree: str | None = None
    specialty_code: str | None = None


@strawberry.input(description="A licence, board certification, degree or malpractice policy.")
class CredentialInput:
    kind: CredentialKind
    subject_npi: str | None = strawberry.field(
        default=None, description="The practitioner's NPI; none = the practice's"
    )
    number: str | None = None
    issuer: str | None = None
    state: str | None = None
    issued_on: datetime.date | None = None
    expires_on: datetime.date | None = None


@strawberry.input(description="Everything the applicant enters; a save replaces it all.")
class ApplicationInput:
    practice: PracticeInput
    practitioners: list[PractitionerInput] = strawberry.field(default_factory=list)
    locations: list[LocationInput] = strawberry.field(default_factory=list)
    specialties: list[SpecialtyInput] = strawberry.field(default_factory=list)
    services: list[ServiceOfferInput] = strawberry.field(default_factory=list)
    languages: list[str] = strawberry.field(default_factory=list)
    credentials: list[CredentialInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> rules.ApplicationData:
        return rules.ApplicationData(
            practice=to_dataclass(rules.PracticeData, self.practice),
            practitioners=tuple(
                to_dataclass(rules.PractitionerData, p) for p in self.practitioners
            ),
            locations=tuple(loc.to_domain() for loc in self.locations),
            specialties=tuple(to_dataclass(SpecialtyData, s) for s in self.specialties),
            services=tuple(
                to_dataclass(
                    ServiceOfferData,
                    offer,
                    benefit_id=decode_global_id(
                        offer.benefit_id, "Benefit", f"services.{i}.benefitId"
                    ),
                )
                for i, offer in enumerate(self.services)
            ),
            languages=tuple(self.languages),
            credentials=tuple(to_dataclass(rules.CredentialData, c) for c in self.credentials),
        )


@strawberry.input
class SaveApplicationDraftInput:
    application_id: relay.GlobalID
    application: ApplicationInput


@strawberry.input
class ApplicationIdInput:
    application_id: relay.GlobalID


@strawberry.input
class SubmitApplicationInput(ApplicationIdInput):
    pass


@strawberry.input
class StartApplicationReviewInput(ApplicationIdInput):
    pass


@strawberry.input
class WithdrawApplicationInput(ApplicationIdInput):
    reason: str | None = None


@strawberry.input
class RequestApplicationDocumentsInput(ApplicationIdInput):
    message: str


@strawberry.input
class UploadApplicationDocumentInput(ApplicationIdInput):
    title: str
    content_type: str = strawberry.field(
        description="application/pdf, image/png, image/jpeg, text/plain"
    )
    content_base64: str
    request_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The document request it answers, if any"
    )

    def content(self) -> bytes:
        try:
            return base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError(ErrorCode.INVALID, "Not valid base64", "contentBase64") from None


@strawberry.input
class AnswerDocumentRequestInput:
    request_id: relay.GlobalID
    answer: str | None = None


@strawberry.input
class VerifyCredentialInput:
    credential_id: relay.GlobalID
    verified: bool
    evidence: str = strawberry.field(description="How it was verified (who, what was seen)")
    expires_on: datetime.date | None = None


@strawberry.input
class RunCredentialVerificationInput:
    credential_id: relay.GlobalID


@strawberry.input
class RecordCommitteeDecisionInput(ApplicationIdInput):
    decision: CommitteeDecision
    notes: str | None = None


@strawberry.input
class RecordRecredentialingInput(ApplicationIdInput):
    pass


@strawberry.input
class CreateContractTemplateInput:
    name: str
    body: str = strawberry.field(description="The text, with {{merge_field}} placeholders")


@strawberry.input
class PaymentTermInput:
    kind: PaymentTermKind
    benefit_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The service of a FEE_SCHEDULE term"
    )
    amount: Decimal | None = None
    percent: Decimal | None = None
    description: str | None = None


@strawberry.input
class ContractClauseInput:
    name: str
    text: str


@strawberry.input
class ContractTermsInput:
    tier: NetworkTier
    period_start: datetime.date
    period_end: datetime.date
    payment_terms: list[PaymentTermInput]
    covered_service_ids: list[relay.GlobalID]
    clauses: list[ContractClauseInput] = strawberry.field(default_factory=list)
    change_note: str | None = None

    def to_domain(self) -> terms.ContractTermsData:
        return terms.ContractTermsData(
            tier=self.tier,
            period_start=self.period_start,
            period_end=self.period_end,
            payment_terms=tuple(
                terms.PaymentTermData(
                    kind=t.kind,
                    benefit_id=decode_global_id(
                        t.benefit_id, "Benefit", f"paymentTerms.{i}.benefitId"
                    )
                    if t.benefit_id
                    else None,
                    amount=t.amount,
                    percent=t.percent,
                    description=t.description,
                )
                for i, t in enumerate(self.payment_terms)
            ),
            covered_services=tuple(
                decode_global_id(b, "Benefit", f"coveredServiceIds.{i}")
                for i, b in enumerate(self.covered_service_ids)
            ),
            clauses={c.name: c.text for c in self.clauses},
            change_note=self.change_note,
        )


@strawberry.input
class DraftContractInput(ApplicationIdInput):
    template_id: relay.GlobalID
    terms: ContractTermsInput


@strawberry.input
class ContractIdInput:
    contract_id: relay.GlobalID


@strawberry.input
class ReviseContractInput(ContractIdInput):
    terms: ContractTermsInput


@strawberry.input
class SubmitContractForApprovalInput(ContractIdInput):
    pass


@strawberry.input
class ApproveContractInput(ContractIdInput):
    pass


@strawberry.input
class RejectContractInput(ContractIdInput):
    reason: str


@strawberry.input
class SendContractForSignatureInput(ContractIdInput):
    signer_name: str
    signer_email: str


@strawberry.input
class RecordContractSignatureInput(ContractIdInput):
    pass


@strawberry.input
class ActivateContractInput(ContractIdInput):
    pass


@strawberry.input
class TerminateContractInput(ContractIdInput):
    reason: str


@strawberry.input
class UpdateOnboardingTaskInput:
    task_id: relay.GlobalID
    action: OnboardingTaskAction
    note: str | None = None


@strawberry.input
class SetAdequacyTargetInput:
    specialty_code: str
    specialty_display: str
    area_name: str
    latitude: float
    longitude: float
    radius_km: float
    target_count: int

    def to_domain(self) -> TargetData:
        return to_dataclass(TargetData, self)


@strawberry.input
class CreateRecruitmentCampaignInput:
    code: str
    name: str
    description: str | None = None
    specialty_code: str | None = None
    area_name: str | None = None


@strawberry.input
class LeadInput:
    name: str
    email: str
    practice_name: str | None = None
    npi: str | None = None
    phone: str | None = None
    specialty_code: str | None = None
    postal_code: str | None = None
    message: str | None = None

    def to_domain(self) -> LeadData:
        return to_dataclass(LeadData, self)


@strawberry.input
class AddCampaignTargetInput:
    campaign_id: relay.GlobalID
    lead: LeadInput


@strawberry.input
class RecordOutreachInput:
    lead_id: relay.GlobalID
    action: OutreachAction = strawberry.field(description="CONTACT, EXPRESS_INTEREST or DECLINE")
    note: str | None = None


@strawberry.input
class InviteLeadInput:
    lead_id: relay.GlobalID
    organization_name: str | None = strawberry.field(
        default=None, description="The provider organisation's name; default the practice's"
    )
