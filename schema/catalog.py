"""GraphQL types for the benefit catalog."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.catalog import models, rules
from domain.catalog.models import BenefitCategory, Frequency, UnitOfMeasure
from schema.errors import UserError
from schema.identity import Organization
from schema.inputs import to_dataclass
from schema.relay import load_nodes

strawberry.enum(BenefitCategory)
strawberry.enum(UnitOfMeasure)
strawberry.enum(Frequency)


@strawberry.type(description="A good, payment or service an agency or payer offers.")
class Benefit(relay.Node):
    id: relay.NodeID[str]
    code: str
    name: str
    description: str | None
    benefit_type: str
    category: BenefitCategory
    unit_of_measure: UnitOfMeasure
    max_units: Decimal | None
    max_units_frequency: Frequency | None
    offering_rate: Decimal | None
    currency: str
    active: bool
    created_at: datetime.datetime
    organization_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The agency or payer that offers it.")
    async def organization(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.organization_id)
        )

    @classmethod
    def from_model(cls, m: models.Benefit) -> Self:
        return cls(
            id=str(m.id),
            code=m.code,
            name=m.name,
            description=m.description,
            benefit_type=m.benefit_type,
            category=m.category,
            unit_of_measure=m.unit_of_measure,
            max_units=m.max_units,
            max_units_frequency=m.max_units_frequency,
            offering_rate=m.offering_rate,
            currency=m.currency,
            active=m.active,
            created_at=m.created_at,
            organization_id=m.organization_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.benefit, node_ids, cls.from_model)


@strawberry.input
class CreateBenefitInput:
    code: str
    name: str
    benefit_type: str
    category: BenefitCategory
    unit_of_measure: UnitOfMeasure
    description: str | None = None
    max_units: Decimal | None = None
    max_units_frequency: Frequency | None = None
    offering_rate: Decimal | None = None
    currency: str = "USD"

    def to_domain(self) -> rules.BenefitData:
        return to_dataclass(rules.BenefitData, self)


@strawberry.input
class BenefitFilter:
    text: str | None = None
    category: BenefitCategory | None = None
    organization_id: relay.GlobalID | None = None
    active: bool | None = True


@strawberry.type
class CreateBenefitPayload:
    benefit: Benefit | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
