"""Queries and mutations on the benefit catalog."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.catalog import service as catalog
from domain.identity.models import Role
from resolvers.outcome import perform, read_only
from schema.catalog import Benefit, BenefitFilter, CreateBenefitInput, CreateBenefitPayload
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import Connection, decode_global_id, page_request, selects


@strawberry.type
class CatalogQuery:
    @strawberry.field(extensions=signed_in(), description="The shared benefit catalog, by name.")
    async def benefits(
        self,
        info: Info[Context, None],
        filter: BenefitFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Benefit]:
        given = filter or BenefitFilter()
        criteria = catalog.BenefitFilter(
            text=given.text,
            category=given.category,
            organization_id=decode_global_id(
                given.organization_id, "Organization", "organizationId"
            )
            if given.organization_id
            else None,
            active=given.active,
        )
        request = page_request(info.context, first, after)
        with_total = selects(info, "totalCount")
        page = await read_only(
            info,
            lambda uow, actor: catalog.list_benefits(
                uow=uow, actor=actor, filter=criteria, page=request, with_total=with_total
            ),
        )
        return Connection.from_page(page, Benefit.from_model)


@strawberry.type
class CatalogMutation:
    @strawberry.mutation(extensions=signed_in(Role.CASE_SUPERVISOR, Role.NETWORK_STAFF))
    async def create_benefit(
        self, info: Info[Context, None], input: CreateBenefitInput
    ) -> CreateBenefitPayload:
        outcome = await perform(
            info,
            lambda uow, actor: catalog.create_benefit(uow=uow, actor=actor, data=input.to_domain()),
        )
        return CreateBenefitPayload(benefit=outcome.map(Benefit.from_model), errors=outcome.errors)
