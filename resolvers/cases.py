"""Queries and mutations on cases, their members, benefit assignments and reviews."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.cases import benefits, members, ownership
from domain.cases import service as cases
from domain.cases.lifecycle import CaseStatus
from domain.cases.rules import CASE_WORKERS, BenefitAssignmentData, CaseData, ParticipantData
from domain.errors import DomainError, ErrorCode
from domain.identity.models import Role
from resolvers.outcome import perform, read
from schema.case_inputs import (
    AddCaseParticipantInput,
    AddCaseParticipantPayload,
    AssignBenefitInput,
    AssignBenefitPayload,
    AssignCaseRoleInput,
    AssignCaseRolePayload,
    AssignNomineeInput,
    AssignNomineePayload,
    CaseFilter,
    CaseOwnershipRule,
    CompleteCaseReviewInput,
    CompleteCaseReviewPayload,
    CreateCaseInput,
    CreateCasePayload,
    ScheduleCaseReviewInput,
    ScheduleCaseReviewPayload,
    SetCaseOwnershipRuleInput,
    SetCaseOwnershipRulePayload,
    TransitionBenefitAssignmentInput,
    TransitionBenefitAssignmentPayload,
    TransitionCaseInput,
    TransitionCasePayload,
)
from schema.cases import BenefitAssignment, Case, CaseReview
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects


def _case_id(value: relay.GlobalID, field: str = "caseId") -> uuid.UUID:
    return decode_global_id(value, "Case", field)


def _person_id(value: relay.GlobalID, field: str = "personId") -> uuid.UUID:
    return decode_global_id(value, "Person", field)


def _criteria(given: CaseFilter | None, info: Info[Context, None]) -> cases.CaseFilter:
    if given is None:
        return cases.CaseFilter()
    try:
        status = CaseStatus(given.status) if given.status else None
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, "Not a case status", "filter.status") from error
    return cases.CaseFilter(
        case_type=given.case_type,
        status=status,
        person_id=_person_id(given.person_id, "filter.personId") if given.person_id else None,
        parent_case_id=_case_id(given.parent_case_id, "filter.parentCaseId")
        if given.parent_case_id
        else None,
        owner_id=info.context.actor.subject_id if given.owned_by_me else None,
        open_only=given.open_only,
        number=given.number,
    )


@strawberry.type
class CasesQuery:
    @strawberry.field(extensions=signed_in(*CASE_WORKERS), description="Your agency's cases.")
    async def cases(
        self,
        info: Info[Context, None],
        filter: CaseFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Case]:
        criteria = _criteria(filter, info)
        request = page_request(info.context, first, after)
        page = await read(
            info,
            lambda uow, actor: cases.list_cases(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, Case.from_model)

    @strawberry.field(extensions=signed_in(*CASE_WORKERS))
    async def case(self, info: Info[Context, None], id: relay.GlobalID) -> Case | None:
        found = await info.context.loaders.case.load(_case_id(id, "id"))
        return Case.from_model(found) if found else None


@strawberry.type
class CasesMutation:
    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def create_case(
        self, info: Info[Context, None], input: CreateCaseInput
    ) -> CreateCasePayload:
        def data() -> CaseData:
            return CaseData(
                case_type=input.case_type,
                primary_client_id=_person_id(input.primary_client_id, "primaryClientId"),
                parent_case_id=_case_id(input.parent_case_id, "parentCaseId")
                if input.parent_case_id
                else None,
                title=input.title,
                program=input.program,
                participants=tuple(
                    ParticipantData(_person_id(p.person_id, f"participants.{i}.personId"), p.role)
                    for i, p in enumerate(input.participants)
                ),
            )

        outcome = await perform(
            info, lambda uow, actor: cases.create_case(uow=uow, actor=actor, data=data())
        )
        return CreateCasePayload(case=outcome.map(Case.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def transition_case(
        self, info: Info[Context, None], input: TransitionCaseInput
    ) -> TransitionCasePayload:
        outcome = await perform(
            info,
            lambda uow, actor: cases.transition_case(
                uow=uow,
                actor=actor,
                case_id=_case_id(input.id, "id"),
                action=input.action,
                reason=input.reason,
            ),
        )
        return TransitionCasePayload(case=outcome.map(Case.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def add_case_participant(
        self, info: Info[Context, None], input: AddCaseParticipantInput
    ) -> AddCaseParticipantPayload:
        async def use_case(uow, actor):  # type: ignore[no-untyped-def]
            await members.add_case_participant(
                uow=uow,
                actor=actor,
                case_id=_case_id(input.case_id),
                person_id=_person_id(input.person_id),
                role=input.role,
            )
            return await cases.load_case(uow, actor, _case_id(input.case_id))

        outcome = await perform(info, use_case)
        return AddCaseParticipantPayload(case=outcome.map(Case.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def assign_case_role(
        self, info: Info[Context, None], input: AssignCaseRoleInput
    ) -> AssignCaseRolePayload:
        outcome = await perform(
            info,
            lambda uow, actor: members.assign_case_role(
                uow=uow,
                actor=actor,
                case_id=_case_id(input.case_id),
                role=input.role,
                user_id=decode_global_id(input.user_id, "User", "userId"),
            ),
        )
        return AssignCaseRolePayload(case=outcome.map(Case.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def assign_nominee(
        self, info: Info[Context, None], input: AssignNomineeInput
    ) -> AssignNomineePayload:
        async def use_case(uow, actor):  # type: ignore[no-untyped-def]
            await members.assign_nominee(
                uow=uow,
                actor=actor,
                case_id=_case_id(input.case_id),
                component=input.component,
                person_id=_person_id(input.person_id),
            )
            return await cases.load_case(uow, actor, _case_id(input.case_id))

        outcome = await perform(info, use_case)
        return AssignNomineePayload(case=outcome.map(Case.from_model), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def assign_benefit(
        self, info: Info[Context, None], input: AssignBenefitInput
    ) -> AssignBenefitPayload:
        def data() -> BenefitAssignmentData:
            return BenefitAssignmentData(
                person_id=_person_id(input.person_id),
                benefit_id=decode_global_id(input.benefit_id, "Benefit", "benefitId"),
                quantity=input.quantity,
                period_start=input.period_start,
                period_end=input.period_end,
                delivery_mode=input.delivery_mode,
                component=input.component,
                notes=input.notes,
            )

        outcome = await perform(
            info,
            lambda uow, actor: benefits.assign_benefit(
                uow=uow, actor=actor, case_id=_case_id(input.case_id), data=data()
            ),
        )
        return AssignBenefitPayload(
            benefit_assignment=outcome.map(BenefitAssignment.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def transition_benefit_assignment(
        self, info: Info[Context, None], input: TransitionBenefitAssignmentInput
    ) -> TransitionBenefitAssignmentPayload:
        outcome = await perform(
            info,
            lambda uow, actor: benefits.transition_benefit_assignment(
                uow=uow,
                actor=actor,
                assignment_id=decode_global_id(input.id, "BenefitAssignment", "id"),
                action=input.action,
                reason=input.reason,
            ),
        )
        return TransitionBenefitAssignmentPayload(
            benefit_assignment=outcome.map(BenefitAssignment.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def schedule_case_review(
        self, info: Info[Context, None], input: ScheduleCaseReviewInput
    ) -> ScheduleCaseReviewPayload:
        outcome = await perform(
            info,
            lambda uow, actor: members.schedule_case_review(
                uow=uow, actor=actor, case_id=_case_id(input.case_id), due_on=input.due_on
            ),
        )
        return ScheduleCaseReviewPayload(
            review=outcome.map(CaseReview.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def complete_case_review(
        self, info: Info[Context, None], input: CompleteCaseReviewInput
    ) -> CompleteCaseReviewPayload:
        def review_id() -> uuid.UUID:
            try:
                return uuid.UUID(str(input.id))
            except ValueError as error:
                raise DomainError(ErrorCode.INVALID, "Not a review id", "id") from error

        outcome = await perform(
            info,
            lambda uow, actor: members.complete_case_review(
                uow=uow, actor=actor, review_id=review_id(), notes=input.notes
            ),
        )
        return CompleteCaseReviewPayload(
            review=outcome.map(CaseReview.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(Role.ADMIN))
    async def set_case_ownership_rule(
        self, info: Info[Context, None], input: SetCaseOwnershipRuleInput
    ) -> SetCaseOwnershipRulePayload:
        outcome = await perform(
            info,
            lambda uow, actor: ownership.set_ownership_rule(
                uow=uow,
                actor=actor,
                case_type=input.case_type,
                strategy=input.strategy,
                user_id=decode_global_id(input.user_id, "User", "userId")
                if input.user_id
                else None,
            ),
        )
        return SetCaseOwnershipRulePayload(
            rule=outcome.map(
                lambda r: CaseOwnershipRule(case_type=r.case_type, strategy=r.strategy)
            ),
            errors=outcome.errors,
        )
