"""Provider search: filters, ranking by distance, keyset pages — one SQL statement a page
(its SQL is in `search_sql`), the exact great-circle distance computed in Python for the rows
of the page only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Row

from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.providers.models import (
    NetworkStatus,
    ProviderKind,
)
from domain.providers.rules import (
    GeoPoint,
    SearchCriteria,
    bounding_box,
    check_search,
    equirectangular,
    haversine_km,
    primary_language,
    search_words,
)
from domain.providers.search_sql import (
    Shape,
    count_statement,
    escape_like,
    page_statement,
)
from domain.providers.service import (
    languages_by_provider_ids,
    locations_by_provider_ids,
    related_from_json,
    services_by_provider_ids,
    specialties_by_provider_ids,
)
from domain.uow import UnitOfWork

BY_DISTANCE = "distance"
BY_NAME = "name"


@dataclass(frozen=True, slots=True)
class ProviderHit:
    """One search result: what a result list shows, and how far the nearest location is."""

    id: uuid.UUID
    name: str
    kind: ProviderKind
    npi: str | None
    accepting_referrals: bool
    capacity: int | None
    current_load: int
    network_status: NetworkStatus
    organization_id: uuid.UUID
    parent_provider_id: uuid.UUID | None
    phone: str | None
    email: str | None
    website: str | None
    description: str | None
    distance_km: float | None = None
    nearest_location_id: uuid.UUID | None = None
    # Filled when the caller asked to include them: read in the same unit of work as the page.
    locations: list[Any] | None = None
    specialties: list[Any] | None = None
    languages: list[str] | None = None
    services: list[Any] | None = None


INCLUDABLE = {
    "locations": locations_by_provider_ids,
    "specialties": specialties_by_provider_ids,
    "languages": languages_by_provider_ids,
    "services": services_by_provider_ids,
}


async def search_providers(
    *,
    uow: UnitOfWork,
    actor: Principal,
    criteria: SearchCriteria,
    page: PageRequest,
    with_total: bool = False,
    include: frozenset[str] = frozenset(),
) -> Page[ProviderHit]:
    """Providers matching every criterion, nearest first with `near`, else by name.

    `include` names related lists (see INCLUDABLE) to read with the page, one statement each.
    The directory is shared: any signed-in principal may search it."""
    check_search(criteria)
    near = criteria.near
    parameters = _parameters(criteria, page)
    wanted = include & INCLUDABLE.keys()
    # PostgreSQL returns the lists with the page; elsewhere they are one batch read each.
    embedded = tuple(sorted(wanted)) if uow.dialect == "postgresql" else ()
    shape = replace(_shape(uow.dialect, criteria, parameters, page), embedded=embedded)
    query = page_statement(shape, page.first + 1)
    key = _distance_key if near is not None else _name_key
    # Its best plan depends on the box's values: planned as configured for that (custom).
    await uow.plan_statements()
    raw = page_from_rows((await uow.session.execute(query, parameters)).all(), page, key)
    total = None
    if with_total:
        total = await uow.session.scalar(count_statement(shape), parameters)
    ids = [row.id for row in raw.items]
    batched = {
        name: await INCLUDABLE[name](uow=uow, provider_ids=ids)
        for name in sorted(wanted - set(embedded))
    }
    hits = [
        _hit(
            row,
            near,
            **{name: rows[row.id] for name, rows in batched.items()},
            **{name: related_from_json(name, getattr(row, f"{name}_json")) for name in embedded},
        )
        for row in raw.items
    ]
    return Page(hits, raw.cursors, raw.has_next_page, raw.has_previous_page, total)


def _parameters(criteria: SearchCriteria, page: PageRequest) -> dict[str, Any]:
    values: dict[str, Any] = {}
    near = criteria.near
    if near is not None:
        scale = equirectangular(near)
        box = bounding_box(near, near.radius_km)
        values |= {
            "origin_latitude": scale.origin_latitude,
            "origin_longitude": scale.origin_longitude,
            "longitude_scale": scale.longitude_scale,
            "wrap": scale.wrap,
            "max_d2": scale.max_d2,
            "south": box.south,
            "north": box.north,
            "west": box.west,
            "east": box.east,
        }
    if criteria.specialty is not None:
        values["specialty"] = criteria.specialty
    if criteria.benefit_id is not None:
        values["benefit_id"] = criteria.benefit_id
    if criteria.language is not None:
        primary = primary_language(criteria.language)
        values |= {"language": primary, "language_prefix": f"{escape_like(primary)}-%"}
    for index, word in enumerate(search_words(criteria.text)):
        values[f"word_{index}"] = f"%{escape_like(word)}%"
    if criteria.network_status is not None:
        values["network_status"] = criteria.network_status
    if page.after is not None:
        if near is not None:
            order, d2, last_id = decode_cursor(page.after, (str, float, uuid.UUID))
            _check_order(order, BY_DISTANCE)
            values |= {"after_d2": d2, "after_id": last_id}
        else:
            order, name, last_id = decode_cursor(page.after, (str, str, uuid.UUID))
            _check_order(order, BY_NAME)
            values |= {"after_name": name, "after_id": last_id}
    return values


def _shape(
    dialect: str, criteria: SearchCriteria, values: dict[str, Any], page: PageRequest
) -> Shape:
    wrap = values.get("wrap", 0.0)
    return Shape(
        dialect=dialect,
        near=criteria.near is not None,
        wrap=(wrap > 0) - (wrap < 0),
        crosses_antimeridian=values.get("west", 0.0) > values.get("east", 0.0),
        specialty=criteria.specialty is not None,
        benefit=criteria.benefit_id is not None,
        accepting=criteria.accepting_referrals,
        language=criteria.language is not None,
        words=len(search_words(criteria.text)),
        network_status=criteria.network_status is not None,
        after=page.after is not None,
    )


def _check_order(found: str, expected: str) -> None:
    """A cursor from a search in another order would skip or repeat rows."""
    if found != expected:
        raise DomainError(ErrorCode.INVALID, "The cursor is from another search order", "after")


def _distance_key(row: Row[Any]) -> tuple[str, Any, uuid.UUID]:
    return (BY_DISTANCE, row.d2, row.id)


def _name_key(row: Row[Any]) -> tuple[str, Any, uuid.UUID]:
    return (BY_NAME, row.name, row.id)


def _hit(row: Row[Any], near: GeoPoint | None, **related: list[Any]) -> ProviderHit:
    distance = None
    if near is not None:
        distance = haversine_km(near, GeoPoint(row.latitude, row.longitude))
    return ProviderHit(
        id=row.id,
        name=row.name,
        kind=row.kind,
        npi=row.npi,
        accepting_referrals=row.accepting_referrals,
        capacity=row.capacity,
        current_load=row.current_load,
        network_status=row.network_status,
        organization_id=row.organization_id,
        parent_provider_id=row.parent_provider_id,
        phone=row.phone,
        email=row.email,
        website=row.website,
        description=row.description,
        distance_km=distance,
        nearest_location_id=row.location_id if near is not None else None,
        **related,
    )
