"""Batch reads of what hangs off cases, for DataLoaders (the caller already read the cases
through a scoped path), and the defaults seed 003 gives: reviewer = owner, nominee = primary
client."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from domain.cases.models import (
    BenefitAssignment,
    Case,
    CaseEvent,
    CaseNominee,
    CaseParticipant,
    CaseReview,
    CaseRole,
    CaseUserRole,
)
from domain.models import group_by
from domain.uow import UnitOfWork


async def participants_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CaseParticipant]]:
    """For a DataLoader: the caller already read the cases through a scoped path."""
    query = select(CaseParticipant).where(CaseParticipant.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(CaseParticipant.started_at, CaseParticipant.id))
    return group_by(rows, case_ids, lambda row: row.case_id)


async def user_roles_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CaseUserRole]]:
    """For a DataLoader: current and ended holdings, oldest first."""
    query = select(CaseUserRole).where(CaseUserRole.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(CaseUserRole.assigned_at, CaseUserRole.id))
    return group_by(rows, case_ids, lambda row: row.case_id)


async def nominees_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CaseNominee]]:
    """For a DataLoader: every component's assignment history, oldest first."""
    query = select(CaseNominee).where(CaseNominee.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(CaseNominee.assigned_at, CaseNominee.id))
    return group_by(rows, case_ids, lambda row: row.case_id)


async def reviews_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CaseReview]]:
    query = select(CaseReview).where(CaseReview.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(CaseReview.due_on, CaseReview.id))
    return group_by(rows, case_ids, lambda row: row.case_id)


def effective_reviewer(roles: list[CaseUserRole]) -> uuid.UUID | None:
    """The current REVIEWER, or the owner when nobody else was assigned (seed 003)."""
    current = {r.role: r.user_id for r in roles if r.ended_at is None}
    return current.get(CaseRole.REVIEWER, current.get(CaseRole.OWNER))


def effective_nominee(nominees: list[CaseNominee], component: str, primary: uuid.UUID) -> uuid.UUID:
    """Who receives the component's payments now: its nominee, else the primary client."""
    current = [n for n in nominees if n.component == component and n.ended_at is None]
    return current[-1].person_id if current else primary


async def events_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CaseEvent]]:
    """The timeline, newest first."""
    query = select(CaseEvent).where(CaseEvent.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(CaseEvent.occurred_at.desc(), CaseEvent.id))
    return group_by(rows, case_ids, lambda row: row.case_id)


async def benefit_assignments_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[BenefitAssignment]]:
    query = select(BenefitAssignment).where(BenefitAssignment.case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(
        query.order_by(BenefitAssignment.created_at, BenefitAssignment.id)
    )
    return group_by(rows, case_ids, lambda row: row.case_id)


async def contained_cases_by_case_ids(
    *, uow: UnitOfWork, case_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Case]]:
    """The cases an integrated case contains, oldest first."""
    query = select(Case).where(Case.parent_case_id.in_(set(case_ids)))
    rows = await uow.session.scalars(query.order_by(Case.created_at, Case.id))
    return group_by(rows, case_ids, lambda row: row.parent_case_id)
