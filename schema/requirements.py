"""GraphQL types for payers' prior-authorization rules and the requirement check."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay

from domain.authorizations import models
from domain.authorizations.models import CodeSystem, Requirement
from domain.authorizations.requirements import LineRequirement
from schema.errors import UserError

strawberry.enum(Requirement)


@strawberry.type(description="One of a payer's rules: which services need authorization.")
class AuthorizationRule:
    id: strawberry.ID
    code_system: CodeSystem
    code_from: str
    code_to: str
    requirement: Requirement
    diagnosis_prefixes: list[str]
    places_of_service: list[str]
    quantity_over: Decimal | None
    documentation: list[str]
    description: str | None

    @classmethod
    def from_model(cls, m: models.AuthorizationRule) -> Self:
        return cls(
            id=strawberry.ID(str(m.id)),
            code_system=m.code_system,
            code_from=m.code_from,
            code_to=m.code_to,
            requirement=m.requirement,
            diagnosis_prefixes=list(m.diagnosis_prefixes),
            places_of_service=list(m.places_of_service),
            quantity_over=m.quantity_over,
            documentation=list(m.documentation),
            description=m.description,
        )


@strawberry.type(description="Whether a requested service needs authorization, and with what.")
class ServiceRequirement:
    sequence: int
    requirement: Requirement
    documentation: list[str] = strawberry.field(description="What the payer wants attached")
    reason: str

    @classmethod
    def from_answer(cls, a: LineRequirement) -> Self:
        return cls(
            sequence=a.sequence,
            requirement=a.requirement,
            documentation=list(a.documentation),
            reason=a.reason,
        )


@strawberry.input
class ServiceToCheckInput:
    code_system: CodeSystem
    service_code: str
    quantity: Decimal = Decimal(1)
    place_of_service: str | None = None


@strawberry.input
class AuthorizationRequiredInput:
    payer_id: relay.GlobalID
    lines: list[ServiceToCheckInput]
    diagnoses: list[str] = strawberry.field(default_factory=list, description="ICD-10-CM")


@strawberry.input
class CreateAuthorizationRuleInput:
    code_system: CodeSystem
    code_from: str
    code_to: str
    requirement: Requirement
    diagnosis_prefixes: list[str] = strawberry.field(default_factory=list)
    places_of_service: list[str] = strawberry.field(default_factory=list)
    quantity_over: Decimal | None = None
    documentation: list[str] = strawberry.field(default_factory=list)
    description: str | None = None


@strawberry.input
class DeactivateAuthorizationRuleInput:
    id: strawberry.ID


@strawberry.type
class CreateAuthorizationRulePayload:
    rule: AuthorizationRule | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeactivateAuthorizationRulePayload:
    rule: AuthorizationRule | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
