"""Use cases on cases: open one, move it through its lifecycle, find and read cases.

Participants, case roles, nominees and reviews are in `domain.cases.members`; benefit
assignments in `domain.cases.benefits`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from domain.audit.models import AuditAction
from domain.audit.service import audited_newest_first, record_access
from domain.cases import lifecycle
from domain.cases.access import case_scope, load_case
from domain.cases.lifecycle import CaseAction, CaseStatus, CaseType
from domain.cases.members import cancel_open_reviews, require_supervisor
from domain.cases.models import Case, CaseParticipant, CaseRole, CaseUserRole, ParticipantRole
from domain.cases.ownership import owner_for_new_case
from domain.cases.rules import CASE_WORKERS, CaseData, check_case, check_parent
from domain.cases.timeline import add_case_event, case_event
from domain.errors import DomainError, ErrorCode, not_found
from domain.history import StatusChange, record_status
from domain.identity.rules import Principal, require_role
from domain.numbers import next_number
from domain.pagination import Page, PageRequest
from domain.people.models import Person
from domain.people.service import visible_to
from domain.referrals.closing import close_referrals_of_case
from domain.uow import UnitOfWork

ENTITY = "Case"
# Actions after which no work is done on the case: its referrals and reviews close with it.
CLOSING_ACTIONS = frozenset({CaseAction.CLOSE, CaseAction.CANCEL, CaseAction.DISPOSE})


async def _check_people(uow: UnitOfWork, actor: Principal, data: CaseData) -> None:
    wanted = {data.primary_client_id} | {p.person_id for p in data.participants}
    query = select(Person.id).where(Person.id.in_(wanted), visible_to(actor))
    seen = set(await uow.session.scalars(query))
    if data.primary_client_id not in seen:
        raise not_found("Person", "primaryClientId")
    for index, participant in enumerate(data.participants):
        if participant.person_id not in seen:
            raise not_found("Person", f"participants.{index}.personId")


async def create_case(*, uow: UnitOfWork, actor: Principal, data: CaseData) -> Case:
    """Open a case for a constituent; its owner comes from the agency's ownership rule."""
    require_role(actor, *CASE_WORKERS)
    check_case(data)
    await _check_people(uow, actor, data)
    if data.parent_case_id is not None:
        parent = await load_case(uow, actor, data.parent_case_id, "parentCaseId")
        check_parent(parent.case_type, parent.status)
    now = uow.clock.now()
    case = Case(
        number=await next_number(uow=uow, prefix="CASE"),
        organization_id=actor.organization_id,
        case_type=data.case_type,
        status=lifecycle.INITIAL_STATUS[data.case_type],
        parent_case_id=data.parent_case_id,
        primary_client_id=data.primary_client_id,
        title=data.title.strip() if data.title else None,
        program=data.program.strip() if data.program else None,
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(case)
    await uow.session.flush()
    await _add_first_members(uow, actor, case, data)
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=case.id,
        from_status=None,
        to_status=case.status,
    )
    add_case_event(uow=uow, case_id=case.id, kind="case.opened", actor=actor)
    if case.parent_case_id is not None:
        add_case_event(
            uow=uow,
            case_id=case.parent_case_id,
            kind="case.contained",
            actor=actor,
            related=(ENTITY, case.id),
            detail=case.case_type.value,
        )
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity=ENTITY, entity_ids=[case.id]
    )
    uow.record(case_event("case.created", case))
    await uow.commit()
    return case


async def _add_first_members(uow: UnitOfWork, actor: Principal, case: Case, data: CaseData) -> None:
    """The primary client and the other participants; the owner by the ownership rule."""
    now = uow.clock.now()
    members = [(data.primary_client_id, ParticipantRole.PRIMARY_CLIENT)]
    members += [(p.person_id, p.role) for p in data.participants]
    for person_id, role in dict.fromkeys(members):
        uow.session.add(
            CaseParticipant(case_id=case.id, person_id=person_id, role=role, started_at=now)
        )
    owner_id = await owner_for_new_case(uow=uow, actor=actor, case_type=case.case_type)
    uow.session.add(
        CaseUserRole(
            case_id=case.id,
            user_id=owner_id,
            role=CaseRole.OWNER,
            assigned_at=now,
            assigned_by_id=actor.subject_id,
        )
    )


