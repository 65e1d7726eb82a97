"""The audit trail query, for an organisation's ADMIN."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.audit import service as audit
from domain.identity.models import Role
from resolvers.outcome import read_only
from schema.audit import AuditEvent, AuditEventFilter
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects


@strawberry.type
class AuditQuery:
    @strawberry.field(
        extensions=signed_in(Role.ADMIN),
        description="Newest first: your users' actions and every access to your people's records.",
    )
    async def audit_events(
        self,
        info: Info[Context, None],
        filter: AuditEventFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[AuditEvent]:
        given = filter or AuditEventFilter()
        criteria = audit.AuditFilter(
            entity=given.entity,
            entity_id=decode_global_id(given.entity_id, given.entity_id.type_name, "entityId")
            if given.entity_id
            else None,
            actor_id=decode_global_id(given.actor_id, ("User", "ApiClient"), "actorId")
            if given.actor_id
            else None,
            action=given.action,
            since=given.since,
            until=given.until,
        )
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: audit.list_audit_events(
                uow=uow, actor=actor, filter=criteria, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, AuditEvent.from_model)
