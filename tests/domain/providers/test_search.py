"""Provider search on a real database: ranking by distance, filters, keyset pages."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.errors import DomainError, ErrorCode
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.pagination import Page, PageRequest, decode_cursor
from domain.providers import service as providers
from domain.providers.models import NetworkStatus, ProviderKind
from domain.providers.rules import (
    KM_PER_DEGREE,
    GeoPoint,
    LocationData,
    ProviderData,
    SearchCriteria,
    ServiceOfferData,
    SpecialtyData,
    equirectangular,
    haversine_km,
)
from domain.providers.search import ProviderHit, search_providers

PHILADELPHIA = GeoPoint(39.9526, -75.1652, radius_km=40.0)
COUNSELOR = SpecialtyData("101YM0800X", "Mental Health Counselor")
SOCIAL_WORKER = SpecialtyData("1041C0700X", "Clinical Social Worker")


@dataclass
class Network:
    organization: uuid.UUID
    staff: Principal
    caseworker: Principal
    provider_staff: Principal
    counseling: uuid.UUID
    meals: uuid.UUID


@pytest.fixture
async def network(orgs, uow_factory) -> Network:
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    organization = await orgs.organization("Cosville Care Network", OrganizationKind.PROVIDER)
    staff = await orgs.user(agency, Role.NETWORK_STAFF)
    benefits = []
    for code in ("GRIEF", "MEALS"):
        async with uow_factory() as uow:
            benefit = await catalog.create_benefit(
                uow=uow,
                actor=staff,
                data=BenefitData(
                    code, code.title(), "Support", BenefitCategory.SERVICES, UnitOfMeasure.SESSION
                ),
            )
            benefits.append(benefit.id)
    return Network(
        organization=organization,
        staff=staff,
        caseworker=await orgs.user(agency, Role.CASEWORKER),
        provider_staff=await orgs.user(organization, Role.PROVIDER_STAFF),
        counseling=benefits[0],
        meals=benefits[1],
    )


def offset(point: GeoPoint, north_km: float = 0.0, east_km: float = 0.0) -> LocationData:
    """A location `north_km` north and `east_km` east of `point` (small distances)."""
    east_degrees = east_km / (KM_PER_DEGREE * math.cos(math.radians(point.latitude)))
    return LocationData(
        point.latitude + north_km / KM_PER_DEGREE, point.longitude + east_degrees, name="Office"
    )


async def add(uow_factory, network: Network, name: str, *locations: LocationData, **extra):
    data = ProviderData(
        organization_id=network.organization,
        kind=ProviderKind.ORGANIZATION,
        name=name,
        locations=locations,
        **extra,
    )
    async with uow_factory() as uow:
        return await providers.create_provider(uow=uow, actor=network.staff, data=data)


async def search_page(
    uow_factory,
    actor: Principal,
    criteria: SearchCriteria,
    first: int = 50,
    after: str | None = None,
    with_total: bool = False,
) -> Page[ProviderHit]:
    async with uow_factory() as uow:
        return await search_providers(
            uow=uow,
            actor=actor,
            criteria=criteria,
            page=PageRequest(first=first, after=after),
            with_total=with_total,
        )


async def names(uow_factory, actor: Principal, criteria: SearchCriteria) -> list[str]:
    return [hit.name for hit in (await search_page(uow_factory, actor, criteria)).items]


@contextmanager
def statements(engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)


async def test_search_ranks_providers_by_distance_from_the_point(network, uow_factory):
    await add(uow_factory, network, "Thirty North", offset(PHILADELPHIA, north_km=30))
    await add(uow_factory, network, "Two North", offset(PHILADELPHIA, north_km=2))
    await add(uow_factory, network, "Eleven East", offset(PHILADELPHIA, east_km=11))
    await add(uow_factory, network, "Twenty South West", offset(PHILADELPHIA, -14, -14))

    hits = (
        await search_page(uow_factory, network.caseworker, SearchCriteria(near=PHILADELPHIA))
    ).items

    assert [h.name for h in hits] == [
        "Two North",
        "Eleven East",
        "Twenty South West",
        "Thirty North",
    ]
    assert [round(h.distance_km or 0, 1) for h in hits] == [2.0, 11.0, 19.8, 30.0]


async def test_search_leaves_out_providers_beyond_the_radius(network, uow_factory):
    await add(uow_factory, network, "Inside", offset(PHILADELPHIA, east_km=38))
    await add(uow_factory, network, "Just Outside", offset(PHILADELPHIA, east_km=42))
    await add(uow_factory, network, "Far North", offset(PHILADELPHIA, north_km=80))
    await add(uow_factory, network, "Nowhere")

    found = await names(uow_factory, network.caseworker, SearchCriteria(near=PHILADELPHIA))

    assert found == ["Inside"]


async def test_a_provider_with_several_locations_is_ranked_by_its_nearest(network, uow_factory):
    far = LocationData(PHILADELPHIA.latitude + 0.3, PHILADELPHIA.longitude, name="Far office")
    near = LocationData(PHILADELPHIA.latitude + 0.05, PHILADELPHIA.longitude, name="Near office")
    both = await add(uow_factory, network, "Two Offices", far, near)
    await add(uow_factory, network, "One Office", offset(PHILADELPHIA, north_km=10))

    hits = (
        await search_page(uow_factory, network.caseworker, SearchCriteria(near=PHILADELPHIA))
    ).items

    assert [h.name for h in hits] == ["Two Offices", "One Office"]
    async with uow_factory() as uow:
        locations = await providers.locations_by_provider_ids(uow=uow, provider_ids=[both.id])
    near_office = next(loc for loc in locations[both.id] if loc.name == "Near office")
    assert hits[0].nearest_location_id == near_office.id
    assert hits[0].distance_km == pytest.approx(haversine_km(PHILADELPHIA, near_office), abs=1e-9)


async def test_without_a_point_providers_come_in_name_order_without_distance(network, uow_factory):
    for name in ("Maple House", "Ash Clinic", "Willow Center"):
        await add(uow_factory, network, name, offset(PHILADELPHIA, north_km=1))

    hits = (await search_page(uow_factory, network.caseworker, SearchCriteria())).items

    assert [h.name for h in hits] == ["Ash Clinic", "Maple House", "Willow Center"]
    assert {(h.distance_km, h.nearest_location_id) for h in hits} == {(None, None)}


async def test_search_across_the_antimeridian_finds_the_nearby_side(network, uow_factory):
    suva = GeoPoint(-17.7, 179.9, radius_km=60.0)
    await add(uow_factory, network, "West of the line", LocationData(-17.7, 179.45))
    await add(uow_factory, network, "East of the line", LocationData(-17.7, -179.9))
    await add(uow_factory, network, "Half a world away", LocationData(-17.7, -0.1))

    hits = (await search_page(uow_factory, network.caseworker, SearchCriteria(near=suva))).items

    assert [h.name for h in hits] == ["East of the line", "West of the line"]
    assert hits[0].distance_km == pytest.approx(21.2, abs=0.1)


@pytest.fixture
async def varied(network, uow_factory) -> Network:
    """Four providers that differ in every criterion search filters on."""
    n = network
    await add(
        uow_factory,
        n,
        "Alder Counseling",
        specialties=(COUNSELOR,),
        services=(ServiceOfferData(n.counseling),),
        languages=("en", "es-MX"),
        network_status=NetworkStatus.IN_NETWORK,
    )
    await add(
        uow_factory,
        n,
        "Birch Family Services",
        specialties=(SOCIAL_WORKER,),
        services=(ServiceOfferData(n.counseling, active=False),),
        languages=("en",),
        accepting_referrals=False,
        network_status=NetworkStatus.OUT_OF_NETWORK,
    )
    await add(
        uow_factory,
        n,
        "Cedar Grief Center_",
        specialties=(COUNSELOR,),
        services=(ServiceOfferData(n.meals),),
        languages=("ES",),
        capacity=5,
    )
    await add(
        uow_factory,
        n,
        "Dogwood 100% Practice",
        languages=("fr",),
        capacity=0,
        network_status=NetworkStatus.IN_NETWORK,
    )
    return n


ALDER, BIRCH, CEDAR, DOGWOOD = (
    "Alder Counseling",
    "Birch Family Services",
    "Cedar Grief Center_",
    "Dogwood 100% Practice",
)


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (SearchCriteria(specialty="101YM0800X"), [ALDER, CEDAR]),
        (SearchCriteria(specialty="207Q00000X"), []),
        (SearchCriteria(network_status=NetworkStatus.IN_NETWORK), [ALDER, DOGWOOD]),
        (SearchCriteria(accepting_referrals=True), [ALDER, CEDAR]),
        (SearchCriteria(accepting_referrals=False), [BIRCH, DOGWOOD]),
        (SearchCriteria(language="es"), [ALDER, CEDAR]),
        (SearchCriteria(language="es-MX"), [ALDER, CEDAR]),
        (SearchCriteria(language="FR"), [DOGWOOD]),
        (SearchCriteria(text="counsel"), [ALDER, CEDAR]),
        (SearchCriteria(text="Social WORKER"), [BIRCH]),
        (SearchCriteria(text="grief center"), [CEDAR]),
        (SearchCriteria(text="birch grief"), []),
        (SearchCriteria(text="100%"), [DOGWOOD]),
        (SearchCriteria(text="r_"), [CEDAR]),
        (
            SearchCriteria(specialty="101YM0800X", language="es", accepting_referrals=True),
            [
                ALDER,
                CEDAR,
            ],
        ),
        (SearchCriteria(specialty="101YM0800X", network_status=NetworkStatus.PENDING), [CEDAR]),
    ],
)
async def test_search_keeps_only_providers_meeting_every_criterion(
    varied, uow_factory, criteria, expected
):
    assert await names(uow_factory, varied.caseworker, criteria) == expected


async def test_search_by_benefit_finds_active_offers_only(varied, uow_factory):
    by_counseling = SearchCriteria(benefit_id=varied.counseling)
    by_meals = SearchCriteria(benefit_id=varied.meals)
    assert await names(uow_factory, varied.caseworker, by_counseling) == [ALDER]
    assert await names(uow_factory, varied.caseworker, by_meals) == [CEDAR]


async def test_any_signed_in_principal_may_search_the_directory(varied, uow_factory):
    for actor in (varied.caseworker, varied.provider_staff, varied.staff):
        assert len(await names(uow_factory, actor, SearchCriteria())) == 4


@pytest.fixture
async def crowded(network, uow_factory) -> Network:
    """Seven providers with ties in distance and in name, so the id breaks them."""
    same_place = offset(PHILADELPHIA, north_km=5)
    for index, name in enumerate(["Oak", "Oak", "Elm", "Oak", "Fir", "Elm", "Yew"]):
        location = same_place if index % 2 else offset(PHILADELPHIA, east_km=index * 3 + 1)
        await add(uow_factory, network, name, location)
    return network


@pytest.mark.parametrize("near", [PHILADELPHIA, None], ids=["by-distance", "by-name"])
async def test_paging_with_cursors_yields_every_hit_once_in_order(crowded, uow_factory, near):
    criteria = SearchCriteria(near=near)
    everything = (await search_page(uow_factory, crowded.caseworker, criteria)).items
    seen: list[ProviderHit] = []
    after = None
    while True:
        page = await search_page(
            uow_factory, crowded.caseworker, criteria, first=2, after=after, with_total=True
        )
        assert page.total_count == 7
        assert page.has_previous_page == (after is not None)
        seen += page.items
        if not page.has_next_page:
            break
        after = page.cursors[-1]
    assert [h.id for h in seen] == [h.id for h in everything]
    assert len({h.id for h in seen}) == 7
    if near is None:
        assert [h.name for h in seen] == sorted(h.name for h in seen)
    else:
        distances = [h.distance_km or 0.0 for h in seen]
        assert distances == sorted(distances)


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WzEsMl0", ""])
async def test_a_cursor_that_is_not_ours_is_refused(network, uow_factory, cursor):
    with pytest.raises(DomainError) as caught:
        await search_page(uow_factory, network.caseworker, SearchCriteria(), after=cursor)
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "after")


async def test_a_cursor_from_a_search_in_another_order_is_refused(crowded, uow_factory):
    by_name = await search_page(uow_factory, crowded.caseworker, SearchCriteria(), first=1)
    with pytest.raises(DomainError) as caught:
        await search_page(
            uow_factory,
            crowded.caseworker,
            SearchCriteria(near=PHILADELPHIA),
            after=by_name.cursors[-1],
        )
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "after")


async def test_each_page_is_one_sql_statement_and_the_total_one_more(crowded, uow_factory, engine):
    criteria = SearchCriteria(
        near=PHILADELPHIA, specialty="101YM0800X", language="es", text="oak", benefit_id=None
    )
    async with uow_factory() as uow:
        with statements(engine) as seen:
            await search_providers(
                uow=uow, actor=crowded.caseworker, criteria=criteria, page=PageRequest(first=2)
            )
        assert len(seen) == 1
        with statements(engine) as seen:
            await search_providers(
                uow=uow,
                actor=crowded.caseworker,
                criteria=criteria,
                page=PageRequest(first=2),
                with_total=True,
            )
        assert len(seen) == 2


async def test_the_database_ranks_by_the_same_distance_python_computes(network, uow_factory):
    location = offset(PHILADELPHIA, north_km=7.3, east_km=-3.1)
    await add(uow_factory, network, "Somewhere", location)

    page = await search_page(uow_factory, network.caseworker, SearchCriteria(near=PHILADELPHIA))

    _order, d2, _id = decode_cursor(page.cursors[0], (str, float, uuid.UUID))
    assert d2 == equirectangular(PHILADELPHIA).distance_sq(location.latitude, location.longitude)
