"""The authorization coordinator's worklist: requests filtered and ordered by when a decision
is due, keyset-paged; and the batch readers its rows need."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

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
from domain.authorizations.service import ENTITY, lines_by_request_ids
from domain.authorizations.worklist_json import (
    Projection,
    json_page_statement,
    page_columns,
    reads_patient,
)
from domain.authorizations.worklist_sql import (
    EMBEDDABLE,
    Shape,
    count_statement,
    escape_like,
    page_statement,
    related_from_json,
)
from domain.clock import require_aware
from domain.identity.models import Role
from domain.identity.rules import Principal, require_role
from domain.models import group_by
from domain.pagination import Page, PageRequest, decode_cursor, encode_cursor, page_from_rows
from domain.partners.models import Exchange
from domain.people.service import READERS as PERSON_READERS
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


def _sort_key(request: Any, order: WorklistOrder) -> tuple[Any, ...]:
    return _key(order, request.id, request.decision_due_at, request.created_at)


def _key(
    order: WorklistOrder, id: uuid.UUID, decision_due_at: datetime | None, created_at: datetime
) -> tuple[Any, ...]:
    """A request's place in the order (what its cursor holds)."""
    if order is WorklistOrder.NEWEST:
        return (created_at, id)
    return (decision_due_at or FAR_FUTURE, id)


async def list_worklist(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: WorklistFilter,
    order: WorklistOrder,
    page: PageRequest,
    with_total: bool = False,
    include: frozenset[str] = frozenset(),
) -> Page[Any]:
    """Requests the actor's organisation made or must decide, each read audited: rows with
    the request's columns, and its `lines` / `diagnoses` when `include` names them (read with
    the page: in its statement on PostgreSQL, one batch each elsewhere)."""
    require_role(actor, *WORKLIST_ROLES)
    require_aware(filter.due_before, "filter.dueBefore")
    wanted = tuple(sorted(include & set(EMBEDDABLE)))
    embedded = wanted if uow.dialect == "postgresql" else ()
    shape, parameters = _shape(uow, actor, filter, order, page, embedded)
    rows = (await uow.session.execute(page_statement(shape), parameters)).all()
    result = page_from_rows(rows, page, lambda r: _sort_key(r, order))
    total = None
    if with_total:
        total = await uow.session.scalar(count_statement(shape), parameters)
    ids = [r.id for r in result.items]
    batched: dict[str, dict[uuid.UUID, list[Any]]] = {
        name: await BATCHED[name](uow=uow, request_ids=ids)
        for name in wanted
        if name not in embedded
    }
    items = [
        SimpleNamespace(
            **row._mapping,
            **{name: related_from_json(name, row._mapping[f"{name}_json"]) for name in embedded},
            **{name: rows[row.id] for name, rows in batched.items()},
        )
        for row in result.items
    ]
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=ids
    )
    await uow.commit()
    return Page(items, result.cursors, result.has_next_page, result.has_previous_page, total)


@dataclass(frozen=True, slots=True)
class JsonPage:
    """A worklist page as JSON text: `edges` the whole list of entries when an edge object was
    described, else `nodes` each request's object; `cursors` empty unless asked for."""

    edges: str | None
    nodes: list[str]
    cursors: list[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int | None = None


async def list_worklist_json(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: WorklistFilter,
    order: WorklistOrder,
    page: PageRequest,
    projection: Projection,
    edge: Projection | None = None,
    with_total: bool = False,
    with_cursors: bool = True,
) -> JsonPage | None:
    """The same page as `list_worklist`, each request as the JSON object `projection`
    describes (and with `edge`, the whole list of entries each as `edge` describes it), built
    by PostgreSQL in one statement that also writes the audit trail of the requests and of the
    (visible) patients it shows. None where that cannot be done (not PostgreSQL, or patients
    asked for by an actor who may not read them): use `list_worklist`. Without
    `with_cursors` the page's `cursors` are empty."""
    require_role(actor, *WORKLIST_ROLES)
    require_aware(filter.due_before, "filter.dueBefore")
    patients = reads_patient(projection)
    if uow.dialect != "postgresql" or (
        patients and not (actor.is_admin or actor.has_any(*PERSON_READERS))
    ):
        return None
    shape, parameters = _shape(uow, actor, filter, order, page, ())
    shape = replace(shape, columns=page_columns(projection))
    now = uow.clock.now()
    parameters |= {
        "first": page.first,
        "audit_at": now,
        "actor_id": actor.subject_id,
        "actor_is_machine": actor.is_machine,
        "audit_action": AuditAction.READ,
        "correlation_id": uow.correlation_id,
    }
    statement = json_page_statement(shape, projection, edge, with_cursors)
    # Its plan (index ranges per status, then the related rows by key) fits every value.
    (row,) = await uow.fetch_all(statement, parameters, generic_plan=True)
    cursors = []
    if with_cursors and row.ids:
        keys = zip(row.ids, row.decision_due_ats, row.created_ats, strict=True)
        cursors = [encode_cursor(_key(order, *key)) for key in keys]
    total = None
    if with_total:
        total = await uow.session.scalar(count_statement(shape), parameters)
    await uow.commit()
    return JsonPage(
        row.edges, row.nodes or [], cursors, row.has_next, page.after is not None, total
    )


def _shape(
    uow: UnitOfWork,
    actor: Principal,
    filter: WorklistFilter,
    order: WorklistOrder,
    page: PageRequest,
    embedded: tuple[str, ...],
) -> tuple[Shape, dict[str, Any]]:
    words = [f"%{escape_like(w)}%" for w in (filter.text or "").lower().split()[:5]]
    values: dict[str, Any] = {
        "organization_id": actor.organization_id,
        "limit": page.first + 1,
        "priority": filter.priority,
        "payer_id": filter.payer_id,
        "assignee_id": filter.assignee_id,
        "due_before": filter.due_before,
        "now": uow.clock.now(),
        "patient_id": filter.patient_id,
    } | {f"word_{i}": word for i, word in enumerate(words)}
    undated = False
    if page.after:
        first, last_id = decode_cursor(page.after, (datetime, uuid.UUID))
        undated = order is WorklistOrder.DECISION_DUE and first == FAR_FUTURE
        values |= {"after_id": last_id, "after_due": first, "after_created": first}
    shape = Shape(
        dialect=uow.dialect,
        newest=order is WorklistOrder.NEWEST,
        statuses=tuple(dict.fromkeys(filter.statuses)),
        priority=filter.priority is not None,
        payer=filter.payer_id is not None,
        assignee=filter.assignee_id is not None,
        unassigned=filter.unassigned,
        due_before=filter.due_before is not None,
        overdue=WAITING if filter.overdue else None,
        patient=filter.patient_id is not None,
        words=len(words),
        after=page.after is not None,
        after_undated=undated,
        embedded=embedded,
    )
    return shape, values


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


BATCHED: dict[str, Any] = {"lines": lines_by_request_ids, "diagnoses": diagnoses_by_request_ids}


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
