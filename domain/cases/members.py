"""Who is on a case: participants, case user roles (owner, supervisor, reviewer), nominees of
case components, and the reviewer's periodic reviews."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.cases.access import load_case
from domain.cases.lifecycle import (
    CASE_REVIEW_TRANSITIONS,
    CaseReviewAction,
    CaseReviewStatus,
)
from domain.cases.models import (
    Case,
    CaseNominee,
    CaseParticipant,
    CaseReview,
    CaseRole,
    CaseUserRole,
    ParticipantRole,
)
from domain.cases.readers import effective_reviewer, user_roles_by_case_ids
from domain.cases.rules import CASE_WORKERS, check_case_role_holder, require_open
from domain.cases.timeline import add_case_event, case_event
from domain.errors import DomainError, ErrorCode, forbidden, not_found
from domain.history import record_status
from domain.identity.models import Role, User
from domain.identity.rules import Principal, require_role
from domain.lifecycle import next_status
from domain.people.models import Person
from domain.people.service import visible_to
from domain.uow import UnitOfWork


async def current_holder(uow: UnitOfWork, case_id: uuid.UUID, role: CaseRole) -> uuid.UUID | None:
    query = select(CaseUserRole.user_id).where(
        CaseUserRole.case_id == case_id,
        CaseUserRole.role == role,
        CaseUserRole.ended_at.is_(None),
    )
    return await uow.session.scalar(query)


async def hand_case_role(
    uow: UnitOfWork, actor: Principal, case: Case, role: CaseRole, user_id: uuid.UUID
) -> None:
    """End the role's current holding, if any, and give it to `user_id` (history kept)."""
    now = uow.clock.now()
    current = await uow.session.scalars(
        select(CaseUserRole).where(
            CaseUserRole.case_id == case.id,
            CaseUserRole.role == role,
            CaseUserRole.ended_at.is_(None),
        )
    )
    for holding in current:
        holding.ended_at = now
    uow.session.add(
        CaseUserRole(
            case_id=case.id,
            user_id=user_id,
            role=role,
            assigned_at=now,
            assigned_by_id=actor.subject_id,
        )
    )
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="case.role_assigned",
        actor=actor,
        related=("User", user_id),
        detail=role.value,
    )


async def require_supervisor(*, uow: UnitOfWork, actor: Principal, case: Case) -> None:
    """Only the case's SUPERVISOR decides what needs approval. A case without one gets the
    first case supervisor who acts on it (seed 003: assigned when an action needs one)."""
    supervisor = await current_holder(uow, case.id, CaseRole.SUPERVISOR)
    if supervisor == actor.subject_id:
        return
    if supervisor is None and actor.has_any(Role.CASE_SUPERVISOR) and not actor.is_machine:
        await hand_case_role(uow, actor, case, CaseRole.SUPERVISOR, actor.subject_id)
        return
    raise DomainError(
        ErrorCode.SUPERVISOR_REQUIRED, "This needs the case supervisor's approval", "action"
    )


async def cancel_open_reviews(*, uow: UnitOfWork, actor: Principal, case_id: uuid.UUID) -> None:
    """Closing a case ends the reviews still scheduled on it."""
    reviews = await uow.session.scalars(
        select(CaseReview).where(
            CaseReview.case_id == case_id, CaseReview.status == CaseReviewStatus.SCHEDULED
        )
    )
    for review in reviews:
        await _move_review(uow, actor, review, CaseReviewAction.CANCEL, "the case closed")


async def _move_review(
    uow: UnitOfWork,
    actor: Principal,
    review: CaseReview,
    action: CaseReviewAction,
    reason: str | None,
) -> None:
    target = next_status(CASE_REVIEW_TRANSITIONS, review.status, action)
    now = uow.clock.now()
    await record_status(
        uow=uow,
        actor=actor,
        entity="CaseReview",
        entity_id=review.id,
        from_status=review.status,
        to_status=target,
        action=action,
        reason=reason,
        audit=False,
    )
    review.status, review.updated_at = target, now
    if target is CaseReviewStatus.COMPLETED:
        review.completed_at = now


async def load_agency_user(
    uow: UnitOfWork, actor: Principal, user_id: uuid.UUID, field: str = "userId"
) -> User:
    user = await uow.session.get(User, user_id)
    if user is None or user.organization_id != actor.organization_id or not user.active:
        raise not_found("User", field)
    return user


async def record_case_change(
    uow: UnitOfWork, actor: Principal, case: Case, fields: list[str], event: str
) -> None:
    """The case changed: audit the fields, tell subscribers, commit."""
    case.updated_at = uow.clock.now()
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity="Case",
        entity_ids=[case.id],
        fields=fields,
    )
    uow.record(case_event(event, case))
    await uow.commit()


