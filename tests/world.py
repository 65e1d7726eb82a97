"""A small Cosville for workflow tests: an agency with a caseworker and a supervisor, three
provider organisations offering grief counselling near Steve Marshall, and Steve himself.
Built through the domain services, so it is valid and audited like anything a user enters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, Frequency, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.identifiers import npi_check_digit
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.people import service as people
from domain.people.rules import Address, PersonData
from domain.providers import service as providers
from domain.providers.models import NetworkStatus, ProviderKind
from domain.providers.rules import LocationData, ProviderData, ServiceOfferData, SpecialtyData

STEVE_HOME = (39.9526, -75.1652)
COUNSELOR = SpecialtyData("101YM0800X", "Mental Health Counselor", True)


def npi(base: str) -> str:
    return base + str(npi_check_digit(base))


@dataclass
class World:
    agency: uuid.UUID
    caseworker: Principal
    supervisor: Principal
    admin: Principal
    grief: uuid.UUID  # the agency's grief counselling benefit
    steve: uuid.UUID
    provider_orgs: list[uuid.UUID] = field(default_factory=list)
    providers: list[uuid.UUID] = field(default_factory=list)
    staff: list[Principal] = field(default_factory=list)
    provider_admins: list[Principal] = field(default_factory=list)


PROVIDERS = (
    ("Cosville Grief Care Center", "167957672", (39.9560, -75.1700), "80.00", 25),
    ("Harbor Family Services", "124531959", (39.9400, -75.1500), "90.00", 25),
    ("Riverside Counseling Collective", "150886914", (39.9200, -75.2100), "75.00", 1),
)


async def build_world(orgs, uow_factory) -> World:
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    caseworker = await orgs.user(agency, Role.CASEWORKER)
    supervisor = await orgs.user(agency, Role.CASE_SUPERVISOR)
    admin = await orgs.user(agency, Role.ADMIN)
    network = await orgs.user(agency, Role.NETWORK_STAFF)
    async with uow_factory() as uow:
        grief = await catalog.create_benefit(
            uow=uow,
            actor=supervisor,
            data=BenefitData(
                "GRIEF-COUNSEL",
                "Grief counselling",
                "Counselling",
                BenefitCategory.SERVICES,
                UnitOfMeasure.SESSION,
                None,
                Decimal(12),
                Frequency.PER_AUTHORIZATION,
                Decimal("85.00"),
            ),
        )
    async with uow_factory() as uow:
        steve = await people.create_person(
            uow=uow,
            actor=caseworker,
            data=PersonData(
                given_name="Steve",
                family_name="Marshall",
                birth_date=date(1968, 3, 14),
                address=Address(city="Cosville", latitude=STEVE_HOME[0], longitude=STEVE_HOME[1]),
            ),
        )
    world = World(agency, caseworker, supervisor, admin, grief.id, steve.id)
    for name, npi_base, (lat, lon), rate, capacity in PROVIDERS:
        org = await orgs.organization(name, OrganizationKind.PROVIDER)
        world.provider_orgs.append(org)
        world.staff.append(await orgs.user(org, Role.PROVIDER_STAFF))
        world.provider_admins.append(await orgs.user(org, Role.ADMIN))
        async with uow_factory() as uow:
            provider = await providers.create_provider(
                uow=uow,
                actor=network,
                data=ProviderData(
                    organization_id=org,
                    kind=ProviderKind.ORGANIZATION,
                    name=name,
                    npi=npi(npi_base),
                    capacity=capacity,
                    network_status=NetworkStatus.IN_NETWORK,
                    locations=(LocationData(latitude=lat, longitude=lon, city="Cosville"),),
                    specialties=(COUNSELOR,),
                    services=(ServiceOfferData(grief.id, Decimal(rate)),),
                    languages=("en",),
                ),
            )
        world.providers.append(provider.id)
    return world
