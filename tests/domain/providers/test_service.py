"""The provider directory on a real database: who manages providers, and search."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from db.uow import Database
from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.identifiers import npi_check_digit
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.pagination import PageRequest
from domain.providers import service as providers
from domain.providers.models import Location, NetworkStatus, Provider, ProviderKind
from domain.providers.rules import (
    GeoPoint,
    LocationData,
    ProviderData,
    SearchCriteria,
    ServiceOfferData,
    SpecialtyData,
)
from domain.providers.search import ProviderHit, search_providers
from tests.recording_bus import RecordingBus

PHILADELPHIA = GeoPoint(39.9526, -75.1652, radius_km=40.0)
COUNSELOR = SpecialtyData("101YM0800X", "Mental Health Counselor")
SOCIAL_WORKER = SpecialtyData("1041C0700X", "Clinical Social Worker")


@pytest.fixture
def bus() -> RecordingBus:
    return RecordingBus()


@pytest.fixture
def database(engine, clock, bus) -> Database:
    """As in conftest, but committed events are kept for the test to read."""
    return Database(engine, clock=clock, bus=bus)


@dataclass
class Directory:
    """An agency with network staff and a caseworker, two provider organisations, a benefit."""

    agency: uuid.UUID
    clinic_org: uuid.UUID
    other_org: uuid.UUID
    network: Principal
    caseworker: Principal
    clinic_staff: Principal
    other_staff: Principal
    counseling: uuid.UUID
    meals: uuid.UUID


@pytest.fixture
async def directory(orgs, uow_factory) -> Directory:
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    clinic_org = await orgs.organization("Cosville Counseling Group", OrganizationKind.PROVIDER)
    other_org = await orgs.organization("Elsewhere Health", OrganizationKind.PROVIDER)
    network = await orgs.user(agency, Role.NETWORK_STAFF)
    benefits = []
    for code, name in (("GRIEF", "Grief counseling"), ("MEALS", "Home-delivered meals")):
        async with uow_factory() as uow:
            benefit = await catalog.create_benefit(
                uow=uow,
                actor=network,
                data=BenefitData(
                    code, name, "Counseling", BenefitCategory.SERVICES, UnitOfMeasure.SESSION
                ),
            )
            benefits.append(benefit.id)
    return Directory(
        agency=agency,
        clinic_org=clinic_org,
        other_org=other_org,
        network=network,
        caseworker=await orgs.user(agency, Role.CASEWORKER),
        clinic_staff=await orgs.user(clinic_org, Role.PROVIDER_STAFF),
        other_staff=await orgs.user(other_org, Role.PROVIDER_STAFF),
        counseling=benefits[0],
        meals=benefits[1],
    )


def npi(base: str) -> str:
    return base + str(npi_check_digit(base))


def at(latitude: float, longitude: float, name: str | None = None) -> LocationData:
    return LocationData(latitude, longitude, name=name)


def north_of(point: GeoPoint, km: float) -> LocationData:
    return at(point.latitude + km / 111.195, point.longitude)


async def add(uow_factory, actor: Principal, data: ProviderData) -> Provider:
    async with uow_factory() as uow:
        return await providers.create_provider(uow=uow, actor=actor, data=data)


async def search(
    uow_factory, actor: Principal, criteria: SearchCriteria, first: int = 50, after=None
) -> list[ProviderHit]:
    async with uow_factory() as uow:
        page = await search_providers(
            uow=uow, actor=actor, criteria=criteria, page=PageRequest(first=first, after=after)
        )
    return page.items


async def count_providers(uow_factory) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count()).select_from(Provider))


def clinic(d: Directory, name: str = "Cosville Counseling", **extra) -> ProviderData:
    return ProviderData(
        organization_id=d.clinic_org, kind=ProviderKind.ORGANIZATION, name=name, **extra
    )


async def test_network_staff_add_a_provider_with_everything_it_offers(directory, uow_factory, bus):
    d = directory
    data = clinic(
        d,
        npi="1234567893",
        capacity=12,
        network_status=NetworkStatus.IN_NETWORK,
        locations=(at(39.95, -75.16, "Main office"), at(40.05, -75.10, "North office")),
        specialties=(replace(COUNSELOR, is_primary=True), SOCIAL_WORKER),
        services=(ServiceOfferData(d.counseling, Decimal("85.00")),),
        languages=("en", "es-MX"),
    )
    provider = await add(uow_factory, d.network, data)

    async with uow_factory() as uow:
        found = await providers.get_providers(uow=uow, ids=[provider.id])
        locations = await providers.locations_by_provider_ids(uow=uow, provider_ids=[provider.id])
        specialties = await providers.specialties_by_provider_ids(
            uow=uow, provider_ids=[provider.id]
        )
        services = await providers.services_by_provider_ids(uow=uow, provider_ids=[provider.id])
        languages = await providers.languages_by_provider_ids(uow=uow, provider_ids=[provider.id])
    stored = found[provider.id]
    assert (stored.npi, stored.capacity, stored.current_load) == ("1234567893", 12, 0)
    assert stored.network_status is NetworkStatus.IN_NETWORK
    assert [loc.name for loc in locations[provider.id]] == ["Main office", "North office"]
    assert [(s.code, s.is_primary) for s in specialties[provider.id]] == [
        ("101YM0800X", True),
        ("1041C0700X", False),
    ]
    assert [(s.benefit_id, s.rate) for s in services[provider.id]] == [
        (d.counseling, Decimal("85.00"))
    ]
    assert languages[provider.id] == ["en", "es-MX"]
    [created] = [e for e in bus.events if e.entity == "Provider"]
    assert (created.name, created.entity_id) == ("provider.created", provider.id)
    assert set(created.organization_ids) == {d.clinic_org, d.agency}


async def test_batch_readers_answer_every_key_even_without_rows(directory, uow_factory):
    provider = await add(uow_factory, directory.network, clinic(directory))
    unknown = uuid.uuid4()
    keys = [provider.id, unknown]
    async with uow_factory() as uow:
        assert list(await providers.get_providers(uow=uow, ids=keys)) == [provider.id]
        for reader in (
            providers.locations_by_provider_ids,
            providers.specialties_by_provider_ids,
            providers.services_by_provider_ids,
            providers.languages_by_provider_ids,
        ):
            assert await reader(uow=uow, provider_ids=keys) == {provider.id: [], unknown: []}


async def test_provider_staff_add_providers_for_their_own_organization_only(directory, uow_factory):
    d = directory
    own = await add(uow_factory, d.clinic_staff, clinic(d, "Dr. Ana Ruiz"))
    assert own.organization_id == d.clinic_org
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, d.other_staff, clinic(d, "Not Yours"))
    assert (caught.value.code, caught.value.field) == (ErrorCode.FORBIDDEN, "organizationId")
    assert await count_providers(uow_factory) == 1


async def test_caseworkers_do_not_manage_providers(directory, uow_factory):
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, directory.caseworker, clinic(directory))
    assert caught.value.code is ErrorCode.FORBIDDEN


async def test_a_provider_belongs_to_a_provider_organization(directory, uow_factory):
    data = replace(clinic(directory), organization_id=directory.agency)
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, directory.network, data)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "organizationId")


async def test_provider_staff_cannot_put_themselves_in_network(directory, uow_factory):
    data = clinic(directory, network_status=NetworkStatus.IN_NETWORK)
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, directory.clinic_staff, data)
    assert (caught.value.code, caught.value.field) == (ErrorCode.FORBIDDEN, "networkStatus")


async def test_update_replaces_details_and_every_child_collection(directory, uow_factory, bus):
    d = directory
    provider = await add(
        uow_factory,
        d.clinic_staff,
        clinic(
            d,
            locations=(at(39.95, -75.16, "Old office"),),
            specialties=(COUNSELOR,),
            services=(ServiceOfferData(d.counseling),),
            languages=("en",),
        ),
    )
    changed = clinic(
        d,
        "Cosville Counseling & Family",
        accepting_referrals=False,
        locations=(at(40.0, -75.2, "New office"),),
        specialties=(COUNSELOR, SOCIAL_WORKER),
        services=(ServiceOfferData(d.meals, Decimal("12.50")),),
        languages=("es",),
    )
    async with uow_factory() as uow:
        updated = await providers.update_provider(
            uow=uow, actor=d.clinic_staff, provider_id=provider.id, data=changed
        )
    assert (updated.name, updated.accepting_referrals) == ("Cosville Counseling & Family", False)
    keys = [provider.id]
    async with uow_factory() as uow:
        locations = await providers.locations_by_provider_ids(uow=uow, provider_ids=keys)
        specialties = await providers.specialties_by_provider_ids(uow=uow, provider_ids=keys)
        services = await providers.services_by_provider_ids(uow=uow, provider_ids=keys)
        languages = await providers.languages_by_provider_ids(uow=uow, provider_ids=keys)
    assert [loc.name for loc in locations[provider.id]] == ["New office"]
    assert sorted(s.code for s in specialties[provider.id]) == ["101YM0800X", "1041C0700X"]
    assert [s.benefit_id for s in services[provider.id]] == [d.meals]
    assert languages[provider.id] == ["es"]
    assert [e.name for e in bus.events if e.entity == "Provider"] == [
        "provider.created",
        "provider.updated",
    ]


async def test_provider_staff_of_another_organization_cannot_update_a_provider(
    directory, uow_factory
):
    d = directory
    provider = await add(uow_factory, d.clinic_staff, clinic(d))
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await providers.update_provider(
                uow=uow,
                actor=d.other_staff,
                provider_id=provider.id,
                data=clinic(d, "Hijacked"),
            )
    assert (caught.value.code, caught.value.field) == (ErrorCode.FORBIDDEN, None)
    async with uow_factory() as uow:
        assert (await providers.get_providers(uow=uow, ids=[provider.id]))[
            provider.id
        ].name == "Cosville Counseling"


async def test_network_staff_update_any_provider_and_set_its_network_status(directory, uow_factory):
    d = directory
    provider = await add(uow_factory, d.clinic_staff, clinic(d))
    assert provider.network_status is NetworkStatus.PENDING
    async with uow_factory() as uow:
        updated = await providers.update_provider(
            uow=uow,
            actor=d.network,
            provider_id=provider.id,
            data=clinic(d, network_status=NetworkStatus.IN_NETWORK),
        )
    assert updated.network_status is NetworkStatus.IN_NETWORK


async def test_updating_an_unknown_provider_is_not_found(directory, uow_factory):
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await providers.update_provider(
                uow=uow, actor=directory.network, provider_id=uuid.uuid4(), data=clinic(directory)
            )
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "id")


async def test_a_second_provider_with_the_same_npi_is_refused(directory, uow_factory):
    d = directory
    first = await add(uow_factory, d.network, clinic(d, "First", npi="1234567893"))
    second = await add(uow_factory, d.network, clinic(d, "Second", npi=npi("987654321")))
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, d.network, clinic(d, "Third", npi="1234567893"))
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "npi")
    with pytest.raises(DomainError) as caught:
        async with uow_factory() as uow:
            await providers.update_provider(
                uow=uow,
                actor=d.network,
                provider_id=second.id,
                data=clinic(d, "Second", npi="1234567893"),
            )
    assert (caught.value.code, caught.value.field) == (ErrorCode.DUPLICATE, "npi")
    async with uow_factory() as uow:
        kept = await providers.update_provider(
            uow=uow, actor=d.network, provider_id=first.id, data=clinic(d, "1st", npi="1234567893")
        )
    assert kept.name == "1st"


async def test_an_unknown_benefit_is_reported_at_its_place_in_the_list(directory, uow_factory):
    d = directory
    data = clinic(d, services=(ServiceOfferData(d.counseling), ServiceOfferData(uuid.uuid4())))
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, d.network, data)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "services.1.benefitId")
    assert await count_providers(uow_factory) == 0


async def test_a_practitioner_belongs_to_an_organization_of_the_same_owner(directory, uow_factory):
    d = directory
    group = await add(uow_factory, d.network, clinic(d, "Group"))
    practitioner = ProviderData(
        organization_id=d.clinic_org,
        kind=ProviderKind.PRACTITIONER,
        name="Dr. Ana Ruiz",
        parent_provider_id=group.id,
    )
    ana = await add(uow_factory, d.network, practitioner)
    assert ana.parent_provider_id == group.id
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, d.network, replace(practitioner, parent_provider_id=ana.id))
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "parentProviderId")
    elsewhere = replace(practitioner, organization_id=d.other_org)
    with pytest.raises(DomainError) as caught:
        await add(uow_factory, d.network, elsewhere)
    assert (caught.value.code, caught.value.field) == (ErrorCode.NOT_FOUND, "parentProviderId")


async def test_invalid_provider_reports_every_problem_and_writes_nothing(directory, uow_factory):
    bad = clinic(
        directory,
        " ",
        npi="1234567890",
        locations=(at(95.0, 0.0),),
        specialties=(SpecialtyData("GRIEF", "Grief"),),
    )
    with pytest.raises(ValidationErrors) as caught:
        await add(uow_factory, directory.network, bad)
    assert {(e.code, e.field) for e in caught.value.errors} == {
        (ErrorCode.REQUIRED, "name"),
        (ErrorCode.INVALID_NPI, "npi"),
        (ErrorCode.INVALID_COORDINATES, "locations.0"),
        (ErrorCode.INVALID, "specialties.0.code"),
    }
    assert await count_providers(uow_factory) == 0
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Location)) == 0