async def add_case_participant(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    person_id: uuid.UUID,
    role: ParticipantRole,
) -> CaseParticipant:
    """Add someone who plays a role in the case (a household member, a representative...)."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id)
    require_open(case.status)
    if role is ParticipantRole.PRIMARY_CLIENT:
        raise DomainError(ErrorCode.INVALID, "A case has one primary client", "role")
    if not await uow.session.scalar(
        select(Person.id).where(Person.id == person_id, visible_to(actor))
    ):
        raise not_found("Person", "personId")
    participant = CaseParticipant(
        case_id=case.id, person_id=person_id, role=role, started_at=uow.clock.now()
    )
    uow.session.add(participant)
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="case.participant_added",
        actor=actor,
        related=("Person", person_id),
        detail=role.value,
    )
    await record_case_change(uow, actor, case, ["participants"], "case.participant_added")
    return participant


async def assign_case_role(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    role: CaseRole,
    user_id: uuid.UUID,
) -> Case:
    """Give a case role to a user of the agency: the owner or a supervisor may hand them on."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id, for_update=True)
    require_open(case.status)
    owner = await current_holder(uow, case.id, CaseRole.OWNER)
    if actor.subject_id != owner and not (actor.is_admin or actor.has_any(Role.CASE_SUPERVISOR)):
        raise forbidden("Only the case owner or a supervisor assigns case roles")
    user = await load_agency_user(uow, actor, user_id)
    check_case_role_holder(role.value, frozenset(Role(r) for r in user.roles))
    await hand_case_role(uow, actor, case, role, user.id)
    await record_case_change(uow, actor, case, [f"roles.{role.value}"], "case.role_assigned")
    return case


async def assign_nominee(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    component: str,
    person_id: uuid.UUID,
) -> CaseNominee:
    """Nominate a case participant to receive a component's payments (history kept)."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id, for_update=True)
    require_open(case.status)
    component = check_component(component)
    participant = await uow.session.scalar(
        select(CaseParticipant.id).where(
            CaseParticipant.case_id == case.id,
            CaseParticipant.person_id == person_id,
            CaseParticipant.ended_at.is_(None),
        )
    )
    if participant is None:
        raise DomainError(ErrorCode.INVALID, "A nominee is a participant of the case", "personId")
    now = uow.clock.now()
    current = await uow.session.scalars(
        select(CaseNominee).where(
            CaseNominee.case_id == case.id,
            CaseNominee.component == component,
            CaseNominee.ended_at.is_(None),
        )
    )
    for previous in current:
        previous.ended_at = now
    nominee = CaseNominee(
        case_id=case.id,
        component=component,
        person_id=person_id,
        assigned_at=now,
        assigned_by_id=actor.subject_id,
    )
    uow.session.add(nominee)
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="case.nominee_assigned",
        actor=actor,
        related=("Person", person_id),
        detail=component,
    )
    await record_case_change(uow, actor, case, ["nominees"], "case.nominee_assigned")
    return nominee


async def schedule_case_review(
    *, uow: UnitOfWork, actor: Principal, case_id: uuid.UUID, due_on: date
) -> CaseReview:
    """Schedule a periodic review, done by the case's reviewer (the owner by default)."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id)
    require_open(case.status)
    if due_on < uow.clock.now().date():
        raise DomainError(ErrorCode.INVALID, "A review is due today or later", "dueOn")
    roles = (await user_roles_by_case_ids(uow=uow, case_ids=[case.id]))[case.id]
    reviewer = effective_reviewer(roles) or actor.subject_id
    now = uow.clock.now()
    review = CaseReview(
        case_id=case.id,
        reviewer_id=reviewer,
        due_on=due_on,
        status=CaseReviewStatus.SCHEDULED,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(review)
    await uow.session.flush()
    await record_status(
        uow=uow,
        actor=actor,
        entity="CaseReview",
        entity_id=review.id,
        from_status=None,
        to_status=review.status,
    )
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="case.review_scheduled",
        actor=actor,
        related=("CaseReview", review.id),
        detail=due_on.isoformat(),
    )
    await record_case_change(uow, actor, case, ["reviews"], "case.review_scheduled")
    return review


async def complete_case_review(
    *, uow: UnitOfWork, actor: Principal, review_id: uuid.UUID, notes: str | None = None
) -> CaseReview:
    """The reviewer records a review as done."""
    require_role(actor, *CASE_WORKERS)
    review = await uow.session.get(CaseReview, review_id)
    if review is None:
        raise not_found("Case review")
    case = await load_case(uow, actor, review.case_id, "id")
    if review.reviewer_id != actor.subject_id and not actor.has_any(Role.CASE_SUPERVISOR):
        raise forbidden("Only the case reviewer completes this review")
    await _move_review(uow, actor, review, CaseReviewAction.COMPLETE, None)
    review.notes = notes
    add_case_event(
        uow=uow,
        case_id=case.id,
        kind="case.review_completed",
        actor=actor,
        related=("CaseReview", review.id),
    )
    await record_case_change(uow, actor, case, ["reviews"], "case.review_completed")
    return review


def check_component(component: str) -> str:
    value = component.strip().upper()
    if not value or len(value) > 80:
        raise DomainError(ErrorCode.INVALID, "A component is 1-80 characters", "component")
    return value
