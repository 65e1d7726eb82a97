"""`me`, and the Relay `node` / `nodes` lookups."""

from __future__ import annotations

import inspect
from collections import defaultdict

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.errors import DomainError, ErrorCode
from domain.identity import service as identity
from resolvers.outcome import read_only
from schema.context import Context
from schema.identity import Organization, OrganizationFilter, User, Viewer
from schema.permissions import signed_in
from schema.relay import Connection, page_request, selects


async def _resolve_nodes(
    info: Info[Context, None], ids: list[relay.GlobalID]
) -> list[relay.Node | None]:
    """One batch per node type; ids the caller may not see (or that do not exist) give null."""
    if len(ids) > info.context.settings.max_page_size:
        raise DomainError(ErrorCode.LIMIT_EXCEEDED, "Too many ids at once", "ids")
    by_type: dict[str, list[int]] = defaultdict(list)
    for index, gid in enumerate(ids):
        by_type[gid.type_name].append(index)
    found: list[relay.Node | None] = [None] * len(ids)
    for type_name, indexes in by_type.items():
        node_type = _node_type(info, type_name)
        if node_type is None:
            continue
        resolved = node_type.resolve_nodes(
            info=info, node_ids=[ids[i].node_id for i in indexes], required=False
        )
        if inspect.isawaitable(resolved):
            resolved = await resolved
        for index, node in zip(indexes, resolved, strict=True):
            found[index] = node
    return found


def _node_type(info: Info[Context, None], type_name: str) -> type[relay.Node] | None:
    definition = info.schema.get_type_by_name(type_name)
    origin = getattr(definition, "origin", None)
    if isinstance(origin, type) and issubclass(origin, relay.Node):
        return origin
    return None


@strawberry.type
class IdentityQuery:
    @strawberry.field(extensions=signed_in(), description="Any object by its global id.")
    async def node(self, info: Info[Context, None], id: relay.GlobalID) -> relay.Node | None:
        return (await _resolve_nodes(info, [id]))[0]

    @strawberry.field(extensions=signed_in(), description="Objects by global id, in order.")
    async def nodes(
        self, info: Info[Context, None], ids: list[relay.GlobalID]
    ) -> list[relay.Node | None]:
        return await _resolve_nodes(info, ids)

    @strawberry.field(
        extensions=signed_in(),
        description="The directory of organisations (agencies, providers, payers), by name.",
    )
    async def organizations(
        self,
        info: Info[Context, None],
        filter: OrganizationFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organization]:
        given = filter or OrganizationFilter()
        criteria = identity.OrganizationFilter(kind=given.kind, text=given.text)
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: identity.list_organizations(
                uow=uow, filter=criteria, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, Organization.from_model)

    @strawberry.field(extensions=signed_in(), description="Who is signed in.")
    async def me(self, info: Info[Context, None]) -> Viewer:
        actor = info.context.actor
        user = None
        if not actor.is_machine:
            found = await info.context.loaders.user.load(actor.subject_id)
            user = User.from_model(found) if found else None
        return Viewer(
            subject_id=strawberry.ID(str(actor.subject_id)),
            is_machine=actor.is_machine,
            roles=sorted(actor.roles),
            organization_id=actor.organization_id,
            user=user,
        )
