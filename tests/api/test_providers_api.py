"""Provider directory and search through GraphQL, on the demo data and generated sets."""

from __future__ import annotations

import pytest

from db.seed import demo, scale
from domain.identity.models import OrganizationKind, Role

SEARCH = """
query($search: ProviderSearchInput, $first: Int, $after: String) {
  providers(search: $search, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id name npi distanceKm acceptingReferrals
      locations { city latitude longitude } specialties { code display }
      services { rate benefit { code name } } languages } }
  }
}"""


@pytest.fixture
async def demo_world(uow_factory, orgs):
    await demo.load_demo(uow_factory)
    async with uow_factory() as uow:
        from sqlalchemy import select

        from domain.identity.models import User
        from domain.identity.service import principal_for_user

        connor_id = await uow.session.scalar(
            select(User.id).where(User.email == "connor@cosville.example")
        )
        return await principal_for_user(uow=uow, user_id=connor_id)


async def test_grief_counselling_near_steve_marshall_ranks_by_distance(app_client, demo_world):
    benefits = await app_client.data(
        '{ benefits(filter: {text: "grief"}) { edges { node { id code } } } }', as_=demo_world
    )
    grief_id = benefits["benefits"]["edges"][0]["node"]["id"]
    home = {"latitude": demo.STEVE_HOME[0], "longitude": demo.STEVE_HOME[1], "radiusKm": 10}

    data = await app_client.data(
        SEARCH,
        {"search": {"benefitId": grief_id, "near": home, "acceptingReferrals": True}},
        as_=demo_world,
    )

    hits = [e["node"] for e in data["providers"]["edges"]]
    assert [h["name"] for h in hits] == [
        "Cosville Grief Care Center",
        "Harbor Family Services",
        "Northside Wellness Clinic",
        "Riverside Counseling Collective",
    ]
    distances = [h["distanceKm"] for h in hits]
    assert distances == sorted(distances) and all(0 < d < 10 for d in distances)
    assert all(any(s["benefit"]["code"] == "GRIEF-COUNSEL" for s in h["services"]) for h in hits)
    assert data["providers"]["totalCount"] == 4


async def test_free_text_finds_providers_by_the_benefits_they_offer(app_client, demo_world):
    home = {"latitude": demo.STEVE_HOME[0], "longitude": demo.STEVE_HOME[1], "radiusKm": 10}
    data = await app_client.data(
        SEARCH, {"search": {"text": "Grief Counselling", "near": home}}, as_=demo_world
    )
    names = [e["node"]["name"] for e in data["providers"]["edges"]]
    assert names == [
        "Cosville Grief Care Center",
        "Harbor Family Services",
        "Northside Wellness Clinic",
        "Riverside Counseling Collective",
    ]
    nothing = await app_client.data(SEARCH, {"search": {"text": "grief plumbing"}}, as_=demo_world)
    assert nothing["providers"]["edges"] == []


