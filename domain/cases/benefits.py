"""Benefit assignment: a caseworker assigns a catalog benefit to a constituent on a case, to be
paid by the agency (PRODUCT) or delivered by a provider (SERVICE)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import exists, or_, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.cases.access import case_scope, load_case
from domain.cases.lifecycle import (
    BENEFIT_ASSIGNMENT_TRANSITIONS,
    BenefitAssignmentAction,
    BenefitAssignmentStatus,
)
from domain.cases.members import check_component
from domain.cases.models import BenefitAssignment, Case, CaseParticipant, DeliveryMode
from domain.cases.rules import (
    CASE_WORKERS,
    BenefitAssignmentData,
    check_benefit_assignment,
    require_open,
)
from domain.cases.timeline import add_case_event, case_event
from domain.catalog.models import Benefit
from domain.errors import DomainError, ErrorCode, not_found
from domain.history import record_status
from domain.identity.rules import Principal, require_role
from domain.lifecycle import next_status
from domain.money import cents
from domain.referrals.models import Referral, ReferralRecipient
from domain.uow import UnitOfWork

ENTITY = "BenefitAssignment"


async def assign_benefit(
    *, uow: UnitOfWork, actor: Principal, case_id: uuid.UUID, data: BenefitAssignmentData
) -> BenefitAssignment:
    """Assign one of the agency's benefits to a participant of the case, as PLANNED."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id)
    require_open(case.status)
    benefit = await uow.session.get(Benefit, data.benefit_id)
    if benefit is None or benefit.organization_id != case.organization_id or not benefit.active:
        raise not_found("Benefit", "benefitId")
    check_benefit_assignment(
        data,
        case_type=case.case_type,
        category=benefit.category,
        max_units=benefit.max_units,
        max_units_frequency=benefit.max_units_frequency,
    )
    await _require_participant(uow, case, data.person_id)
    now = uow.clock.now()
    assignment = BenefitAssignment(
        case_id=case.id,
        person_id=data.person_id,
        benefit_id=benefit.id,
        quantity=cents(data.quantity),
        unit_of_measure=benefit.unit_of_measure,
        period_start=data.period_start,
        period_end=data.period_end,
        status=BenefitAssignmentStatus.PLANNED,
        delivery_mode=data.delivery_mode,
        component=check_component(data.component or benefit.code),
        notes=data.notes,
        assigned_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(assignment)
    await uow.session.flush()
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=assignment.id,
        from_status=None,
        to_status=assignment.status,
    )
    await _changed(uow, actor, case, assignment, "benefit.assigned", AuditAction.CREATE)
    return assignment


async def _require_participant(uow: UnitOfWork, case: Case, person_id: uuid.UUID) -> None:
    found = await uow.session.scalar(
        select(CaseParticipant.id).where(
            CaseParticipant.case_id == case.id,
            CaseParticipant.person_id == person_id,
            CaseParticipant.ended_at.is_(None),
        )
    )
    if found is None:
        raise DomainError(ErrorCode.INVALID, "Benefits go to a participant of the case", "personId")


async def transition_benefit_assignment(
    *,
    uow: UnitOfWork,
    actor: Principal,
    assignment_id: uuid.UUID,
    action: BenefitAssignmentAction,
    reason: str | None = None,
) -> BenefitAssignment:
    """Activate, complete or cancel an assigned benefit."""
    require_role(actor, *CASE_WORKERS)
    assignment, case = await load_assignment(uow, actor, assignment_id)
    if action is BenefitAssignmentAction.ACTIVATE:
        require_open(case.status, "id")
    await move_assignment(uow, actor, assignment, action, reason)
    await _changed(uow, actor, case, assignment, "benefit.status_changed", AuditAction.UPDATE)
    return assignment


async def move_assignment(
    uow: UnitOfWork,
    actor: Principal | None,
    assignment: BenefitAssignment,
    action: BenefitAssignmentAction,
    reason: str | None,
) -> None:
    """One lifecycle step with its history; callers record the change and commit."""
    target = next_status(BENEFIT_ASSIGNMENT_TRANSITIONS, assignment.status, action)
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=assignment.id,
        from_status=assignment.status,
        to_status=target,
        action=action,
        reason=reason,
    )
    assignment.status, assignment.updated_at = target, uow.clock.now()


async def load_assignment(
    uow: UnitOfWork, actor: Principal, assignment_id: uuid.UUID, field: str = "id"
) -> tuple[BenefitAssignment, Case]:
    """The assignment and its case, if the actor may work on the case."""
    found = (
        await uow.session.execute(
            select(BenefitAssignment, Case)
            .join(Case, Case.id == BenefitAssignment.case_id)
            .where(BenefitAssignment.id == assignment_id, case_scope(actor))
        )
    ).one_or_none()
    if found is None:
        raise not_found("Benefit assignment", field)
    return found[0], found[1]


async def _changed(
    uow: UnitOfWork,
    actor: Principal,
    case: Case,
    assignment: BenefitAssignment,
    kind: str,
    audit: AuditAction,
) -> None:
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind=kind,
        actor=actor,
        related=(ENTITY, assignment.id),
        detail=assignment.status.value,
    )
    await record_access(
        uow=uow, actor=actor, action=audit, entity=ENTITY, entity_ids=[assignment.id]
    )
    case.updated_at = uow.clock.now()
    uow.record(case_event(kind, case, benefitAssignmentId=str(assignment.id)))
    await uow.commit()


async def get_benefit_assignments(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, BenefitAssignment]:
    """Assignments on the actor's cases, or referred to the actor's provider organisation."""
    if not ids:
        return {}
    referred = exists().where(
        Referral.benefit_assignment_id == BenefitAssignment.id,
        ReferralRecipient.referral_id == Referral.id,
        ReferralRecipient.provider_organization_id == actor.organization_id,
    )
    query = (
        select(BenefitAssignment)
        .join(Case, Case.id == BenefitAssignment.case_id)
        .where(BenefitAssignment.id.in_(set(ids)), or_(case_scope(actor), referred))
    )
    return {a.id: a for a in await uow.session.scalars(query)}


def needs_provider(assignment: BenefitAssignment) -> bool:
    return assignment.delivery_mode is DeliveryMode.SERVICE
