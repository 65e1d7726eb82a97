"""Trading partners and the exchange log."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations.worklist import WORKLIST_ROLES
from domain.partners import service as partners
from domain.partners.models import Protocol
from resolvers.outcome import read_only
from schema.authorizations import Exchange
from schema.context import Context
from schema.identity import Organization
from schema.permissions import signed_in
from schema.relay import decode_global_id

strawberry.enum(Protocol)


@strawberry.type(description="How requests to one payer travel, and its decision time frames.")
class TradingPartner:
    id: strawberry.ID
    name: str
    protocol: Protocol
    expedited_hours: int = strawberry.field(description="72 unless the partner has its own")
    standard_days: int = strawberry.field(description="7 unless the partner has its own")
    payer_key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def payer(self, info: Info) -> Organization:
        return Organization.from_model(await info.context.loaders.organization.load(self.payer_key))


@strawberry.type(description="An exchange, with the request it concerns.")
class ExchangeEntry(Exchange):
    request_id: strawberry.ID | None


@strawberry.type
class PartnersQuery:
    @strawberry.field(extensions=signed_in(), description="How each payer is reached.")
    async def trading_partners(self, info: Info[Context, None]) -> list[TradingPartner]:
        found = await read_only(info, lambda uow, actor: partners.list_trading_partners(uow=uow))
        return [
            TradingPartner(
                id=strawberry.ID(str(p.id)),
                name=p.name,
                protocol=p.protocol,
                expedited_hours=p.expedited_hours or 72,
                standard_days=p.standard_days or 7,
                payer_key=p.payer_organization_id,
            )
            for p in found
        ]

    @strawberry.field(
        extensions=signed_in(*WORKLIST_ROLES),
        description="Attempts to reach trading partners for your organisation's requests.",
    )
    async def exchanges(
        self, info: Info[Context, None], request_id: relay.GlobalID | None = None
    ) -> list[ExchangeEntry]:
        wanted = (
            decode_global_id(request_id, "AuthorizationRequest", "requestId")
            if request_id
            else None
        )
        found = await read_only(
            info,
            lambda uow, actor: partners.list_exchanges(uow=uow, actor=actor, request_id=wanted),
        )
        return [
            ExchangeEntry(
                **Exchange.fields_of(e),
                request_id=strawberry.ID(
                    str(relay.GlobalID("AuthorizationRequest", str(e.request_id)))
                )
                if e.request_id
                else None,
            )
            for e in found
        ]
