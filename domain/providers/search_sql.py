"""The SQL of the provider search, built once per shape of search (which criteria, which
dialect, whether a cursor) with every value a bound parameter: building and hashing a
statement this size costs more than running it.

No PostGIS and no SQL trigonometry: locations are prefiltered with an indexable bounding box
and ranked by an equirectangular distance in plain arithmetic (the coefficients computed in
Python and bound as parameters)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Float,
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
from domain.models import keyset_after
from domain.providers.models import (
    Location,
    Provider,
    ProviderLanguage,
    ProviderService,
    ProviderSpecialty,
)
from domain.providers.service import related_as_json

AnySelect = Select[*tuple[Any, ...]]


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
class Shape:
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


def escape_like(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


@lru_cache(maxsize=512)
def filtered_statement(shape: Shape) -> tuple[AnySelect, Subquery | None]:
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
def page_statement(shape: Shape, limit: int) -> AnySelect:
    query, nearest = filtered_statement(shape)
    query = query.limit(limit).add_columns(
        *(related_as_json(name).label(f"{name}_json") for name in shape.embedded)
    )
    if nearest is not None:
        if shape.after:
            d2 = bindparam("after_d2", type_=Float)
            last_id = bindparam("after_id", type_=Uuid)
            query = query.where(keyset_after((nearest.c.d2, Provider.id), (d2, last_id)))
        return query.order_by(nearest.c.d2, Provider.id)
    if shape.after:
        name = bindparam("after_name", type_=String)
        last_id = bindparam("after_id", type_=Uuid)
        query = query.where(keyset_after((Provider.name, Provider.id), (name, last_id)))
    return query.order_by(Provider.name, Provider.id)


@lru_cache(maxsize=512)
def count_statement(shape: Shape) -> AnySelect:
    query, _nearest = filtered_statement(shape)
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


def _nearest_locations(shape: Shape) -> Subquery:
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


def _filtered(query: AnySelect, shape: Shape) -> AnySelect:
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
