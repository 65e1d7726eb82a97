"""Provider search and directory changes."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.identity.models import Role
from domain.providers import search as directory
from domain.providers import service as providers
from resolvers.outcome import perform, read_only
from schema.context import Context
from schema.permissions import signed_in
from schema.providers import (
    CreateProviderInput,
    CreateProviderPayload,
    Provider,
    ProviderSearchInput,
    UpdateProviderInput,
    UpdateProviderPayload,
)
from schema.relay import Connection, decode_global_id, page_request, requested_fields, selects


@strawberry.type
class ProvidersQuery:
    @strawberry.field(
        extensions=signed_in(),
        description="Search the provider directory; with `near`, nearest first.",
    )
    async def providers(
        self,
        info: Info[Context, None],
        search: ProviderSearchInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Provider]:
        request = page_request(info.context, first, after)
        criteria = (search or ProviderSearchInput()).to_domain()
        with_total = selects(info, "totalCount")
        include = requested_fields(info) & directory.INCLUDABLE.keys()
        page = await read_only(
            info,
            lambda uow, actor: directory.search_providers(
                uow=uow,
                actor=actor,
                criteria=criteria,
                page=request,
                with_total=with_total,
                include=include,
            ),
        )
        return Connection.from_page(page, Provider.from_model)

    @strawberry.field(extensions=signed_in())
    async def provider(self, info: Info[Context, None], id: relay.GlobalID) -> Provider | None:
        found = await info.context.loaders.provider.load(decode_global_id(id, "Provider", "id"))
        return Provider.from_model(found) if found else None


@strawberry.type
class ProvidersMutation:
    @strawberry.mutation(extensions=signed_in(Role.NETWORK_STAFF, Role.PROVIDER_STAFF))
    async def create_provider(
        self, info: Info[Context, None], input: CreateProviderInput
    ) -> CreateProviderPayload:
        outcome = await perform(
            info,
            lambda uow, actor: providers.create_provider(
                uow=uow, actor=actor, data=input.provider.to_domain()
            ),
        )
        return CreateProviderPayload(
            provider=outcome.map(Provider.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(Role.NETWORK_STAFF, Role.PROVIDER_STAFF))
    async def update_provider(
        self, info: Info[Context, None], input: UpdateProviderInput
    ) -> UpdateProviderPayload:
        outcome = await perform(
            info,
            lambda uow, actor: providers.update_provider(
                uow=uow,
                actor=actor,
                provider_id=decode_global_id(input.id, "Provider", "id"),
                data=input.provider.to_domain(),
            ),
        )
        return UpdateProviderPayload(
            provider=outcome.map(Provider.from_model), errors=outcome.errors
        )
