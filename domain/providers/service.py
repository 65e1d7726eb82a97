"""Use cases on the provider directory: create and update a provider, batch reads for loaders.

Search is in `domain.providers.search`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    JSON,
    BindParameter,
    Text,
    bindparam,
    cast,
    delete,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from domain.catalog.models import Benefit
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.events import DomainEvent
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.models import group_by
from domain.money import cents
from domain.providers.models import (
    Location,
    NetworkStatus,
    Provider,
    ProviderKind,
    ProviderLanguage,
    ProviderService,
    ProviderSpecialty,
)
from domain.providers.rules import (
    ProviderData,
    ServiceOfferData,
    check_network_status_change,
    check_provider,
    may_manage_provider,
)
from domain.uow import UnitOfWork

MANAGERS = (Role.NETWORK_STAFF, Role.PROVIDER_STAFF)


async def create_provider(*, uow: UnitOfWork, actor: Principal, data: ProviderData) -> Provider:
    """Add an organisation or practitioner to the directory, managed by a provider organisation."""
    provider = await add_provider(uow=uow, actor=actor, data=data)
    await uow.commit()
    return provider


async def add_provider(*, uow: UnitOfWork, actor: Principal, data: ProviderData) -> Provider:
    """`create_provider` inside the caller's unit of work (network onboarding), uncommitted."""
    require_role(actor, *MANAGERS)
    check_network_status_change(actor, data.network_status, NetworkStatus.PENDING)
    await _check_managing_organization(uow, actor, data.organization_id)
    check_provider(data)
    await _check_references(uow, data)
    now = uow.clock.now()
    provider = Provider(
        **_provider_columns(data),
        network_status=data.network_status or NetworkStatus.PENDING,
        current_load=0,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(provider)
    await uow.session.flush()
    _add_children(uow, provider.id, data)
    uow.record(_event("provider.created", provider, actor, now))
    return provider


async def update_provider(
    *, uow: UnitOfWork, actor: Principal, provider_id: uuid.UUID, data: ProviderData
) -> Provider:
    """Replace a provider's details, locations, specialties, services and languages."""
    require_role(actor, *MANAGERS)
    provider = await uow.session.get(Provider, provider_id)
    if provider is None:
        raise not_found("Provider")
    if not may_manage_provider(actor, provider.organization_id):
        # The directory is public, so saying the provider exists discloses nothing.
        raise DomainError(ErrorCode.FORBIDDEN, "You manage only your own organization's providers")
    check_network_status_change(actor, data.network_status, provider.network_status)
    if data.organization_id != provider.organization_id:
        await _check_managing_organization(uow, actor, data.organization_id)
    check_provider(data)
    await _check_references(uow, data, provider_id)
    now = uow.clock.now()
    for key, value in _provider_columns(data).items():
        setattr(provider, key, value)
    provider.network_status = data.network_status or provider.network_status
    provider.updated_at = now
    # Core deletes run at once, so the new rows never meet the old under a unique constraint.
    for child in (Location, ProviderSpecialty, ProviderService, ProviderLanguage):
        await uow.session.execute(delete(child).where(child.provider_id == provider_id))
    _add_children(uow, provider_id, data)
    uow.record(_event("provider.updated", provider, actor, now))
    await uow.commit()
    return provider


async def get_providers(*, uow: UnitOfWork, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Provider]:
    """Providers by id, for DataLoaders and node lookups (the directory is not scoped)."""
    if not ids:
        return {}
    rows = await uow.session.scalars(select(Provider).where(Provider.id.in_(set(ids))))
    return {p.id: p for p in rows}


def _by_provider(table: Any, *order: Any) -> Any:
    """A batch read of one child table for a set of providers (`ids`), built once."""
    ids: BindParameter[Any] = bindparam("ids", expanding=True)
    return select(table).where(table.c.provider_id.in_(ids)).order_by(*order)


_locations = Location.__table__
_specialties = ProviderSpecialty.__table__
_languages = ProviderLanguage.__table__
_services = ProviderService.__table__
LOCATIONS = _by_provider(_locations, _locations.c.name, _locations.c.id)
SPECIALTIES = _by_provider(_specialties, _specialties.c.is_primary.desc(), _specialties.c.code)
LANGUAGES = _by_provider(_languages, _languages.c.language)
SERVICES = _by_provider(_services, _services.c.id)


async def _grouped(
    uow: UnitOfWork, statement: Any, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """Rows (not ORM objects: this is the hot read path) grouped by provider; every key
    present, in the statement's order."""
    rows: Iterable[Any] = ()
    if provider_ids:
        rows = await uow.session.execute(statement, {"ids": list(set(provider_ids))})
    return group_by(rows, provider_ids, lambda row: row.provider_id)


async def locations_by_provider_ids(
    *, uow: UnitOfWork, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """For a DataLoader: every key present, in name order."""
    return await _grouped(uow, LOCATIONS, provider_ids)


async def specialties_by_provider_ids(
    *, uow: UnitOfWork, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """For a DataLoader: every key present, the primary specialty first."""
    return await _grouped(uow, SPECIALTIES, provider_ids)


async def languages_by_provider_ids(
    *, uow: UnitOfWork, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """For a DataLoader: every key present, the BCP 47 tags in order."""
    rows = await _grouped(uow, LANGUAGES, provider_ids)
    return {pid: [row.language for row in found] for pid, found in rows.items()}


async def services_by_provider_ids(
    *, uow: UnitOfWork, provider_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    """For a DataLoader: every key present, active and inactive offers alike."""
    return await _grouped(uow, SERVICES, provider_ids)


async def _check_managing_organization(
    uow: UnitOfWork, actor: Principal, organization_id: uuid.UUID
) -> None:
    """Providers belong to a PROVIDER organisation the actor may manage."""
    organization = await uow.session.get(Organization, organization_id)
    if organization is None or organization.kind is not OrganizationKind.PROVIDER:
        raise not_found("Provider organization", "organizationId")
    if not may_manage_provider(actor, organization_id):
        raise DomainError(
            ErrorCode.FORBIDDEN,
            "You manage only your own organization's providers",
            "organizationId",
        )


async def _check_references(
    uow: UnitOfWork, data: ProviderData, provider_id: uuid.UUID | None = None
) -> None:
    """The NPI is free, the parent is an organisation of the same owner, the benefits exist."""
    if data.npi is not None:
        holder = await uow.session.scalar(select(Provider.id).where(Provider.npi == data.npi))
        if holder is not None and holder != provider_id:
            raise DomainError(ErrorCode.DUPLICATE, "A provider with this NPI exists", "npi")
    if data.parent_provider_id is not None:
        await _check_parent(uow, data, provider_id)
    await check_offered_benefits(uow, data.services)


async def check_offered_benefits(uow: UnitOfWork, services: Sequence[ServiceOfferData]) -> None:
    """Each offered service is a benefit that exists (NOT_FOUND at `services.N.benefitId`)."""
    wanted = {s.benefit_id for s in services}
    if wanted:
        found = set(await uow.session.scalars(select(Benefit.id).where(Benefit.id.in_(wanted))))
        errors = ErrorCollector()
        for index, service in enumerate(services):
            if service.benefit_id not in found:
                errors.add(ErrorCode.NOT_FOUND, "Benefit not found", f"services.{index}.benefitId")
        errors.raise_if_any()


async def _check_parent(uow: UnitOfWork, data: ProviderData, provider_id: uuid.UUID | None) -> None:
    parent = await uow.session.get(Provider, data.parent_provider_id)
    if parent is None or parent.organization_id != data.organization_id:
        raise not_found("Parent provider", "parentProviderId")
    if parent.kind is not ProviderKind.ORGANIZATION or parent.id == provider_id:
        raise DomainError(
            ErrorCode.INVALID, "The parent is another provider organization", "parentProviderId"
        )


def _provider_columns(data: ProviderData) -> dict[str, Any]:
    return {
        "organization_id": data.organization_id,
        "kind": data.kind,
        "parent_provider_id": data.parent_provider_id,
        "name": data.name.strip(),
        "npi": data.npi,
        "description": data.description,
        "phone": data.phone,
        "email": data.email,
        "website": data.website,
        "accepting_referrals": data.accepting_referrals,
        "capacity": data.capacity,
    }


def _add_children(uow: UnitOfWork, provider_id: uuid.UUID, data: ProviderData) -> None:
    for location in data.locations:
        uow.session.add(
            Location(
                provider_id=provider_id,
                name=location.name,
                address_line1=location.address_line1,
                address_line2=location.address_line2,
                city=location.city,
                state=location.state,
                postal_code=location.postal_code,
                country=location.country.upper() if location.country else None,
                latitude=location.latitude,
                longitude=location.longitude,
                phone=location.phone,
                hours=[
                    {"day": h.day, "opens": h.opens, "closes": h.closes} for h in location.hours
                ],
            )
        )
    for specialty in data.specialties:
        uow.session.add(
            ProviderSpecialty(
                provider_id=provider_id,
                code=specialty.code,
                display=specialty.display.strip(),
                is_primary=specialty.is_primary,
            )
        )
    for offer in data.services:
        uow.session.add(
            ProviderService(
                provider_id=provider_id,
                benefit_id=offer.benefit_id,
                rate=cents(offer.rate),
                currency=offer.currency,
                active=offer.active,
            )
        )
    for language in data.languages:
        uow.session.add(ProviderLanguage(provider_id=provider_id, language=language))


def _event(name: str, provider: Provider, actor: Principal, now: datetime) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity="Provider",
        entity_id=provider.id,
        organization_ids=tuple(dict.fromkeys((provider.organization_id, actor.organization_id))),
        occurred_at=now,
    )


def _json_object(table: Any, names: tuple[str, ...]) -> Any:
    pairs: list[Any] = []
    for name in names:
        pairs += [literal_column(f"'{name}'"), table.c[name]]
    return func.json_build_object(*pairs)


_LOCATION_FIELDS = (
    "id", "name", "address_line1", "address_line2", "city", "state", "postal_code",
    "country", "latitude", "longitude", "phone", "hours",
)  # fmt: skip


def _json_list(table: Any, element: Any, *order: Any) -> Any:
    """The related rows of the provider in the enclosing row, as one JSON array."""
    aggregated = func.json_agg(aggregate_order_by(element, *order))
    listing = select(func.coalesce(aggregated, literal_column("'[]'::json")))
    return type_coerce(listing.where(table.c.provider_id == Provider.id).scalar_subquery(), JSON)


def related_as_json(name: str) -> Any:
    """PostgreSQL only: a column holding one related list of each provider row, so a page
    and its lists come back in one statement (the planner runs it for the page's rows only,
    after sort and limit). Read back with `related_from_json`."""
    if name == "locations":
        return _json_list(
            _locations,
            _json_object(_locations, _LOCATION_FIELDS),
            _locations.c.name,
            _locations.c.id,
        )
    if name == "specialties":
        element = _json_object(_specialties, ("code", "display", "is_primary"))
        return _json_list(
            _specialties, element, _specialties.c.is_primary.desc(), _specialties.c.code
        )
    if name == "languages":
        return _json_list(_languages, _languages.c.language, _languages.c.language)
    if name == "services":
        element = func.json_build_object(
            literal_column("'benefit_id'"), _services.c.benefit_id,
            literal_column("'rate'"), cast(_services.c.rate, Text),
            literal_column("'currency'"), _services.c.currency,
            literal_column("'active'"), _services.c.active,
        )  # fmt: skip
        return _json_list(_services, element, _services.c.id)
    raise ValueError(name)


def related_from_json(name: str, items: list[Any]) -> list[Any]:
    """The rows of `related_as_json`, shaped like those of the batch readers."""
    if name == "languages":
        return list(items)
    if name == "locations":
        return [SimpleNamespace(**item | {"id": uuid.UUID(item["id"])}) for item in items]
    if name == "services":
        return [
            SimpleNamespace(
                benefit_id=uuid.UUID(item["benefit_id"]),
                rate=None if item["rate"] is None else Decimal(item["rate"]),
                currency=item["currency"],
                active=item["active"],
            )
            for item in items
        ]
    return [SimpleNamespace(**item) for item in items]
