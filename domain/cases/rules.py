"""Pure rules of cases: input checks, who may act in which case role, benefit assignments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.cases.lifecycle import CaseStatus, CaseType, is_open
from domain.cases.models import DeliveryMode, ParticipantRole
from domain.catalog.models import BenefitCategory, Frequency
from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.identity.models import Role

CASE_WORKERS = (Role.CASEWORKER, Role.CASE_SUPERVISOR)
# Case types that hold a care plan's benefits (seed 000: "a care plan with assigned benefits").
BENEFIT_HOLDING_TYPES = frozenset({CaseType.INTEGRATED, CaseType.PRODUCT_DELIVERY})
# Who may hold a case role, by the user's own roles.
CASE_ROLE_HOLDERS = {
    "OWNER": frozenset(CASE_WORKERS),
    "REVIEWER": frozenset(CASE_WORKERS),
    "SUPERVISOR": frozenset({Role.CASE_SUPERVISOR}),
}


@dataclass(frozen=True, slots=True)
class ParticipantData:
    person_id: uuid.UUID
    role: ParticipantRole


@dataclass(frozen=True, slots=True)
class CaseData:
    case_type: CaseType
    primary_client_id: uuid.UUID
    parent_case_id: uuid.UUID | None = None
    title: str | None = None
    program: str | None = None
    participants: tuple[ParticipantData, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class BenefitAssignmentData:
    person_id: uuid.UUID
    benefit_id: uuid.UUID
    quantity: Decimal
    period_start: date
    period_end: date
    delivery_mode: DeliveryMode
    component: str | None = None
    notes: str | None = None


def check_case(data: CaseData) -> None:
    errors = ErrorCollector()
    errors.check_lengths(
        {"title": data.title, "program": data.program}, {"title": 200, "program": 100}
    )
    if data.case_type is CaseType.INTEGRATED and data.parent_case_id is not None:
        errors.add(
            ErrorCode.INVALID, "An integrated case is not contained in another", "parentCaseId"
        )
    for index, participant in enumerate(data.participants):
        if participant.role is ParticipantRole.PRIMARY_CLIENT:
            errors.add(
                ErrorCode.INVALID,
                "The primary client is given as primaryClientId",
                f"participants.{index}.role",
            )
    errors.raise_if_any()


def check_parent(parent_type: CaseType, parent_status: CaseStatus) -> None:
    """A case is contained in an open integrated case, the household's folder."""
    if parent_type is not CaseType.INTEGRATED:
        raise DomainError(
            ErrorCode.INVALID, "Cases are contained in an integrated case", "parentCaseId"
        )
    if not is_open(parent_status):
        raise DomainError(ErrorCode.CASE_CLOSED, "The integrated case is closed", "parentCaseId")


def require_open(status: CaseStatus, field: str = "caseId") -> None:
    if not is_open(status):
        raise DomainError(ErrorCode.CASE_CLOSED, f"The case is {status}", field)


def check_case_role_holder(case_role: str, user_roles: frozenset[Role]) -> None:
    """A supervisor role goes to a case supervisor; owner and reviewer to case workers."""
    if not (user_roles & CASE_ROLE_HOLDERS[case_role]):
        wanted = ", ".join(sorted(r.value for r in CASE_ROLE_HOLDERS[case_role]))
        raise DomainError(
            ErrorCode.INVALID, f"A case {case_role} is a user with one of: {wanted}", "userId"
        )


def check_benefit_assignment(
    data: BenefitAssignmentData,
    *,
    case_type: CaseType,
    category: BenefitCategory,
    max_units: Decimal | None,
    max_units_frequency: Frequency | None,
) -> None:
    """Raise ValidationErrors for everything wrong with assigning this benefit."""
    errors = ErrorCollector()
    errors.check_lengths({"component": data.component}, {"component": 80})
    if case_type not in BENEFIT_HOLDING_TYPES:
        errors.add(
            ErrorCode.INVALID,
            "Benefits are assigned on an integrated or product delivery case",
            "caseId",
        )
    if data.quantity <= 0:
        errors.add(ErrorCode.INVALID, "Quantity must be positive", "quantity")
    elif (
        max_units is not None
        and max_units_frequency is Frequency.PER_AUTHORIZATION
        and data.quantity > max_units
    ):
        errors.add(ErrorCode.LIMIT_EXCEEDED, f"This benefit allows at most {max_units}", "quantity")
    if data.period_end < data.period_start:
        errors.add(ErrorCode.INVALID_PERIOD, "The period ends before it starts", "periodEnd")
    if category is BenefitCategory.MONETARY and data.delivery_mode is DeliveryMode.SERVICE:
        errors.add(
            ErrorCode.INVALID,
            "A monetary benefit is paid by the agency (PRODUCT delivery)",
            "deliveryMode",
        )
    errors.raise_if_any()
