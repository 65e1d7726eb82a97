"""GraphQL types for organisations and users."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.identity import models
from domain.identity.models import OrganizationKind, Role
from schema.relay import load_nodes

strawberry.enum(OrganizationKind)
strawberry.enum(Role)


@strawberry.type(description="An agency, provider organisation, payer or clearinghouse.")
class Organization(relay.Node):
    id: relay.NodeID[str]
    name: str
    kind: OrganizationKind
    npi: str | None
    payer_id: str | None
    active: bool

    @classmethod
    def from_model(cls, m: models.Organization) -> Self:
        return cls(
            id=str(m.id), name=m.name, kind=m.kind, npi=m.npi, payer_id=m.payer_id, active=m.active
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.organization, node_ids, cls.from_model)


@strawberry.type(description="A person who signs in: staff of one organisation.")
class User(relay.Node):
    id: relay.NodeID[str]
    email: str
    display_name: str
    roles: list[Role]
    active: bool
    organization_id: strawberry.Private[Any]

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.organization_id)
        )

    @classmethod
    def from_model(cls, m: models.User) -> Self:
        return cls(
            id=str(m.id),
            email=m.email,
            display_name=m.display_name,
            roles=[models.Role(r) for r in m.roles],
            active=m.active,
            organization_id=m.organization_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.user, node_ids, cls.from_model)


@strawberry.type(description="Who is signed in, as the token says.")
class Viewer:
    subject_id: strawberry.ID
    is_machine: bool
    roles: list[Role]
    organization_id: strawberry.Private[Any]
    user: User | None

    @strawberry.field
    async def organization(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.organization_id)
        )


@strawberry.input
class OrganizationFilter:
    kind: OrganizationKind | None = None
    text: str | None = strawberry.field(default=None, description="Words of the name")
