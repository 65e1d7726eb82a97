"""Inputs and payloads of the case, referral and agency authorization mutations."""

from __future__ import annotations

import datetime
from decimal import Decimal
from enum import StrEnum

import strawberry
from strawberry import relay

from domain.authorizations.lifecycle import AuthorizationStatus, ReviewAction
from domain.authorizations.models import AttachmentKind, CodeSystem, Priority, RequestCategory
from domain.catalog.models import UnitOfMeasure
from domain.referrals.models import Urgency
from schema.authorizations import Attachment, AuthorizationRequest, InformationRequest
from schema.errors import UserError
from schema.referrals import Referral, ReferralRecipient


@strawberry.input
class CreateReferralInput:
    benefit_assignment_id: relay.GlobalID
    provider_ids: list[relay.GlobalID]
    reason: str
    respond_by: datetime.datetime = strawberry.field(description="Providers answer by then")
    consent_given: bool = strawberry.field(description="The constituent agreed to share")
    urgency: Urgency = Urgency.ROUTINE
    notes: str | None = None
    languages: list[str] = strawberry.field(default_factory=list, description="BCP 47 tags")


@strawberry.enum
class ReferralAnswer(StrEnum):
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"


@strawberry.input
class RespondToReferralInput:
    recipient_id: relay.GlobalID
    answer: ReferralAnswer
    reason: str | None = strawberry.field(default=None, description="Required to decline")


@strawberry.input
class WithdrawReferralInput:
    id: relay.GlobalID
    recipient_ids: list[relay.GlobalID] = strawberry.field(
        default_factory=list, description="Only these providers; all unanswered when empty"
    )
    reason: str | None = None


@strawberry.input
class ReferralFilter:
    case_id: relay.GlobalID | None = None
    person_id: relay.GlobalID | None = None
    status: str | None = None
    recipient_status: str | None = strawberry.field(
        default=None, description="Referrals with a recipient (yours, for providers) in it"
    )


@strawberry.input(description="A requested service: for a payer a CPT/HCPCS code or service type")
class AuthorizationLineInput:
    quantity: Decimal
    requested_start: datetime.date | None = None
    requested_end: datetime.date | None = None
    requested_rate: Decimal | None = strawberry.field(default=None, description="Agency requests")
    description: str | None = None
    code_system: CodeSystem | None = strawberry.field(default=None, description="Payer requests")
    service_code: str | None = strawberry.field(default=None, description="Payer requests")
    modifiers: list[str] = strawberry.field(default_factory=list)
    unit_of_measure: UnitOfMeasure = UnitOfMeasure.UNIT
    place_of_service: str | None = strawberry.field(default=None, description="CMS POS code")


@strawberry.input
class DiagnosisInput:
    code: str = strawberry.field(description="ICD-10-CM, such as M54.16")
    display: str | None = None


@strawberry.input(
    description="To the agency for an accepted referral (referralRecipientId), or to a payer"
    " (patientId, payerId and the clinical details)."
)
class CreateAuthorizationRequestInput:
    lines: list[AuthorizationLineInput]
    referral_recipient_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Your accepted referral: the agency that referred decides"
    )
    patient_id: relay.GlobalID | None = None
    payer_id: relay.GlobalID | None = strawberry.field(default=None, description="A PAYER")
    coverage_id: strawberry.ID | None = None
    category: RequestCategory | None = None
    requesting_provider_id: relay.GlobalID | None = None
    servicing_provider_id: relay.GlobalID | None = None
    facility_provider_id: relay.GlobalID | None = None
    diagnoses: list[DiagnosisInput] = strawberry.field(default_factory=list)
    notes: str | None = None
    priority: Priority | None = strawberry.field(
        default=None, description="Agency: by the referral's urgency when not given"
    )


@strawberry.input(description="Replaces the details of an unsent or rejected request to a payer.")
class UpdateAuthorizationRequestInput:
    id: relay.GlobalID
    request: CreateAuthorizationRequestInput = strawberry.field(
        description="The same patient and payer; everything else is replaced"
    )


@strawberry.input
class SubmitAuthorizationRequestInput:
    id: relay.GlobalID


@strawberry.input
class CancelAuthorizationRequestInput:
    id: relay.GlobalID
    reason: str | None = None


@strawberry.input
class AssignAuthorizationRequestInput:
    id: relay.GlobalID
    assignee_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A coordinator of your organisation; null to unassign"
    )


@strawberry.input
class DocumentInput:
    kind: AttachmentKind
    title: str
    content_type: str = strawberry.field(description="application/pdf, image/png, text/plain...")
    content_base64: str


@strawberry.input
class AttachDocumentInput:
    request_id: relay.GlobalID
    document: DocumentInput


@strawberry.input
class RecordInformationRequestInput:
    request_id: relay.GlobalID
    requested: str = strawberry.field(description="What the payer asked for")
    due_at: datetime.datetime | None = None


@strawberry.input
class ProvideAdditionalInformationInput:
    request_id: relay.GlobalID
    information_request_id: strawberry.ID
    response: str
    documents: list[DocumentInput] = strawberry.field(default_factory=list)


@strawberry.input
class WorklistFilter:
    statuses: list[AuthorizationStatus] = strawberry.field(default_factory=list)
    priority: Priority | None = None
    payer_id: relay.GlobalID | None = None
    assignee_id: relay.GlobalID | None = None
    assigned_to_me: bool = False
    unassigned: bool = False
    due_before: datetime.datetime | None = None
    overdue: bool = False
    patient_id: relay.GlobalID | None = None
    text: str | None = strawberry.field(default=None, description="Number, payer reference, name")


@strawberry.input
class LineDeterminationInput:
    line_id: strawberry.ID
    review_action: ReviewAction
    approved_quantity: Decimal | None = None
    approved_start: datetime.date | None = None
    approved_end: datetime.date | None = None
    rate: Decimal | None = strawberry.field(
        default=None, description="Per unit; the provider's or the offering rate by default"
    )
    authorization_number: str | None = None
    reason_codes: list[str] = strawberry.field(default_factory=list)
    notes: str | None = None


@strawberry.input
class RecordDeterminationInput:
    request_id: relay.GlobalID
    lines: list[LineDeterminationInput]
    notes: str | None = None
    payer_reference: str | None = strawberry.field(
        default=None, description="The payer's reference (MANUAL payers)"
    )


@strawberry.type
class CreateReferralPayload:
    referral: Referral | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RespondToReferralPayload:
    recipient: ReferralRecipient | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WithdrawReferralPayload:
    referral: Referral | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CreateAuthorizationRequestPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordDeterminationPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubmitAuthorizationRequestPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CancelAuthorizationRequestPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignAuthorizationRequestPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AttachDocumentPayload:
    attachment: Attachment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordInformationRequestPayload:
    information_request: InformationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ProvideAdditionalInformationPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateAuthorizationRequestPayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