async def transition_case(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    action: CaseAction,
    reason: str | None = None,
) -> Case:
    """Move a case through its lifecycle; approval needs the case's supervisor, and closing
    closes its open referrals and reviews."""
    require_role(actor, *CASE_WORKERS)
    case = await load_case(uow, actor, case_id, "id", for_update=True)
    if action in lifecycle.SUPERVISOR_ACTIONS and case.case_type is CaseType.PRODUCT_DELIVERY:
        await require_supervisor(uow=uow, actor=actor, case=case)
    previous = await _status_before_process(uow, case)
    target = lifecycle.transition(case.case_type, case.status, action, previous=previous)
    if case.case_type is CaseType.INTEGRATED and action in CLOSING_ACTIONS:
        await _check_contained_cases_closed(uow, case)
    await _apply(uow, actor, case, action, target, reason)
    if action in CLOSING_ACTIONS:
        await close_referrals_of_case(uow=uow, actor=actor, case_id=case.id)
        await cancel_open_reviews(uow=uow, actor=actor, case_id=case.id)
    uow.record(case_event("case.status_changed", case, status=case.status.value))
    await uow.commit()
    return case


async def _apply(
    uow: UnitOfWork,
    actor: Principal,
    case: Case,
    action: CaseAction,
    target: CaseStatus,
    reason: str | None,
) -> None:
    now = uow.clock.now()
    before, case.status, case.updated_at = case.status, target, now
    case.closed_at = now if target in lifecycle.CLOSED_STATUSES else None
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=case.id,
        from_status=before,
        to_status=target,
        action=action,
        reason=reason,
    )
    add_case_event(
        uow=uow, case_id=case.id, kind="case.status_changed", actor=actor, detail=target.value
    )


async def _status_before_process(uow: UnitOfWork, case: Case) -> CaseStatus | None:
    """The status a case left when it entered DELAYED_PROCESS_PENDING (its history says)."""
    if case.status is not CaseStatus.DELAYED_PROCESS_PENDING:
        return None
    query = (
        select(StatusChange.from_status)
        .where(
            StatusChange.entity == ENTITY,
            StatusChange.entity_id == case.id,
            StatusChange.to_status == CaseStatus.DELAYED_PROCESS_PENDING.value,
        )
        .order_by(StatusChange.id.desc())
        .limit(1)
    )
    found = await uow.session.scalar(query)
    return None if found is None else CaseStatus(found)


async def _check_contained_cases_closed(uow: UnitOfWork, case: Case) -> None:
    query = select(func.count()).where(
        Case.parent_case_id == case.id, Case.status.not_in(lifecycle.CLOSED_STATUSES)
    )
    if await uow.session.scalar(query):
        raise DomainError(
            ErrorCode.CASES_STILL_OPEN,
            "Close the cases this integrated case contains first",
            "action",
        )


@dataclass(frozen=True, slots=True)
class CaseFilter:
    case_type: CaseType | None = None
    status: CaseStatus | None = None
    person_id: uuid.UUID | None = None
    parent_case_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    open_only: bool = False
    number: str | None = None


def _filtered(query: Any, filter: CaseFilter) -> Any:
    if filter.case_type:
        query = query.where(Case.case_type == filter.case_type)
    if filter.status:
        query = query.where(Case.status == filter.status)
    if filter.person_id:
        participants = select(CaseParticipant.case_id).where(
            CaseParticipant.person_id == filter.person_id
        )
        query = query.where(Case.id.in_(participants))
    if filter.parent_case_id:
        query = query.where(Case.parent_case_id == filter.parent_case_id)
    if filter.owner_id:
        owned = select(CaseUserRole.case_id).where(
            CaseUserRole.user_id == filter.owner_id,
            CaseUserRole.role == CaseRole.OWNER,
            CaseUserRole.ended_at.is_(None),
        )
        query = query.where(Case.id.in_(owned))
    if filter.open_only:
        query = query.where(Case.status.not_in(lifecycle.CLOSED_STATUSES))
    if filter.number:
        query = query.where(Case.number == filter.number.strip().upper())
    return query


async def list_cases(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: CaseFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Case]:
    """The agency's cases, newest first, each read audited."""
    require_role(actor, *CASE_WORKERS)
    base = _filtered(select(Case).where(case_scope(actor)), filter)
    return await audited_newest_first(
        uow=uow,
        actor=actor,
        base=base,
        model=Case,
        entity=ENTITY,
        page=page,
        with_total=with_total,
    )


async def get_cases(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Case]:
    """The actor's cases among `ids` (others absent), each read audited."""
    if not ids:
        return {}
    query = select(Case).where(Case.id.in_(set(ids)), case_scope(actor))
    cases = {c.id: c for c in await uow.session.scalars(query)}
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=cases
    )
    await uow.commit()
    return cases
