"""The requirement check, and payers' management of their rules."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations import requirement_service as rules
from domain.authorizations.requirements import ServiceToCheck
from resolvers.authorizations import uuid_of
from resolvers.outcome import perform, read_only
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import decode_global_id
from schema.requirements import (
    AuthorizationRequiredInput,
    AuthorizationRule,
    CreateAuthorizationRuleInput,
    CreateAuthorizationRulePayload,
    DeactivateAuthorizationRuleInput,
    DeactivateAuthorizationRulePayload,
    ServiceRequirement,
)


@strawberry.type
class RequirementsQuery:
    @strawberry.field(
        extensions=signed_in(),
        description="Per requested service: does this payer require authorization?",
    )
    async def is_authorization_required(
        self, info: Info[Context, None], input: AuthorizationRequiredInput
    ) -> list[ServiceRequirement]:
        payer_id = decode_global_id(input.payer_id, "Organization", "payerId")
        services = [
            ServiceToCheck(s.code_system, s.service_code, s.quantity, s.place_of_service)
            for s in input.lines
        ]
        answers = await read_only(
            info,
            lambda uow, actor: rules.is_authorization_required(
                uow=uow, payer_id=payer_id, services=services, diagnoses=input.diagnoses
            ),
        )
        return [ServiceRequirement.from_answer(a) for a in answers]

    @strawberry.field(extensions=signed_in(), description="A payer's active rules.")
    async def authorization_rules(
        self, info: Info[Context, None], payer_id: relay.GlobalID
    ) -> list[AuthorizationRule]:
        payer = decode_global_id(payer_id, "Organization", "payerId")
        found = await read_only(info, lambda uow, actor: rules.list_rules(uow=uow, payer_id=payer))
        return [AuthorizationRule.from_model(r) for r in found]


@strawberry.type
class RequirementsMutation:
    @strawberry.mutation(extensions=signed_in(*rules.RULE_MANAGERS))
    async def create_authorization_rule(
        self, info: Info[Context, None], input: CreateAuthorizationRuleInput
    ) -> CreateAuthorizationRulePayload:
        data = rules.RuleData(
            code_system=input.code_system,
            code_from=input.code_from,
            code_to=input.code_to,
            requirement=input.requirement,
            diagnosis_prefixes=tuple(input.diagnosis_prefixes),
            places_of_service=tuple(input.places_of_service),
            quantity_over=input.quantity_over,
            documentation=tuple(input.documentation),
            description=input.description,
        )
        outcome = await perform(
            info, lambda uow, actor: rules.create_rule(uow=uow, actor=actor, data=data)
        )
        return CreateAuthorizationRulePayload(
            rule=outcome.map(AuthorizationRule.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*rules.RULE_MANAGERS))
    async def deactivate_authorization_rule(
        self, info: Info[Context, None], input: DeactivateAuthorizationRuleInput
    ) -> DeactivateAuthorizationRulePayload:
        outcome = await perform(
            info,
            lambda uow, actor: rules.deactivate_rule(
                uow=uow, actor=actor, rule_id=uuid_of(input.id, "id")
            ),
        )
        return DeactivateAuthorizationRulePayload(
            rule=outcome.map(AuthorizationRule.from_model), errors=outcome.errors
        )
