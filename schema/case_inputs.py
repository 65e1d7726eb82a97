"""Inputs and payloads of the case mutations."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.cases.lifecycle import BenefitAssignmentAction, CaseAction, CaseType
from domain.cases.models import CaseRole, DeliveryMode, OwnershipStrategy, ParticipantRole
from schema.cases import BenefitAssignment, Case, CaseReview
from schema.errors import UserError


@strawberry.input
class CaseParticipantInput:
    person_id: relay.GlobalID
    role: ParticipantRole


@strawberry.input
class CreateCaseInput:
    case_type: CaseType
    primary_client_id: relay.GlobalID
    parent_case_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The integrated case that contains this one"
    )
    title: str | None = None
    program: str | None = None
    participants: list[CaseParticipantInput] = strawberry.field(default_factory=list)


@strawberry.input
class TransitionCaseInput:
    id: relay.GlobalID
    action: CaseAction
    reason: str | None = None


@strawberry.input
class AddCaseParticipantInput:
    case_id: relay.GlobalID
    person_id: relay.GlobalID
    role: ParticipantRole


@strawberry.input
class AssignCaseRoleInput:
    case_id: relay.GlobalID
    role: CaseRole
    user_id: relay.GlobalID


@strawberry.input
class AssignNomineeInput:
    case_id: relay.GlobalID
    component: str = strawberry.field(description="The case component, e.g. a benefit's code")
    person_id: relay.GlobalID


@strawberry.input
class AssignBenefitInput:
    case_id: relay.GlobalID
    person_id: relay.GlobalID
    benefit_id: relay.GlobalID
    quantity: Decimal
    period_start: datetime.date
    period_end: datetime.date
    delivery_mode: DeliveryMode
    component: str | None = strawberry.field(
        default=None,
        description="Case component whose nominee is paid (PRODUCT); the benefit code by default",
    )
    notes: str | None = None


@strawberry.input
class TransitionBenefitAssignmentInput:
    id: relay.GlobalID
    action: BenefitAssignmentAction
    reason: str | None = None


@strawberry.input
class ScheduleCaseReviewInput:
    case_id: relay.GlobalID
    due_on: datetime.date


@strawberry.input
class CompleteCaseReviewInput:
    id: strawberry.ID
    notes: str | None = None


@strawberry.input
class SetCaseOwnershipRuleInput:
    case_type: CaseType
    strategy: OwnershipStrategy
    user_id: relay.GlobalID | None = None


@strawberry.input
class CaseFilter:
    case_type: CaseType | None = None
    status: str | None = None
    person_id: relay.GlobalID | None = None
    parent_case_id: relay.GlobalID | None = None
    owned_by_me: bool = False
    open_only: bool = False
    number: str | None = None


@strawberry.type
class CaseOwnershipRule:
    case_type: CaseType
    strategy: OwnershipStrategy


@strawberry.type
class CreateCasePayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TransitionCasePayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddCaseParticipantPayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignCaseRolePayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignNomineePayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AssignBenefitPayload:
    benefit_assignment: BenefitAssignment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TransitionBenefitAssignmentPayload:
    benefit_assignment: BenefitAssignment | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ScheduleCaseReviewPayload:
    review: CaseReview | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompleteCaseReviewPayload:
    review: CaseReview | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetCaseOwnershipRulePayload:
    rule: CaseOwnershipRule | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
