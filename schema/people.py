"""GraphQL types for people: constituents, patients and members."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.people import models, rules
from domain.people.models import CoverageStatus, IdentifierSystem, Sex
from schema.errors import UserError
from schema.identity import Organization
from schema.inputs import to_dataclass
from schema.relay import load_nodes

strawberry.enum(Sex)
strawberry.enum(IdentifierSystem)
strawberry.enum(CoverageStatus)


@strawberry.type(description="A postal address, with coordinates when known.")
class Address:
    line1: str | None
    line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    latitude: float | None
    longitude: float | None


@strawberry.type
class PersonIdentifier:
    system: IdentifierSystem
    value: str


@strawberry.type(description="A person's membership in a payer's plan.")
class Coverage:
    id: strawberry.ID
    member_id: str
    group_number: str | None
    plan_name: str
    period_start: datetime.date
    period_end: datetime.date | None
    status: CoverageStatus
    payer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def payer(self, info: Info) -> Organization:
        return Organization.from_model(await info.context.loaders.organization.load(self.payer_id))

    @classmethod
    def from_model(cls, m: models.Coverage) -> Self:
        return cls(
            id=strawberry.ID(str(m.id)),
            member_id=m.member_id,
            group_number=m.group_number,
            plan_name=m.plan_name,
            period_start=m.period_start,
            period_end=m.period_end,
            status=m.status,
            payer_id=m.payer_organization_id,
        )


@strawberry.type(description="A constituent, patient or member. Every read is audited.")
class Person(relay.Node):
    id: relay.NodeID[str]
    given_name: str
    middle_name: str | None
    family_name: str
    birth_date: datetime.date | None
    sex: Sex
    preferred_language: str | None
    phone: str | None
    email: str | None
    address: Address
    created_at: datetime.datetime
    updated_at: datetime.datetime
    key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def identifiers(self, info: Info) -> list[PersonIdentifier]:
        rows = await info.context.loaders.identifiers_by_person.load(self.key)
        return [PersonIdentifier(system=r.system, value=r.value) for r in rows]

    @strawberry.field
    async def coverages(self, info: Info) -> list[Coverage]:
        rows = await info.context.loaders.coverages_by_person.load(self.key)
        return [Coverage.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, m: models.Person) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            given_name=m.given_name,
            middle_name=m.middle_name,
            family_name=m.family_name,
            birth_date=m.birth_date,
            sex=m.sex,
            preferred_language=m.preferred_language,
            phone=m.phone,
            email=m.email,
            address=Address(
                line1=m.address_line1,
                line2=m.address_line2,
                city=m.city,
                state=m.state,
                postal_code=m.postal_code,
                country=m.country,
                latitude=m.latitude,
                longitude=m.longitude,
            ),
            created_at=m.created_at,
            updated_at=m.updated_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.person, node_ids, cls.from_model)


@strawberry.input
class AddressInput:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2")
    latitude: float | None = None
    longitude: float | None = None

    def to_domain(self) -> rules.Address:
        return to_dataclass(rules.Address, self)


@strawberry.input
class PersonIdentifierInput:
    system: IdentifierSystem
    value: str


@strawberry.input(description="A person's demographics; an update replaces them all.")
class PersonInput:
    given_name: str
    family_name: str
    middle_name: str | None = None
    birth_date: datetime.date | None = None
    sex: Sex = models.Sex.UNKNOWN
    preferred_language: str | None = strawberry.field(default=None, description="BCP 47 tag")
    phone: str | None = None
    email: str | None = None
    address: AddressInput | None = None
    identifiers: list[PersonIdentifierInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> rules.PersonData:
        return to_dataclass(
            rules.PersonData,
            self,
            address=self.address.to_domain() if self.address else rules.Address(),
            identifiers=tuple(rules.Identifier(i.system, i.value) for i in self.identifiers),
        )


@strawberry.input
class CreatePersonInput:
    person: PersonInput


@strawberry.input
class UpdatePersonInput:
    id: relay.GlobalID
    person: PersonInput


@strawberry.input
class AddCoverageInput:
    person_id: relay.GlobalID
    payer_id: relay.GlobalID = strawberry.field(description="An Organization of kind PAYER")
    member_id: str
    plan_name: str
    period_start: datetime.date
    period_end: datetime.date | None = None
    group_number: str | None = None


@strawberry.input
class PersonFilter:
    text: str | None = strawberry.field(default=None, description="Words of the name")
    identifier: str | None = strawberry.field(default=None, description="Any identifier value")
    birth_date: datetime.date | None = None


@strawberry.type
class CreatePersonPayload:
    person: Person | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdatePersonPayload:
    person: Person | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AddCoveragePayload:
    coverage: Coverage | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
