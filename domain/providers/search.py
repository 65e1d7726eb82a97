"""Provider search: filters, ranking by distance, keyset pages — one SQL statement a page.

No PostGIS and no SQL trigonometry, so the same statement runs on PostgreSQL and SQLite:
locations are prefiltered with an indexable bounding box, ranked by an equirectangular
distance in plain arithmetic (cos(latitude) is computed here and bound as a parameter), and
the exact great-circle distance is computed in Python for the rows of the page only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
    Row,
    Select,
    SQLColumnExpression,
    String,
    Subquery,
    Uuid,
    and_,
    bindparam,
    case,
    exists,
    func,
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
    related_as_json,
    related_from_json,
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


@dataclass(frozen=True, slots=True)
class _Shape:
    """What makes two searches need different SQL; the values go in as parameters."""

    dialect: str
    near: bool
    wrap: int
    crosses_antimeridian: bool
    specialty: bool
    benefit: bool
    accepting: bool | None
    language: bool
    words: int
    network_status: bool
    after: bool
    embedded: tuple[str, ...] = ()


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
    query = _page_statement(shape, page.first + 1)
    key = _distance_key if near is not None else _name_key
    raw = page_from_rows((await uow.session.execute(query, parameters)).all(), page, key)
    total = None
    if with_total:
        total = await uow.session.scalar(_count_statement(shape), parameters)
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
        values |= {"language": primary, "language_prefix": f"{_escape_like(primary)}-%"}
    for index, word in enumerate(search_words(criteria.text)):
        values[f"word_{index}"] = f"%{_escape_like(word)}%"
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
) -> _Shape:
    wrap = values.get("wrap", 0.0)
    return _Shape(
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


def _escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


@lru_cache(maxsize=512)
def _filtered_statement(shape: _Shape) -> tuple[AnySelect, Subquery | None]:
    """The filtered rows of a search (before order and keyset), built once per shape:
    building and hashing a statement of this size costs more than running it."""
    query = _filtered(select(*_HIT_COLUMNS), shape)
    if not shape.near:
        return query, None
    nearest = _nearest_locations(shape)
    query = query.join(nearest, nearest.c.provider_id == Provider.id).add_columns(
        nearest.c.d2, nearest.c.location_id, nearest.c.latitude, nearest.c.longitude
    )
    return query, nearest


@lru_cache(maxsize=1024)
def _page_statement(shape: _Shape, limit: int) -> AnySelect:
    query, nearest = _filtered_statement(shape)
    query = query.limit(limit).add_columns(
        *(related_as_json(name).label(f"{name}_json") for name in shape.embedded)
    )
    if nearest is not None:
        if shape.after:
            d2 = bindparam("after_d2", type_=Float)
            last_id = bindparam("after_id", type_=Uuid)
            query = query.where(
                or_(nearest.c.d2 > d2, and_(nearest.c.d2 == d2, Provider.id > last_id))
            )
        return query.order_by(nearest.c.d2, Provider.id)
    if shape.after:
        name = bindparam("after_name", type_=String)
        last_id = bindparam("after_id", type_=Uuid)
        query = query.where(
            or_(Provider.name > name, and_(Provider.name == name, Provider.id > last_id))
        )
    return query.order_by(Provider.name, Provider.id)


@lru_cache(maxsize=512)
def _count_statement(shape: _Shape) -> AnySelect:
    query, _nearest = _filtered_statement(shape)
    return select(func.count()).select_from(query.subquery())


def approx_distance_sq_expr(
    latitude: SQLColumnExpression[float], longitude: SQLColumnExpression[float], wrap: int
) -> ColumnElement[float]:
    """`Equirectangular.distance_sq` in SQL: subtraction and multiplication only, in the same
    order, so both round alike; the coefficients are the parameters origin_latitude,
    origin_longitude, longitude_scale and wrap."""
    shifted: SQLColumnExpression[float] = longitude
    shift = bindparam("wrap", type_=Float)
    if wrap > 0:
        shifted = case((longitude < 0, longitude + shift), else_=longitude)
    elif wrap < 0:
        shifted = case((longitude >= 0, longitude + shift), else_=longitude)
    dlat = latitude - bindparam("origin_latitude", type_=Float)
    dlon = shifted - bindparam("origin_longitude", type_=Float)
    k = bindparam("longitude_scale", type_=Float)
    return dlat * dlat + dlon * k * dlon * k


def _in_box(crosses_antimeridian: bool) -> ColumnElement[bool]:
    south, north = bindparam("south", type_=Float), bindparam("north", type_=Float)
    west, east = bindparam("west", type_=Float), bindparam("east", type_=Float)
    latitude = Location.latitude.between(south, north)
    if crosses_antimeridian:
        return and_(latitude, or_(Location.longitude >= west, Location.longitude <= east))
    return and_(latitude, Location.longitude.between(west, east))


def _nearest_locations(shape: _Shape) -> Subquery:
    """Each provider's nearest location within the radius (the MIN of d2, and which it is).

    The radius is applied before ranking, so only locations inside it are sorted. PostgreSQL
    takes DISTINCT ON, which its planner estimates well (a hash join with providers follows);
    elsewhere a window function ranks the locations of each provider."""
    d2 = approx_distance_sq_expr(Location.latitude, Location.longitude, shape.wrap)
    columns = (
        Location.provider_id,
        Location.id.label("location_id"),
        Location.latitude,
        Location.longitude,
        d2.label("d2"),
    )
    inside = (_in_box(shape.crosses_antimeridian), d2 <= bindparam("max_d2", type_=Float))
    if shape.dialect == "postgresql":
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


def _filtered(query: AnySelect, shape: _Shape) -> AnySelect:
    if shape.specialty:
        query = query.where(
            exists().where(
                ProviderSpecialty.provider_id == Provider.id,
                ProviderSpecialty.code == bindparam("specialty"),
            )
        )
    if shape.benefit:
        query = query.where(
            exists().where(
                ProviderService.provider_id == Provider.id,
                ProviderService.benefit_id == bindparam("benefit_id"),
                ProviderService.active.is_(True),
            )
        )
    if shape.accepting is not None:
        query = query.where(_has_room() if shape.accepting else not_(_has_room()))
    if shape.language:
        query = query.where(_speaks())
    for index in range(shape.words):
        query = query.where(_mentions(bindparam(f"word_{index}")))
    if shape.network_status:
        query = query.where(Provider.network_status == bindparam("network_status"))
    return query


def _has_room() -> ColumnElement[bool]:
    """Accepting referrals means the flag is on and the provider is below its capacity."""
    return and_(
        Provider.accepting_referrals.is_(True),
        or_(Provider.capacity.is_(None), Provider.current_load < Provider.capacity),
    )


def _speaks() -> ColumnElement[bool]:
    """'es' matches a provider speaking 'es', 'ES' or 'es-MX'."""
    tag = func.lower(ProviderLanguage.language)
    return exists().where(
        ProviderLanguage.provider_id == Provider.id,
        or_(tag == bindparam("language"), tag.like(bindparam("language_prefix"), escape="/")),
    )


def _mentions(pattern: BindParameter[str]) -> ColumnElement[bool]:
    """The word is in the provider's name, one of its specialties, or a benefit it offers
    (so "grief counselling" finds every provider that offers grief counselling)."""
    return or_(
        func.lower(Provider.name).like(pattern, escape="/"),
        exists().where(
            ProviderSpecialty.provider_id == Provider.id,
            func.lower(ProviderSpecialty.display).like(pattern, escape="/"),
        ),
        exists().where(
            ProviderService.provider_id == Provider.id,
            ProviderService.active.is_(True),
            Benefit.id == ProviderService.benefit_id,
            func.lower(Benefit.name).like(pattern, escape="/"),
        ),
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
