"""Write the audit trail; let an organisation's ADMIN read it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Uuid, and_, cast, exists, func, insert, literal, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB

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
    """Add the audit event of these records to the unit of work's transaction (one row: the
    record, or the records read together in the order given; none for no record)."""
    row = audit_row(
        at=uow.clock.now(),
        actor=actor,
        action=action,
        entity=entity,
        entity_ids=entity_ids,
        correlation_id=uow.correlation_id,
        fields=fields,
    )
    if row is not None:
        await uow.session.execute(insert(AuditEvent), [row])


def audit_row(
    *,
    at: datetime,
    actor: Principal,
    action: AuditAction,
    entity: str,
    entity_ids: Iterable[uuid.UUID],
    correlation_id: str | None,
    fields: list[str] | None = None,
) -> dict[str, Any] | None:
    """The event `record_access` writes, as column values; None for no record."""
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return None
    return {
        "id": time_ordered_id(at),
        "occurred_at": at,
        "actor_id": actor.subject_id,
        "actor_is_machine": actor.is_machine,
        "organization_id": actor.organization_id,
        "action": action,
        "entity": entity,
        "entity_id": ids[0] if len(ids) == 1 else None,
        "entity_ids": [i.hex for i in ids] if len(ids) > 1 else None,
        "correlation_id": correlation_id,
        "fields": fields,
    }


def concerning(dialect: str, entity_id: uuid.UUID) -> Any:
    """Events that concern this record, alone or among others (an index lookup either way)."""
    if dialect == "postgresql":
        among = type_coerce(AuditEvent.entity_ids, JSONB).contains([entity_id.hex])
    else:
        value = func.json_each(AuditEvent.entity_ids).table_valued("value")
        among = exists(select(literal(1)).select_from(value).where(value.c.value == entity_id.hex))
    return or_(AuditEvent.entity_id == entity_id, among)


def concerning_any(dialect: str, ids: Any) -> Any:
    """Events that concern any record of `ids` (a select of one uuid column)."""
    if dialect == "postgresql":
        value = func.jsonb_array_elements_text(AuditEvent.entity_ids).table_valued("value")
        element: Any = cast(value.c.value, Uuid)
    else:
        value = func.json_each(AuditEvent.entity_ids).table_valued("value")
        element = value.c.value  # SQLite keeps a uuid as its 32 hex digits, as stored here
    among = exists(select(literal(1)).select_from(value).where(element.in_(ids)))
    return or_(AuditEvent.entity_id.in_(ids), and_(AuditEvent.entity_ids.is_not(None), among))


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
            and_(AuditEvent.entity == "Person", concerning_any(uow.dialect, own_people)),
        )
    )
    if filter.entity:
        query = query.where(AuditEvent.entity == filter.entity)
    if filter.entity_id:
        # Another organisation's event is found by one of this organisation's own people.
        own = own_people.where(PersonOrganization.person_id == filter.entity_id).exists()
        query = query.where(
            concerning(uow.dialect, filter.entity_id),
            or_(AuditEvent.organization_id == actor.organization_id, own),
        )
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
    await _name_only_own_people(uow, actor, rows)
    return page_from_rows(rows, page, lambda e: (e.occurred_at, e.id)).with_total(total)


async def _name_only_own_people(
    uow: UnitOfWork, actor: Principal, events: Sequence[AuditEvent]
) -> None:
    """Another organisation's read of several people is shown here for the organisation's own
    people among them: the others' ids are not this reader's to see."""
    foreign = [
        e for e in events if e.entity_ids is not None and e.organization_id != actor.organization_id
    ]
    named = {uuid.UUID(h) for e in foreign for h in e.entity_ids or ()}
    if not named:
        return
    own = set(
        await uow.session.scalars(
            select(PersonOrganization.person_id).where(
                PersonOrganization.organization_id == actor.organization_id,
                PersonOrganization.person_id.in_(named),
            )
        )
    )
    for event in foreign:
        event.shown_to(own)


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
