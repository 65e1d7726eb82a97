"""Provider search: filters, ranking by distance, keyset pages — one SQL statement a page.

No PostGIS and no SQL trigonometry, so the same statement runs on PostgreSQL and SQLite:
locations are prefiltered with an indexable bounding box, ranked by an equirectangular
distance in plain arithmetic (cos(latitude) is computed here and bound as a parameter), and
the exact great-circle distance is computed in Python for the rows of the page only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Row,
    Select,
    SQLColumnExpression,
    Subquery,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import distinct_on

from domain.catalog.models import Benefit
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
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
    BoundingBox,
    Equirectangular,
    GeoPoint,
    SearchCriteria,
    bounding_box,
    check_search,
    equirectangular,
    haversine_km,
    primary_language,
    search_words,
)
from domain.providers.service import (
    languages_by_provider_ids,
    locations_by_provider_ids,
    services_by_provider_ids,
    specialties_by_provider_ids,
)
from domain.uow import UnitOfWork

AnySelect = Select[*tuple[Any, ...]]

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


_HIT_COLUMNS = (
    Provider.id,
    Provider.name,
    Provider.kind,
    Provider.npi,
    Provider.accepting_referrals,
    Provider.capacity,
    Provider.current_load,
    Provider.network_status,
    Provider.organization_id,
    Provider.parent_provider_id,
    Provider.phone,
    Provider.email,
    Provider.website,
    Provider.description,
)


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
    nearest = _nearest_locations(near, uow.dialect) if near is not None else None
    base = _filtered(select(*_HIT_COLUMNS), criteria)
    order: tuple[Any, ...] = (Provider.name, Provider.id)
    key = _name_key
    if nearest is not None:
        base = base.join(nearest, nearest.c.provider_id == Provider.id).add_columns(
            nearest.c.d2, nearest.c.location_id, nearest.c.latitude, nearest.c.longitude
        )
        order, key = (nearest.c.d2, Provider.id), _distance_key
    query = _after(base, nearest, page.after).order_by(*order).limit(page.first + 1)
    raw = page_from_rows((await uow.session.execute(query)).all(), page, key)
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(base.subquery()))
    ids = [row.id for row in raw.items]
    related = {
        name: await INCLUDABLE[name](uow=uow, provider_ids=ids)
        for name in sorted(include & INCLUDABLE.keys())
    }
    hits = [
        _hit(row, near, **{name: rows[row.id] for name, rows in related.items()})
        for row in raw.items
    ]
    return Page(hits, raw.cursors, raw.has_next_page, raw.has_previous_page, total)


def approx_distance_sq_expr(
    latitude: SQLColumnExpression[float],
    longitude: SQLColumnExpression[float],
    scale: Equirectangular,
) -> ColumnElement[float]:
    """`scale.distance_sq` in SQL: subtraction and multiplication only, in the same order."""
    shifted: SQLColumnExpression[float] = longitude
    if scale.wrap > 0:
        shifted = case((longitude < 0, longitude + scale.wrap), else_=longitude)
    elif scale.wrap < 0:
        shifted = case((longitude >= 0, longitude + scale.wrap), else_=longitude)
    dlat = latitude - literal(scale.origin_latitude, Float)
    dlon = shifted - literal(scale.origin_longitude, Float)
    k = literal(scale.longitude_scale, Float)
    return dlat * dlat + dlon * k * dlon * k


def _in_box(box: BoundingBox) -> ColumnElement[bool]:
    latitude = Location.latitude.between(box.south, box.north)
    if box.crosses_antimeridian:
        return and_(latitude, or_(Location.longitude >= box.west, Location.longitude <= box.east))
    return and_(latitude, Location.longitude.between(box.west, box.east))


def _nearest_locations(near: GeoPoint, dialect: str) -> Subquery:
    """Each provider's nearest location within the radius (the MIN of d2, and which it is).

    The radius is applied before ranking, so only locations inside it are sorted. PostgreSQL
    takes DISTINCT ON, which its planner estimates well (a hash join with providers follows);
    elsewhere a window function ranks the locations of each provider."""
    scale = equirectangular(near)
    d2 = approx_distance_sq_expr(Location.latitude, Location.longitude, scale)
    columns = (
        Location.provider_id,
        Location.id.label("location_id"),
        Location.latitude,
        Location.longitude,
        d2.label("d2"),
    )
    inside = (_in_box(bounding_box(near, near.radius_km)), d2 <= literal(scale.max_d2, Float))
    if dialect == "postgresql":
        return (
            select(*columns)
            .where(*inside)
            .ext(distinct_on(Location.provider_id))
            .order_by(Location.provider_id, d2, Location.id)
            .subquery("nearest")
        )
    rank = func.row_number().over(partition_by=Location.provider_id, order_by=(d2, Location.id))
    ranked = select(*columns, rank.label("rank")).where(*inside).subquery("ranked")
    return select(ranked).where(ranked.c.rank == 1).subquery("nearest")


def _filtered(query: AnySelect, criteria: SearchCriteria) -> AnySelect:
    if criteria.specialty is not None:
        query = query.where(
            exists().where(
                ProviderSpecialty.provider_id == Provider.id,
                ProviderSpecialty.code == criteria.specialty,
            )
        )
    if criteria.benefit_id is not None:
        query = query.where(
            exists().where(
                ProviderService.provider_id == Provider.id,
                ProviderService.benefit_id == criteria.benefit_id,
                ProviderService.active.is_(True),
            )
        )
    if criteria.accepting_referrals is not None:
        query = query.where(_has_room() if criteria.accepting_referrals else not_(_has_room()))
    if criteria.language is not None:
        query = query.where(_speaks(primary_language(criteria.language)))
    for word in search_words(criteria.text):
        query = query.where(_mentions(word))
    if criteria.network_status is not None:
        query = query.where(Provider.network_status == criteria.network_status)
    return query


def _has_room() -> ColumnElement[bool]:
    """Accepting referrals means the flag is on and the provider is below its capacity."""
    return and_(
        Provider.accepting_referrals.is_(True),
        or_(Provider.capacity.is_(None), Provider.current_load < Provider.capacity),
    )


def _speaks(primary: str) -> ColumnElement[bool]:
    """'es' matches a provider speaking 'es', 'ES' or 'es-MX'."""
    tag = func.lower(ProviderLanguage.language)
    return exists().where(
        ProviderLanguage.provider_id == Provider.id,
        or_(tag == primary, tag.like(f"{primary}-%")),
    )


def _mentions(word: str) -> ColumnElement[bool]:
    """The word is in the provider's name, one of its specialties, or a benefit it offers
    (so "grief counselling" finds every provider that offers grief counselling)."""
    return or_(
        func.lower(Provider.name).contains(word, autoescape=True),
        exists().where(
            ProviderSpecialty.provider_id == Provider.id,
            func.lower(ProviderSpecialty.display).contains(word, autoescape=True),
        ),
        exists().where(
            ProviderService.provider_id == Provider.id,
            ProviderService.active.is_(True),
            Benefit.id == ProviderService.benefit_id,
            func.lower(Benefit.name).contains(word, autoescape=True),
        ),
    )


def _after(query: AnySelect, nearest: Subquery | None, cursor: str | None) -> AnySelect:
    if cursor is None:
        return query
    if nearest is not None:
        order, d2, last_id = decode_cursor(cursor, (str, float, uuid.UUID))
        _check_order(order, BY_DISTANCE)
        return query.where(or_(nearest.c.d2 > d2, and_(nearest.c.d2 == d2, Provider.id > last_id)))
    order, name, last_id = decode_cursor(cursor, (str, str, uuid.UUID))
    _check_order(order, BY_NAME)
    return query.where(
        or_(Provider.name > name, and_(Provider.name == name, Provider.id > last_id))
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
