"""The authorization coordinator's worklist: requests filtered and ordered by when a decision
is due, keyset-paged; and the batch readers its rows need."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, or_, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import (
    Appeal,
    AuthorizationAttachment,
    AuthorizationDiagnosis,
    AuthorizationRequest,
    ClaimReference,
    InformationRequest,
    PeerToPeer,
    Priority,
)
from domain.authorizations.service import ENTITY, authorization_scope
from domain.clock import require_aware
from domain.identity.models import Role
from domain.identity.rules import Principal, require_role
from domain.models import group_by, keyset_after
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.partners.models import Exchange
from domain.people.models import Person
from domain.uow import UnitOfWork

WORKLIST_ROLES = (
    Role.AUTH_COORDINATOR,
    Role.PROVIDER_STAFF,
    Role.CASEWORKER,
    Role.CASE_SUPERVISOR,
    Role.NETWORK_STAFF,
    Role.PARTNER,
)
# Waiting on the authorizer: these are overdue once their decision is due.
WAITING = (
    AuthorizationStatus.SUBMITTING,
    AuthorizationStatus.SUBMITTED,
    AuthorizationStatus.PENDED,
    AuthorizationStatus.INFO_REQUESTED,
)
FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


class WorklistOrder(StrEnum):
    DECISION_DUE = "DECISION_DUE"  # soonest due first; undated requests last
    NEWEST = "NEWEST"


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    statuses: tuple[AuthorizationStatus, ...] = ()
    priority: Priority | None = None
    payer_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    unassigned: bool = False
    due_before: datetime | None = None
    overdue: bool = False
    patient_id: uuid.UUID | None = None
    text: str | None = None


def filtered(query: Any, filter: WorklistFilter, now: datetime) -> Any:
    if filter.statuses:
        query = query.where(AuthorizationRequest.status.in_(filter.statuses))
    if filter.priority:
        query = query.where(AuthorizationRequest.priority == filter.priority)
    if filter.payer_id:
        query = query.where(AuthorizationRequest.authorizer_organization_id == filter.payer_id)
    if filter.assignee_id:
        query = query.where(AuthorizationRequest.assignee_id == filter.assignee_id)
    if filter.unassigned:
        query = query.where(AuthorizationRequest.assignee_id.is_(None))
    if filter.due_before:
        query = query.where(AuthorizationRequest.decision_due_at < filter.due_before)
    if filter.overdue:
        query = query.where(
            AuthorizationRequest.status.in_(WAITING), AuthorizationRequest.decision_due_at < now
        )
    if filter.patient_id:
        query = query.where(AuthorizationRequest.patient_id == filter.patient_id)
    for word in (filter.text or "").lower().split()[:5]:
        names = select(Person.id).where(
            or_(
                func.lower(Person.family_name).contains(word, autoescape=True),
                func.lower(Person.given_name).contains(word, autoescape=True),
            )
        )
        query = query.where(
            or_(
                func.lower(AuthorizationRequest.number).contains(word, autoescape=True),
                func.lower(AuthorizationRequest.payer_reference).contains(word, autoescape=True),
                AuthorizationRequest.patient_id.in_(names),
            )
        )
    return query


def _sort_key(request: AuthorizationRequest, order: WorklistOrder) -> tuple[Any, ...]:
    if order is WorklistOrder.NEWEST:
        return (request.created_at, request.id)
    return (request.decision_due_at or FAR_FUTURE, request.id)


async def list_worklist(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: WorklistFilter,
    order: WorklistOrder,
    page: PageRequest,
    with_total: bool = False,
) -> Page[AuthorizationRequest]:
    """Requests the actor's organisation made or must decide, each read audited."""
    require_role(actor, *WORKLIST_ROLES)
    require_aware(filter.due_before, "filter.dueBefore")
    base = filtered(
        select(AuthorizationRequest).where(authorization_scope(actor)), filter, uow.clock.now()
    )
    due = func.coalesce(AuthorizationRequest.decision_due_at, FAR_FUTURE)
    columns = (
        (AuthorizationRequest.created_at, AuthorizationRequest.id)
        if order is WorklistOrder.NEWEST
        else (due, AuthorizationRequest.id)
    )
    descending = order is WorklistOrder.NEWEST
    query = base
    if page.after:
        values = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(keyset_after(columns, values, descending=descending))
    ordering = [c.desc() for c in columns] if descending else list(columns)
    rows = (await uow.session.scalars(query.order_by(*ordering).limit(page.first + 1))).all()
    result = page_from_rows(rows, page, lambda r: _sort_key(r, order))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity=ENTITY,
        entity_ids=[r.id for r in result.items],
    )
    await uow.commit()
    return result.with_total(total)


async def diagnoses_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AuthorizationDiagnosis]]:
    query = select(AuthorizationDiagnosis).where(
        AuthorizationDiagnosis.request_id.in_(set(request_ids))
    )
    rows = await uow.session.scalars(query.order_by(AuthorizationDiagnosis.sequence))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def attachments_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """Metadata only: the content stays in the database unless asked for by id."""
    table = AuthorizationAttachment.__table__
    columns = [c for c in table.c if c.name != "content"]
    query = select(*columns).where(table.c.request_id.in_(set(request_ids)))
    rows = await uow.session.execute(query.order_by(table.c.attached_at, table.c.id))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def information_requests_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[InformationRequest]]:
    query = select(InformationRequest).where(InformationRequest.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(InformationRequest.requested_at))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def exchanges_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Exchange]]:
    query = select(Exchange).where(Exchange.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(Exchange.started_at, Exchange.id))
    return group_by(rows, request_ids, lambda r: r.request_id)


def matches(request: AuthorizationRequest, filter: WorklistFilter, now: datetime) -> bool:
    """The same filter as the worklist query, on one request already read (for live updates;
    `text` matches the number and the payer's reference here)."""
    checks = (
        not filter.statuses or request.status in filter.statuses,
        filter.priority is None or request.priority is filter.priority,
        filter.payer_id is None or request.authorizer_organization_id == filter.payer_id,
        filter.assignee_id is None or request.assignee_id == filter.assignee_id,
        not filter.unassigned or request.assignee_id is None,
        filter.due_before is None
        or (request.decision_due_at is not None and request.decision_due_at < filter.due_before),
        not filter.overdue
        or (
            request.status in WAITING
            and request.decision_due_at is not None
            and request.decision_due_at < now
        ),
        filter.patient_id is None or request.patient_id == filter.patient_id,
        all(
            word in f"{request.number} {request.payer_reference or ''}".lower()
            for word in (filter.text or "").lower().split()[:5]
        ),
    )
    return all(checks)


async def claims_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ClaimReference]]:
    query = select(ClaimReference).where(ClaimReference.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(ClaimReference.submitted_at))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def appeals_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Appeal]]:
    query = select(Appeal).where(Appeal.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(Appeal.submitted_at))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def peer_to_peer_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[PeerToPeer]]:
    query = select(PeerToPeer).where(PeerToPeer.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(PeerToPeer.requested_at))
    return group_by(rows, request_ids, lambda r: r.request_id)
