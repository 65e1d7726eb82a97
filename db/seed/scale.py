"""Generated data sets for benchmarks: N providers spread over the demo city, bulk-inserted.

Deterministic for a given N (seeded random), written in batches with Core inserts so 100,000
rows load in seconds rather than through one use case per row."""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select

from domain.catalog.models import Benefit, BenefitCategory, UnitOfMeasure
from domain.identifiers import npi_check_digit
from domain.identity.models import Organization, OrganizationKind
from domain.providers.models import (
    Location,
    NetworkStatus,
    Provider,
    ProviderKind,
    ProviderLanguage,
    ProviderService,
    ProviderSpecialty,
)
from domain.uow import UnitOfWork

from .demo import STEVE_HOME

SCALE_AGENCY = "Scale Test Agency"
SPECIALTIES = (
    ("101YM0800X", "Mental Health Counselor"),
    ("1041C0700X", "Clinical Social Worker"),
    ("103T00000X", "Psychologist"),
    ("106H00000X", "Marriage & Family Therapist"),
    ("101Y00000X", "Counselor"),
    ("2084P0800X", "Psychiatry"),
    ("163W00000X", "Registered Nurse"),
    ("225100000X", "Physical Therapist"),
)
LANGUAGES = ("en", "es", "fr", "vi", "zh", "ar", "ru", "pt")
WORDS = (
    "Care",
    "Family",
    "Wellness",
    "Harbor",
    "Grief",
    "Hope",
    "Community",
    "Bridge",
    "Unity",
    "Riverside",
    "Northside",
    "Counseling",
    "Health",
    "Support",
    "Path",
    "Center",
)
BATCH = 1000


async def _benefits(uow: UnitOfWork, now: Any) -> list[uuid.UUID]:
    existing = (await uow.session.scalars(select(Benefit.id).order_by(Benefit.code))).all()
    if existing:
        return list(existing)
    agency = Organization(
        name=SCALE_AGENCY, kind=OrganizationKind.AGENCY, created_at=now, updated_at=now
    )
    uow.session.add(agency)
    await uow.session.flush()
    ids = []
    for code, name in (("GRIEF-COUNSEL", "Grief counselling"), ("JOB-COUNSEL", "Job counselling")):
        benefit = Benefit(
            organization_id=agency.id,
            code=code,
            name=name,
            benefit_type="Counselling",
            category=BenefitCategory.SERVICES,
            unit_of_measure=UnitOfMeasure.SESSION,
            offering_rate=Decimal("80.00"),
            currency="USD",
            created_at=now,
            updated_at=now,
        )
        uow.session.add(benefit)
        await uow.session.flush()
        ids.append(benefit.id)
    return ids


def _point(rng: random.Random, radius_km: float) -> tuple[float, float]:
    """Uniform over a disc around the demo city's centre."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.random() * 2 * math.pi
    lat = STEVE_HOME[0] + distance * math.cos(bearing) / 111.195
    lon = STEVE_HOME[1] + distance * math.sin(bearing) / (
        111.195 * math.cos(math.radians(STEVE_HOME[0]))
    )
    return round(lat, 6), round(lon, 6)


async def load_scale(uow_factory: Callable[[], UnitOfWork], count: int, seed: int = 42) -> str:
    """Add `count` generated providers (organisations with 1-2 locations each)."""
    rng = random.Random(seed)
    async with uow_factory() as uow:
        now = uow.clock.now()
        benefit_ids = await _benefits(uow, now)
        start = int(await uow.session.scalar(select(func.count(Provider.id))) or 0)
        org = Organization(
            name=f"Scale Provider Network {start}",
            kind=OrganizationKind.PROVIDER,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(org)
        await uow.session.flush()
        org_id = org.id
        await uow.commit()
    for offset in range(0, count, BATCH):
        rows: dict[str, list[dict[str, Any]]] = {k: [] for k in ("p", "l", "s", "g", "v")}
        for number in range(start + offset, start + min(offset + BATCH, count)):
            provider_id = uuid.uuid4()
            base = f"{100000000 + number:09d}"[-9:]
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {number}"
            rows["p"].append(
                {
                    "id": provider_id,
                    "organization_id": org_id,
                    "kind": ProviderKind.ORGANIZATION,
                    "name": name,
                    "npi": base + str(npi_check_digit(base)),
                    "description": "Generated for benchmarks",
                    "phone": "+1-215-555-0000",
                    "accepting_referrals": rng.random() < 0.8,
                    "capacity": rng.choice((None, 10, 25, 50)),
                    "current_load": rng.randint(0, 10),
                    "network_status": NetworkStatus.IN_NETWORK,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for index in range(rng.choice((1, 1, 2))):
                lat, lon = _point(rng, 30.0)
                rows["l"].append(
                    {
                        "id": uuid.uuid4(),
                        "provider_id": provider_id,
                        "name": f"Site {index + 1}",
                        "city": "Cosville",
                        "country": "US",
                        "latitude": lat,
                        "longitude": lon,
                        "hours": [],
                    }
                )
            for position, (code, display) in enumerate(rng.sample(SPECIALTIES, rng.choice((1, 2)))):
                rows["s"].append(
                    {
                        "id": uuid.uuid4(),
                        "provider_id": provider_id,
                        "code": code,
                        "display": display,
                        "is_primary": position == 0,
                    }
                )
            for language in rng.sample(LANGUAGES, rng.choice((1, 2, 3))):
                rows["g"].append(
                    {"id": uuid.uuid4(), "provider_id": provider_id, "language": language}
                )
            for benefit_id in rng.sample(benefit_ids, min(len(benefit_ids), rng.choice((1, 2)))):
                rows["v"].append(
                    {
                        "id": uuid.uuid4(),
                        "provider_id": provider_id,
                        "benefit_id": benefit_id,
                        "rate": Decimal(rng.randint(50, 120)),
                        "currency": "USD",
                        "active": True,
                    }
                )
        async with uow_factory() as uow:
            for model, key in (
                (Provider, "p"),
                (Location, "l"),
                (ProviderSpecialty, "s"),
                (ProviderLanguage, "g"),
                (ProviderService, "v"),
            ):
                if rows[key]:
                    await uow.session.execute(insert(model), rows[key])
            await uow.commit()
    return f"generated {count} providers"
