"""Write the audit trail; let an organisation's ADMIN read it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select

from domain.audit.models import AuditAction, AuditEvent
from domain.clock import require_aware
from domain.identity.models import Role
from domain.identity.rules import Principal, require_role
from domain.models import keyset_after, time_ordered_id
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.people.models import PersonOrganization
from domain.uow import UnitOfWork


async def record_access(
    *,
    uow: UnitOfWork,
    actor: Principal,
    action: AuditAction,
    entity: str,
    entity_ids: Iterable[uuid.UUID],
    fields: list[str] | None = None,
) -> None:
    """Add one audit event per record to the unit of work's transaction (one statement)."""
    rows = audit_rows(
        at=uow.clock.now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_ids=entity_ids,
        correlation_id=uow.correlation_id,
        fields=fields,
    )
    if rows:
        await uow.session.execute(insert(AuditEvent), rows)


def audit_rows(
    *,
    at: datetime,
    actor: Principal,
    action: AuditAction,
    entity: str,
    entity_ids: Iterable[uuid.UUID],
    correlation_id: str | None,
    fields: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The audit events `record_access` writes, one per distinct record, as column values."""
    return [
        {
            "id": time_ordered_id(at),
            "occurred_at": at,
            "actor_id": actor.subject_id,
            "actor_is_machine": actor.is_machine,
            "organization_id": actor.organization_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "correlation_id": correlation_id,
            "fields": fields,
        }
        for entity_id in dict.fromkeys(entity_ids)
    ]


@dataclass(frozen=True, slots=True)
class AuditFilter:
    entity: str | None = None
    entity_id: uuid.UUID | None = None
    actor_id: uuid.UUID | None = None
    action: AuditAction | None = None
    since: datetime | None = None
    until: datetime | None = None


async def list_audit_events(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: AuditFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[AuditEvent]:
    """Newest first: what the organisation's users did, and who touched its people's records."""
    require_role(actor, Role.ADMIN)
    require_aware(filter.since, "since")
    require_aware(filter.until, "until")
    own_people = select(PersonOrganization.person_id).where(
        PersonOrganization.organization_id == actor.organization_id
    )
    query = select(AuditEvent).where(
        or_(
            AuditEvent.organization_id == actor.organization_id,
            and_(AuditEvent.entity == "Person", AuditEvent.entity_id.in_(own_people)),
        )
    )
    if filter.entity:
        query = query.where(AuditEvent.entity == filter.entity)
    if filter.entity_id:
        query = query.where(AuditEvent.entity_id == filter.entity_id)
    if filter.actor_id:
        query = query.where(AuditEvent.actor_id == filter.actor_id)
    if filter.action:
        query = query.where(AuditEvent.action == filter.action)
    if filter.since:
        query = query.where(AuditEvent.occurred_at >= filter.since)
    if filter.until:
        query = query.where(AuditEvent.occurred_at < filter.until)
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    if page.after:
        at, last_id = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(
            keyset_after((AuditEvent.occurred_at, AuditEvent.id), (at, last_id), descending=True)
        )
    query = query.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    rows = (await uow.session.scalars(query.limit(page.first + 1))).all()
    return page_from_rows(rows, page, lambda e: (e.occurred_at, e.id)).with_total(total)


async def audited_newest_first(
    *,
    uow: UnitOfWork,
    actor: Principal,
    base: Any,
    model: Any,
    entity: str,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Any]:
    """A page of `base` (a select of `model`) newest first by (created_at, id), keyset-paged,
    every record returned audited as read, committed."""
    query = base
    if page.after:
        at, last_id = decode_cursor(page.after, (datetime, uuid.UUID))
        query = query.where(
            keyset_after((model.created_at, model.id), (at, last_id), descending=True)
        )
    query = query.order_by(model.created_at.desc(), model.id.desc()).limit(page.first + 1)
    rows = (await uow.session.scalars(query)).all()
    result = page_from_rows(rows, page, lambda r: (r.created_at, r.id))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity=entity,
        entity_ids=[r.id for r in result.items],
    )
    await uow.commit()
    return result.with_total(total)
