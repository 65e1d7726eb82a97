"""GraphQL types for the provider directory and its search."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.providers import models, rules
from domain.providers.models import NetworkStatus, ProviderKind
from domain.providers.search import INCLUDABLE
from schema.catalog import Benefit
from schema.errors import UserError
from schema.identity import Organization
from schema.inputs import to_dataclass
from schema.relay import decode_global_id, load_nodes, prefetched_or_loaded

T = TypeVar("T")

strawberry.enum(ProviderKind)
strawberry.enum(NetworkStatus)


@strawberry.type
class OpeningHours:
    day: str
    opens: str
    closes: str


@strawberry.type(description="Where a provider sees people.")
class Location:
    id: strawberry.ID
    name: str | None
    address_line1: str | None
    address_line2: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    latitude: float
    longitude: float
    phone: str | None
    hours: list[OpeningHours]

    @classmethod
    def from_model(cls, m: models.Location) -> Self:
        return cls(
            id=strawberry.ID(str(m.id)),
            name=m.name,
            address_line1=m.address_line1,
            address_line2=m.address_line2,
            city=m.city,
            state=m.state,
            postal_code=m.postal_code,
            country=m.country,
            latitude=m.latitude,
            longitude=m.longitude,
            phone=m.phone,
            hours=[OpeningHours(**h) for h in m.hours or ()],
        )


@strawberry.type(description="A NUCC provider taxonomy code and its display name.")
class Specialty:
    code: str
    display: str
    is_primary: bool


@strawberry.type(description="A benefit the provider delivers, at its own rate.")
class ServiceOffer:
    rate: Decimal | None
    currency: str
    active: bool
    benefit_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit:
        return Benefit.from_model(await info.context.loaders.benefit.load(self.benefit_id))


@strawberry.type(description="An organisation or practitioner that delivers benefits.")
class Provider(relay.Node):
    id: relay.NodeID[str]
    name: str
    kind: ProviderKind
    npi: str | None
    description: str | None
    phone: str | None
    email: str | None
    website: str | None
    accepting_referrals: bool
    capacity: int | None = strawberry.field(description="Clients it can take; null = no limit")
    current_load: int
    network_status: NetworkStatus
    distance_km: float | None = strawberry.field(
        description="From the search point to the nearest location (searches with `near` only)"
    )
    key: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]
    parent_provider_id: strawberry.Private[uuid.UUID | None]
    nearest_location_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The provider organisation whose staff manage this record.")
    async def organization(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.organization_id)
        )

    @strawberry.field(description="A practitioner's organisation.")
    async def parent(self, info: Info) -> Provider | None:
        if self.parent_provider_id is None:
            return None
        found = await info.context.loaders.provider.load(self.parent_provider_id)
        return Provider.from_model(found) if found else None

    prefetched: strawberry.Private[dict[str, list[Any]]]

    def _related(
        self, info: Info, name: str, convert: Callable[[Any], T]
    ) -> list[T] | Awaitable[list[T]]:
        """Read with the page when the search was asked to include it, else batched."""
        loaders = info.context.loaders
        return prefetched_or_loaded(
            self.prefetched.get(name),
            lambda: getattr(loaders, f"{name}_by_provider"),
            self.key,
            convert,
        )

    @strawberry.field(graphql_type=list[Location])
    def locations(self, info: Info) -> list[Location] | Awaitable[list[Location]]:
        return self._related(info, "locations", Location.from_model)

    @strawberry.field(description="The location nearest the search point (searches with `near`).")
    async def nearest_location(self, info: Info) -> Location | None:
        if self.nearest_location_id is None:
            return None
        rows = self.prefetched.get("locations")
        if rows is None:
            rows = await info.context.loaders.locations_by_provider.load(self.key)
        return next(
            (Location.from_model(r) for r in rows if r.id == self.nearest_location_id), None
        )

    @strawberry.field(graphql_type=list[Specialty])
    def specialties(self, info: Info) -> list[Specialty] | Awaitable[list[Specialty]]:
        return self._related(
            info,
            "specialties",
            lambda r: Specialty(code=r.code, display=r.display, is_primary=r.is_primary),
        )

    @strawberry.field(
        graphql_type=list[str], description="BCP 47 tags of the languages its staff speak."
    )
    def languages(self, info: Info) -> list[str] | Awaitable[list[str]]:
        return self._related(info, "languages", str)

    @strawberry.field(graphql_type=list[ServiceOffer])
    def services(self, info: Info) -> list[ServiceOffer] | Awaitable[list[ServiceOffer]]:
        return self._related(
            info,
            "services",
            lambda r: ServiceOffer(
                rate=r.rate, currency=r.currency, active=r.active, benefit_id=r.benefit_id
            ),
        )

    @classmethod
    def from_model(cls, m: Any) -> Self:
        """From a Provider model or a search hit (which also carries the distance)."""
        return cls(
            id=str(m.id),
            key=m.id,
            name=m.name,
            kind=m.kind,
            npi=m.npi,
            description=m.description,
            phone=m.phone,
            email=m.email,
            website=m.website,
            accepting_referrals=m.accepting_referrals,
            capacity=m.capacity,
            current_load=m.current_load,
            network_status=m.network_status,
            distance_km=getattr(m, "distance_km", None),
            organization_id=m.organization_id,
            parent_provider_id=m.parent_provider_id,
            nearest_location_id=getattr(m, "nearest_location_id", None),
            prefetched={
                name: rows for name in INCLUDABLE if (rows := getattr(m, name, None)) is not None
            },
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.provider, node_ids, cls.from_model)


@strawberry.input
class GeoPointInput:
    latitude: float
    longitude: float
    radius_km: float = rules.DEFAULT_RADIUS_KM


@strawberry.input(description="Every criterion given must hold; with `near`, nearest first.")
class ProviderSearchInput:
    specialty: str | None = strawberry.field(default=None, description="NUCC taxonomy code")
    benefit_id: relay.GlobalID | None = None
    near: GeoPointInput | None = None
    accepting_referrals: bool | None = None
    language: str | None = strawberry.field(default=None, description="'es' matches 'es-MX'")
    text: str | None = None
    network_status: NetworkStatus | None = None

    def to_domain(self) -> rules.SearchCriteria:
        return rules.SearchCriteria(
            specialty=self.specialty,
            benefit_id=decode_global_id(self.benefit_id, "Benefit", "benefitId")
            if self.benefit_id
            else None,
            near=rules.GeoPoint(self.near.latitude, self.near.longitude, self.near.radius_km)
            if self.near
            else None,
            accepting_referrals=self.accepting_referrals,
            language=self.language,
            text=self.text,
            network_status=self.network_status,
        )


@strawberry.input
class OpeningHoursInput:
    day: str = strawberry.field(description="MON..SUN")
    opens: str = strawberry.field(description="HH:MM")
    closes: str = strawberry.field(description="HH:MM, or 24:00")


@strawberry.input
class LocationInput:
    latitude: float
    longitude: float
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    hours: list[OpeningHoursInput] = strawberry.field(default_factory=list)

    def to_domain(self) -> rules.LocationData:
        return to_dataclass(
            rules.LocationData,
            self,
            hours=tuple(rules.OpeningHours(h.day, h.opens, h.closes) for h in self.hours),
        )


@strawberry.input
class SpecialtyInput:
    code: str
    display: str
    is_primary: bool = False


@strawberry.input
class ServiceOfferInput:
    benefit_id: relay.GlobalID
    rate: Decimal | None = None
    currency: str = "USD"
    active: bool = True


@strawberry.input(description="Everything about a provider; an update replaces it all.")
class ProviderInput:
    organization_id: relay.GlobalID = strawberry.field(
        description="The PROVIDER organisation whose staff manage the record"
    )
    kind: ProviderKind
    name: str
    npi: str | None = strawberry.field(default=None, description="10 digits, check digit valid")
    parent_provider_id: relay.GlobalID | None = None
    description: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accepting_referrals: bool = True
    capacity: int | None = None
    network_status: NetworkStatus | None = None
    locations: list[LocationInput] = strawberry.field(default_factory=list)
    specialties: list[SpecialtyInput] = strawberry.field(default_factory=list)
    services: list[ServiceOfferInput] = strawberry.field(default_factory=list)
    languages: list[str] = strawberry.field(default_factory=list)

    def to_domain(self) -> rules.ProviderData:
        parent = self.parent_provider_id
        return to_dataclass(
            rules.ProviderData,
            self,
            organization_id=decode_global_id(
                self.organization_id, "Organization", "organizationId"
            ),
            parent_provider_id=decode_global_id(parent, "Provider", "parentProviderId")
            if parent
            else None,
            locations=tuple(location.to_domain() for location in self.locations),
            specialties=tuple(to_dataclass(rules.SpecialtyData, s) for s in self.specialties),
            services=tuple(
                to_dataclass(
                    rules.ServiceOfferData,
                    offer,
                    benefit_id=decode_global_id(
                        offer.benefit_id, "Benefit", f"services.{index}.benefitId"
                    ),
                )
                for index, offer in enumerate(self.services)
            ),
            languages=tuple(self.languages),
        )


@strawberry.input
class CreateProviderInput:
    provider: ProviderInput


@strawberry.input
class UpdateProviderInput:
    id: relay.GlobalID
    provider: ProviderInput


@strawberry.type
class CreateProviderPayload:
    provider: Provider | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class UpdateProviderPayload:
    provider: Provider | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
