"""Use cases on payers' prior-authorization rules: a payer's staff manage them; anyone
preparing a request asks whether its services need authorization."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from domain.authorizations.models import AuthorizationRule, CodeSystem, Requirement
from domain.authorizations.payer_rules import CODE_FORMATS, PLACE_OF_SERVICE
from domain.authorizations.requirements import (
    LineRequirement,
    Rule,
    ServiceToCheck,
    check_requirements,
)
from domain.errors import DomainError, ErrorCode, ErrorCollector, forbidden, not_found
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.money import cents
from domain.uow import UnitOfWork

RULE_MANAGERS = (Role.NETWORK_STAFF,)  # and the payer's ADMIN


@dataclass(frozen=True, slots=True)
class RuleData:
    code_system: CodeSystem
    code_from: str
    code_to: str
    requirement: Requirement
    diagnosis_prefixes: tuple[str, ...] = ()
    places_of_service: tuple[str, ...] = ()
    quantity_over: Decimal | None = None
    documentation: tuple[str, ...] = ()
    description: str | None = None


def _check_rule(data: RuleData) -> None:
    errors = ErrorCollector()
    pattern = CODE_FORMATS.get(data.code_system)
    low, high = data.code_from.strip().upper(), data.code_to.strip().upper()
    if pattern is None:
        errors.add(ErrorCode.INVALID, "Rules cover CPT, HCPCS or service type codes", "codeSystem")
    else:
        for value, field in ((low, "codeFrom"), (high, "codeTo")):
            if not pattern.fullmatch(value):
                errors.add(ErrorCode.INVALID, f"Not a {data.code_system.value} code", field)
    if len(low) != len(high) or low > high:
        errors.add(ErrorCode.INVALID, "The range runs from a code to a later one", "codeTo")
    if data.requirement is Requirement.UNKNOWN:
        errors.add(ErrorCode.INVALID, "A rule says REQUIRED or NOT_REQUIRED", "requirement")
    for index, pos in enumerate(data.places_of_service):
        if not PLACE_OF_SERVICE.fullmatch(pos):
            errors.add(ErrorCode.INVALID, "A CMS place of service code", f"placesOfService.{index}")
    if data.quantity_over is not None and data.quantity_over < 0:
        errors.add(ErrorCode.INVALID, "A threshold is not negative", "quantityOver")
    errors.check_lengths({"description": data.description}, {"description": 200})
    errors.raise_if_any()


async def create_rule(*, uow: UnitOfWork, actor: Principal, data: RuleData) -> AuthorizationRule:
    """A payer's staff add one of its rules."""
    require_role(actor, *RULE_MANAGERS)
    if actor.organization_kind is not OrganizationKind.PAYER:
        raise forbidden("A payer's staff manage its rules")
    _check_rule(data)
    now = uow.clock.now()
    rule = AuthorizationRule(
        payer_organization_id=actor.organization_id,
        code_system=data.code_system,
        code_from=data.code_from.strip().upper(),
        code_to=data.code_to.strip().upper(),
        diagnosis_prefixes=[p.strip().upper().replace(".", "") for p in data.diagnosis_prefixes],
        places_of_service=list(data.places_of_service),
        quantity_over=cents(data.quantity_over),
        requirement=data.requirement,
        documentation=[d.strip() for d in data.documentation if d.strip()],
        description=data.description,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(rule)
    await uow.session.flush()
    await uow.commit()
    return rule


async def deactivate_rule(
    *, uow: UnitOfWork, actor: Principal, rule_id: uuid.UUID
) -> AuthorizationRule:
    require_role(actor, *RULE_MANAGERS)
    rule = await uow.session.get(AuthorizationRule, rule_id)
    if rule is None or rule.payer_organization_id != actor.organization_id:
        raise not_found("Rule", "id")
    rule.active, rule.updated_at = False, uow.clock.now()
    await uow.commit()
    return rule


async def list_rules(*, uow: UnitOfWork, payer_id: uuid.UUID) -> list[AuthorizationRule]:
    """A payer's active rules are public to those preparing requests."""
    query = select(AuthorizationRule).where(
        AuthorizationRule.payer_organization_id == payer_id, AuthorizationRule.active.is_(True)
    )
    return list(await uow.session.scalars(query.order_by(AuthorizationRule.code_from)))


async def is_authorization_required(
    *,
    uow: UnitOfWork,
    payer_id: uuid.UUID,
    services: Sequence[ServiceToCheck],
    diagnoses: Sequence[str] = (),
) -> list[LineRequirement]:
    """Per service: REQUIRED (with the documentation the payer wants), NOT_REQUIRED or
    UNKNOWN."""
    payer = await uow.session.get(Organization, payer_id)
    if payer is None or payer.kind is not OrganizationKind.PAYER:
        raise not_found("Payer", "payerId")
    if not services:
        raise DomainError(ErrorCode.REQUIRED, "Name at least one service", "lines")
    rules = [
        Rule(
            id=r.id,
            code_system=r.code_system,
            code_from=r.code_from,
            code_to=r.code_to,
            requirement=r.requirement,
            diagnosis_prefixes=tuple(r.diagnosis_prefixes),
            places_of_service=tuple(r.places_of_service),
            quantity_over=r.quantity_over,
            documentation=tuple(r.documentation),
            description=r.description,
        )
        for r in await list_rules(uow=uow, payer_id=payer.id)
    ]
    return check_requirements(rules, services, diagnoses)
