"""The demo story of the seed documents: the City of Cosville, caseworker Connor, constituent
Steve Marshall, grief counselling and other providers across the city, a payer and coverage.

Deterministic: the same content every time, loaded through the domain services (so it is
validated and audited like anything a user enters). Loads once; a second run changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from db.seed.demo_delivery import SESSIONS, DeliveryStory, load_delivery_story
from db.seed.demo_network import load_network_story
from db.seed.demo_priorauth import load_prior_authorization_story
from db.seed.demo_referrals import GRIEF_CARE, STORY_STAFF, ReferralStory, load_referral_story
from domain.catalog import service as catalog
from domain.catalog.models import BenefitCategory, Frequency, UnitOfMeasure
from domain.catalog.rules import BenefitData
from domain.identity import service as identity
from domain.identity.models import Organization, OrganizationKind, Role
from domain.identity.rules import Principal
from domain.people import service as people
from domain.people.models import IdentifierSystem, Sex
from domain.people.rules import Address, Identifier, PersonData
from domain.providers import service as providers
from domain.providers.models import NetworkStatus, ProviderKind
from domain.providers.rules import (
    LocationData,
    OpeningHours,
    ProviderData,
    ServiceOfferData,
    SpecialtyData,
)
from domain.uow import UnitOfWork

AGENCY = "City of Cosville"
PAYER = "Cosville Health Plan"
CLEARINGHOUSE = "Bridgeway Clearinghouse"

# Cosville sits where a real city would; every address and person here is invented.
STEVE_HOME = (39.9526, -75.1652)
# The constituent of the delivery story (synthetic, like everyone here).
DANA = PersonData(
    given_name="Dana",
    family_name="Okafor",
    birth_date=date(1979, 9, 2),
    sex=Sex.FEMALE,
    preferred_language="en",
    phone="+1-215-555-0142",
    address=Address(
        line1="220 Locust St",
        city="Cosville",
        state="PA",
        postal_code="19106",
        country="US",
        latitude=39.9470,
        longitude=-75.1480,
    ),
    identifiers=(Identifier(IdentifierSystem.CONSTITUENT_NUMBER, "COS-000124"),),
)


@dataclass(frozen=True)
class DemoUser:
    """A demo account; for a machine partner, `email` holds its client id."""

    email: str
    display_name: str
    organization: str
    roles: tuple[Role, ...]


DEMO_USERS = (
    DemoUser("connor@cosville.example", "Connor Caseworker", AGENCY, (Role.CASEWORKER,)),
    DemoUser("sam@cosville.example", "Sam Supervisor", AGENCY, (Role.CASE_SUPERVISOR,)),
    DemoUser("nina@cosville.example", "Nina Network", AGENCY, (Role.NETWORK_STAFF,)),
    DemoUser("ada@cosville.example", "Ada Admin", AGENCY, (Role.ADMIN,)),
    DemoUser(
        "grace@griefcare.example",
        "Grace Provider",
        "Cosville Grief Care Center",
        (Role.PROVIDER_STAFF,),
    ),
    DemoUser(
        "hal@harborfamily.example", "Hal Provider", "Harbor Family Services", (Role.PROVIDER_STAFF,)
    ),
    DemoUser(
        "rita@riverside.example",
        "Rita Provider",
        "Riverside Counseling Collective",
        (Role.PROVIDER_STAFF,),
    ),
    DemoUser(
        "olive@northside.example",
        "Olive Coordinator",
        "Northside Wellness Clinic",
        (Role.AUTH_COORDINATOR,),
    ),
    DemoUser("pat@cosvillehealth.example", "Pat Payer", PAYER, (Role.NETWORK_STAFF,)),
)

# The EHR of Northside Wellness Clinic, a machine partner (PAS over /fhir in later issues).
DEMO_PARTNER = DemoUser(
    "northside-ehr", "Northside EHR (API client)", "Northside Wellness Clinic", (Role.PARTNER,)
)
DEMO_PARTNER_SECRET = "northside-ehr-demo-secret"
# The clearinghouse that sends us 278s on /soap/core (WS-Security UsernameToken).
DEMO_SOAP_PARTNER = DemoUser(
    "bridgeway-core", "Bridgeway CORE partner (API client)", CLEARINGHOUSE, (Role.PARTNER,)
)
DEMO_SOAP_PARTNER_SECRET = "bridgeway-core-demo-secret"

HOURS = tuple(OpeningHours(day, "09:00", "17:00") for day in ("MON", "TUE", "WED", "THU", "FRI"))

BENEFITS = (
    BenefitData(
        "GRIEF-COUNSEL",
        "Grief counselling",
        "Counselling",
        BenefitCategory.SERVICES,
        UnitOfMeasure.SESSION,
        "Individual or group sessions after a bereavement",
        Decimal(12),
        Frequency.PER_AUTHORIZATION,
        Decimal("85.00"),
    ),
    BenefitData(
        "JOB-COUNSEL",
        "Job counselling",
        "Employment",
        BenefitCategory.SERVICES,
        UnitOfMeasure.SESSION,
        "Career coaching and job search help",
        Decimal(10),
        Frequency.PER_AUTHORIZATION,
        Decimal("60.00"),
    ),
    BenefitData(
        "FAMILY-THERAPY",
        "Family therapy",
        "Counselling",
        BenefitCategory.SERVICES,
        UnitOfMeasure.SESSION,
        None,
        Decimal(16),
        Frequency.PER_AUTHORIZATION,
        Decimal("110.00"),
    ),
    BenefitData(
        "HOUSING-ASSIST",
        "Housing assistance",
        "Housing",
        BenefitCategory.MONETARY,
        UnitOfMeasure.DOLLAR,
        "Rent support paid to the client or a nominee",
        Decimal(1200),
        Frequency.PER_MONTH,
        Decimal("1.00"),
    ),
    BenefitData(
        "SENIOR-MEALS",
        "Senior meal delivery",
        "Nutrition",
        BenefitCategory.GOODS,
        UnitOfMeasure.ITEM,
        None,
        Decimal(14),
        Frequency.PER_WEEK,
        Decimal("9.50"),
    ),
)

GRIEF = SpecialtyData("101YM0800X", "Mental Health Counselor", True)
SOCIAL_WORK = SpecialtyData("1041C0700X", "Clinical Social Worker")
PSYCHOLOGIST = SpecialtyData("103T00000X", "Psychologist")
FAMILY = SpecialtyData("106H00000X", "Marriage & Family Therapist")
CAREER = SpecialtyData("101Y00000X", "Counselor", True)


@dataclass(frozen=True)
class DemoProvider:
    organization: str
    name: str
    npi: str
    latitude: float
    longitude: float
    street: str
    specialties: tuple[SpecialtyData, ...]
    benefits: tuple[tuple[str, str], ...]  # (benefit code, provider rate)
    languages: tuple[str, ...]
    capacity: int | None = 25
    accepting: bool = True


PROVIDERS = (
    DemoProvider(
        "Cosville Grief Care Center",
        "Cosville Grief Care Center",
        "1679576722",
        39.9560,
        -75.1700,
        "210 Walnut St",
        (GRIEF, SOCIAL_WORK),
        (("GRIEF-COUNSEL", "80.00"),),
        ("en", "es"),
    ),
    DemoProvider(
        "Harbor Family Services",
        "Harbor Family Services",
        "1245319599",
        39.9400,
        -75.1500,
        "45 Harbor Rd",
        (GRIEF, FAMILY),
        (("GRIEF-COUNSEL", "90.00"), ("FAMILY-THERAPY", "105.00")),
        ("en",),
    ),
    DemoProvider(
        "Northside Wellness Clinic",
        "Northside Wellness Clinic",
        "1982736450",
        39.9900,
        -75.1550,
        "900 North Ave",
        (PSYCHOLOGIST, GRIEF),
        (("GRIEF-COUNSEL", "95.00"),),
        ("en", "vi"),
    ),
    DemoProvider(
        "Riverside Counseling Collective",
        "Riverside Counseling Collective",
        "1508869140",
        39.9200,
        -75.2100,
        "12 River Ln",
        (GRIEF,),
        (("GRIEF-COUNSEL", "75.00"),),
        ("en", "fr"),
        capacity=2,
    ),
    DemoProvider(
        "Westgate Career Works",
        "Westgate Career Works",
        "1164525853",
        39.9600,
        -75.2300,
        "300 Westgate Blvd",
        (CAREER,),
        (("JOB-COUNSEL", "55.00"),),
        ("en", "es"),
    ),
    DemoProvider(
        "Eastside Senior Kitchen",
        "Eastside Senior Kitchen",
        "1770589921",
        39.9500,
        -75.1200,
        "77 Market St",
        (SOCIAL_WORK,),
        (("SENIOR-MEALS", "9.00"),),
        ("en", "zh"),
        accepting=False,
    ),
)


async def _organization(uow: UnitOfWork, name: str, kind: OrganizationKind) -> uuid.UUID:
    org = await identity.create_organization(uow=uow, name=name, kind=kind)
    return org.id


async def load_demo(
    uow_factory: Callable[[], UnitOfWork],
    *,
    supervisor_threshold: Decimal = Decimal(5000),
    manual_approval_share: Decimal = Decimal(0),
) -> str:
    """Load the story; does nothing if the agency already exists. `supervisor_threshold` is
    the agency's (CAREBRIDGE_AGENCY_SUPERVISOR_THRESHOLD), for the authorization Connor gives;
    `manual_approval_share` (CAREBRIDGE_MANUAL_APPROVAL_SHARE) applies to recorded attendance."""
    async with uow_factory() as uow:
        if await uow.session.scalar(select(Organization.id).where(Organization.name == AGENCY)):
            return "demo data already loaded"
        orgs = {
            AGENCY: await _organization(uow, AGENCY, OrganizationKind.AGENCY),
            PAYER: await _organization(uow, PAYER, OrganizationKind.PAYER),
            CLEARINGHOUSE: await _organization(uow, CLEARINGHOUSE, OrganizationKind.CLEARINGHOUSE),
        }
        for provider in PROVIDERS:
            orgs[provider.organization] = await _organization(
                uow, provider.organization, OrganizationKind.PROVIDER
            )
        actors: dict[str, Principal] = {}
        for who in DEMO_USERS:
            user = await identity.create_user(
                uow=uow,
                organization_id=orgs[who.organization],
                email=who.email,
                display_name=who.display_name,
                roles=set(who.roles),
            )
            actors[who.email] = await identity.principal_for_user(uow=uow, user_id=user.id)
        await identity.create_api_client(
            uow=uow,
            organization_id=orgs[DEMO_PARTNER.organization],
            name=DEMO_PARTNER.display_name,
            client_id=DEMO_PARTNER.email,
            secret=DEMO_PARTNER_SECRET,
        )
        await identity.create_api_client(
            uow=uow,
            organization_id=orgs[DEMO_SOAP_PARTNER.organization],
            name=DEMO_SOAP_PARTNER.display_name,
            client_id=DEMO_SOAP_PARTNER.email,
            secret=DEMO_SOAP_PARTNER_SECRET,
        )
        await uow.commit()

    supervisor, nina, connor = (
        actors[e]
        for e in ("sam@cosville.example", "nina@cosville.example", "connor@cosville.example")
    )
    benefit_ids: dict[str, uuid.UUID] = {}
    for benefit in BENEFITS:
        async with uow_factory() as uow:
            benefit_ids[benefit.code] = (
                await catalog.create_benefit(uow=uow, actor=supervisor, data=benefit)
            ).id

    provider_ids: dict[str, uuid.UUID] = {}
    for provider in PROVIDERS:
        data = ProviderData(
            organization_id=orgs[provider.organization],
            kind=ProviderKind.ORGANIZATION,
            name=provider.name,
            npi=provider.npi,
            description=f"{provider.name} serves Cosville residents.",
            phone="+1-215-555-0100",
            accepting_referrals=provider.accepting,
            capacity=provider.capacity,
            network_status=NetworkStatus.IN_NETWORK,
            locations=(
                LocationData(
                    latitude=provider.latitude,
                    longitude=provider.longitude,
                    name="Main office",
                    address_line1=provider.street,
                    city="Cosville",
                    state="PA",
                    postal_code="19102",
                    country="US",
                    hours=HOURS,
                ),
            ),
            specialties=provider.specialties,
            services=tuple(
                ServiceOfferData(benefit_ids[code], Decimal(rate))
                for code, rate in provider.benefits
            ),
            languages=provider.languages,
        )
        async with uow_factory() as uow:
            created = await providers.create_provider(uow=uow, actor=nina, data=data)
        provider_ids[provider.name] = created.id

    steve = PersonData(
        given_name="Steve",
        family_name="Marshall",
        birth_date=date(1968, 3, 14),
        sex=Sex.MALE,
        preferred_language="en",
        phone="+1-215-555-0199",
        email="steve.marshall@example.com",
        address=Address(
            line1="1400 Spruce St",
            city="Cosville",
            state="PA",
            postal_code="19102",
            country="US",
            latitude=STEVE_HOME[0],
            longitude=STEVE_HOME[1],
        ),
        identifiers=(Identifier(IdentifierSystem.CONSTITUENT_NUMBER, "COS-000123"),),
    )
    async with uow_factory() as uow:
        person = await people.create_person(uow=uow, actor=connor, data=steve)
    async with uow_factory() as uow:
        await people.add_coverage(
            uow=uow,
            actor=connor,
            person_id=person.id,
            data=people.CoverageData(
                orgs[PAYER],
                "CHP-4471002",
                "Cosville Health Plan Gold",
                date(2026, 1, 1),
                date(2026, 12, 31),
                "GRP-100",
            ),
        )
    story = ReferralStory(
        caseworker=connor,
        staff={name: actors[email] for email, name in STORY_STAFF.items()},
        grief_benefit=benefit_ids["GRIEF-COUNSEL"],
        providers=provider_ids,
        steve=person.id,
    )
    await load_referral_story(uow_factory, story)
    async with uow_factory() as uow:
        dana = await people.create_person(uow=uow, actor=connor, data=DANA)
    await load_delivery_story(
        uow_factory,
        DeliveryStory(
            caseworker=connor,
            provider_staff=story.staff[GRIEF_CARE],
            provider_id=provider_ids[GRIEF_CARE],
            grief_benefit=benefit_ids["GRIEF-COUNSEL"],
            person_id=dana.id,
            supervisor_threshold=supervisor_threshold,
            manual_approval_share=manual_approval_share,
        ),
    )
    await load_prior_authorization_story(
        uow_factory, actors["olive@northside.example"], orgs[PAYER]
    )
    await load_network_story(uow_factory, nina)
    return (
        f"demo data loaded: {len(orgs)} organisations, {len(DEMO_USERS)} users, "
        f"{len(BENEFITS)} benefits, {len(PROVIDERS)} providers, 2 constituents, "
        "a case with a referral to 3 providers, an authorized case with "
        f"{SESSIONS} scheduled sessions, 1 prior authorization request, "
        "1 recruitment campaign"
    )
