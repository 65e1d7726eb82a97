"""GraphQL types for the audit trail."""

from __future__ import annotations

import datetime
from typing import Self

import strawberry
from strawberry import relay

from domain.audit import models
from domain.audit.models import AuditAction

strawberry.enum(AuditAction)


def to_camel(name: str) -> str:
    """`preferred_language` as the API names it: `preferredLanguage`."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type(
    description="One read or change of a record, or one read of several records of one kind at"
    " once (a page of a list): ids and field names, no values."
)
class AuditEvent:
    id: strawberry.ID
    occurred_at: datetime.datetime
    actor_id: strawberry.ID
    actor_is_machine: bool
    organization_id: strawberry.ID
    action: AuditAction
    entity: str
    entity_id: strawberry.ID | None = strawberry.field(
        description="The record, when the event concerns one; null when it concerns several."
    )
    entity_ids: list[strawberry.ID] = strawberry.field(
        description="Every record the event concerns, in the order they were read."
    )
    correlation_id: str | None
    fields: list[str] | None

    @classmethod
    def from_model(cls, m: models.AuditEvent) -> Self:
        def gid(kind: str, value: object) -> strawberry.ID:
            return strawberry.ID(str(relay.GlobalID(kind, str(value))))

        return cls(
            id=strawberry.ID(str(m.id)),
            occurred_at=m.occurred_at,
            actor_id=gid("ApiClient" if m.actor_is_machine else "User", m.actor_id),
            actor_is_machine=m.actor_is_machine,
            organization_id=gid("Organization", m.organization_id),
            action=m.action,
            entity=m.entity,
            entity_id=gid(m.entity, m.entity_id) if m.entity_id is not None else None,
            entity_ids=[gid(m.entity, record) for record in m.record_ids],
            correlation_id=m.correlation_id,
            fields=[to_camel(f) for f in m.fields] if m.fields is not None else None,
        )


@strawberry.input
class AuditEventFilter:
    entity: str | None = None
    entity_id: relay.GlobalID | None = None
    actor_id: relay.GlobalID | None = None
    action: AuditAction | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