async def test_search_filters_by_language_and_specialty_and_pages_with_cursors(
    app_client, demo_world
):
    spanish = await app_client.data(SEARCH, {"search": {"language": "es"}}, as_=demo_world)
    assert sorted(e["node"]["name"] for e in spanish["providers"]["edges"]) == [
        "Cosville Grief Care Center",
        "Westgate Career Works",
    ]
    counselors = await app_client.data(
        SEARCH, {"search": {"specialty": "101YM0800X"}}, as_=demo_world
    )
    assert counselors["providers"]["totalCount"] == 4

    seen, after = [], None
    while True:
        page = (await app_client.data(SEARCH, {"first": 2, "after": after}, as_=demo_world))[
            "providers"
        ]
        seen += [e["node"]["name"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(p.name for p in demo.PROVIDERS)


async def test_listing_10_or_100_providers_costs_the_same_statements(app_client, uow_factory, orgs):
    agency = await orgs.organization("Agency", OrganizationKind.AGENCY)
    caseworker = await orgs.user(agency, Role.CASEWORKER)
    await scale.load_scale(uow_factory, 120)
    home = {"latitude": demo.STEVE_HOME[0], "longitude": demo.STEVE_HOME[1], "radiusKm": 50}
    counts = []
    for size in (10, 100):
        with app_client.count_statements() as statements:
            data = await app_client.data(
                SEARCH, {"first": size, "search": {"near": home}}, as_=caseworker
            )
        assert len(data["providers"]["edges"]) == size
        counts.append(len(statements))
    assert counts[0] == counts[1]
    assert counts[0] <= 7  # page, count, locations, specialties, services, benefits, languages


async def test_invalid_npi_is_a_typed_error_and_writes_nothing(app_client, orgs):
    agency = await orgs.organization("Agency", OrganizationKind.AGENCY)
    clinic = await orgs.organization("Clinic", OrganizationKind.PROVIDER)
    nina = await orgs.user(agency, Role.NETWORK_STAFF)
    from strawberry.relay import GlobalID

    clinic_gid = str(GlobalID("Organization", str(clinic)))
    mutation = """mutation($input: CreateProviderInput!) { createProvider(input: $input) {
        provider { id name } errors { code field message } } }"""
    provider = {
        "organizationId": clinic_gid,
        "kind": "ORGANIZATION",
        "name": "Clinic",
        "npi": "1234567890",
        "locations": [{"latitude": 39.95, "longitude": -75.16}],
    }
    bad = await app_client.data(mutation, {"input": {"provider": provider}}, as_=nina)
    assert bad["createProvider"]["provider"] is None
    assert bad["createProvider"]["errors"][0]["code"] == "INVALID_NPI"
    assert bad["createProvider"]["errors"][0]["field"] == "npi"
    listing = await app_client.data("{ providers { totalCount } }", as_=nina)
    assert listing["providers"]["totalCount"] == 0

    good = await app_client.data(
        mutation, {"input": {"provider": provider | {"npi": "1234567893"}}}, as_=nina
    )
    assert good["createProvider"]["errors"] == []
    assert good["createProvider"]["provider"]["name"] == "Clinic"


async def test_provider_staff_cannot_change_another_organizations_provider(
    app_client, orgs, uow_factory
):
    await demo.load_demo(uow_factory)
    mine = await orgs.organization("My Clinic", OrganizationKind.PROVIDER)
    staff = await orgs.user(mine, Role.PROVIDER_STAFF)
    data = await app_client.data(SEARCH, {"search": {"text": "Harbor"}}, as_=staff)
    target = data["providers"]["edges"][0]["node"]
    harbor_org = await app_client.data(
        "query($id: ID!) { provider(id: $id) { organization { id } } }",
        {"id": target["id"]},
        as_=staff,
    )
    mutation = """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
        provider { name } errors { code field } } }"""
    change = {
        "id": target["id"],
        "provider": {
            "organizationId": harbor_org["provider"]["organization"]["id"],
            "kind": "ORGANIZATION",
            "name": "Hijacked",
            "locations": [{"latitude": 39.9, "longitude": -75.1}],
        },
    }
    refused = await app_client.data(mutation, {"input": change}, as_=staff)
    assert refused["updateProvider"] == {
        "provider": None,
        "errors": [{"code": "FORBIDDEN", "field": None}],
    }
    again = await app_client.data(SEARCH, {"search": {"text": "Harbor"}}, as_=staff)
    assert again["providers"]["edges"][0]["node"]["name"] == "Harbor Family Services"


async def test_caseworker_finds_payers_in_the_organisation_directory(app_client, demo_world):
    data = await app_client.data(
        "{ organizations(filter: {kind: PAYER}) { totalCount edges { node { id name kind } } } "
        '  benefits(filter: {text: "grief"}) { edges { node { code organization { name kind } } } } }',
        as_=demo_world,
    )
    assert data["organizations"]["totalCount"] == 2
    assert [e["node"]["name"] for e in data["organizations"]["edges"]] == [
        "Cosville Health Plan",
        "Evergreen Health Plan",
    ]
    assert data["benefits"]["edges"][0]["node"]["organization"] == {
        "name": "City of Cosville",
        "kind": "AGENCY",
    }


async def test_benefit_text_search_treats_wildcards_as_text(app_client, demo_world):
    everything = await app_client.data(
        '{ benefits(filter: {text: "_"}) { totalCount } }', as_=demo_world
    )
    assert everything["benefits"]["totalCount"] == 0
    grief = await app_client.data(
        '{ benefits(filter: {text: "grief counselling"}) { totalCount } }', as_=demo_world
    )
    assert grief["benefits"]["totalCount"] == 1
