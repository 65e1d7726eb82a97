"""Related lists read with a search page equal those the batch readers return, field by field
(on PostgreSQL they come back as JSON inside the page statement)."""

from __future__ import annotations

from decimal import Decimal

from db.seed import demo
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.pagination import PageRequest
from domain.providers import search
from domain.providers.rules import GeoPoint, SearchCriteria

FIELDS = {
    "locations": (
        "id",
        "name",
        "address_line1",
        "city",
        "country",
        "latitude",
        "longitude",
        "phone",
        "hours",
    ),
    "specialties": ("code", "display", "is_primary"),
    "services": ("benefit_id", "rate", "currency", "active"),
}


def _values(name: str, rows: list) -> list:
    if name == "languages":
        return list(rows)
    return [tuple(getattr(row, field) for field in FIELDS[name]) for row in rows]


async def test_included_lists_match_the_batch_readers(uow_factory, orgs):
    await demo.load_demo(uow_factory)
    actor = await orgs.user(
        await orgs.organization("Reader", OrganizationKind.AGENCY), Role.CASEWORKER
    )
    assert isinstance(actor, Principal)
    home = GeoPoint(*demo.STEVE_HOME, radius_km=50)
    async with uow_factory() as uow:
        page = await search.search_providers(
            uow=uow,
            actor=actor,
            criteria=SearchCriteria(near=home),
            page=PageRequest(first=10),
            include=frozenset(search.INCLUDABLE),
        )
    ids = [hit.id for hit in page.items]
    assert len(ids) == len(demo.PROVIDERS)
    async with uow_factory() as uow:
        for name, reader in search.INCLUDABLE.items():
            expected = await reader(uow=uow, provider_ids=ids)
            for hit in page.items:
                assert _values(name, getattr(hit, name)) == _values(name, expected[hit.id]), name
    rates = [s.rate for hit in page.items for s in hit.services]
    assert rates and all(isinstance(rate, Decimal) for rate in rates)
    assert any(loc.hours for hit in page.items for loc in hit.locations)
