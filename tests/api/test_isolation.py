"""A user of organisation A can neither read nor change organisation B's records."""

from __future__ import annotations

import pytest

from domain.identity.models import OrganizationKind, Role

CREATE = """mutation($input: CreatePersonInput!) {
  createPerson(input: $input) { person { id } errors { code } } }"""


@pytest.fixture
async def two_agencies(app_client, orgs):
    a = await orgs.organization("Agency A", OrganizationKind.AGENCY)
    b = await orgs.organization("Agency B", OrganizationKind.AGENCY)
    payer = await orgs.organization("Plan", OrganizationKind.PAYER)
    users = {
        "a": await orgs.user(a, Role.CASEWORKER),
        "a_admin": await orgs.user(a, Role.ADMIN),
        "b": await orgs.user(b, Role.CASEWORKER),
        "b_admin": await orgs.user(b, Role.ADMIN),
    }
    person = {
        "person": {
            "givenName": "Bea",
            "familyName": "Secret",
            "identifiers": [{"system": "CONSTITUENT_NUMBER", "value": "B-1"}],
        }
    }
    created = await app_client.data(CREATE, {"input": person}, as_=users["b"])
    users["b_person_id"] = created["createPerson"]["person"]["id"]
    users["payer_id"] = (await app_client.data("{ me { organization { id } } }", as_=users["a"]))[
        "me"
    ]["organization"]["id"]
    users["payer"] = payer
    return users


async def test_other_organizations_people_are_invisible_to_every_query(app_client, two_agencies):
    a, person_id = two_agencies["a"], two_agencies["b_person_id"]
    data = await app_client.data(
        """query($id: ID!) {
             persons { totalCount edges { node { id } } }
             byText: persons(filter: {text: "Secret"}) { totalCount }
             byIdentifier: persons(filter: {identifier: "B-1"}) { totalCount }
             person(id: $id) { id }
             node(id: $id) { id }
             nodes(ids: [$id]) { id }
           }""",
        {"id": person_id},
        as_=a,
    )
    assert data == {
        "persons": {"totalCount": 0, "edges": []},
        "byText": {"totalCount": 0},
        "byIdentifier": {"totalCount": 0},
        "person": None,
        "node": None,
        "nodes": [None],
    }


async def test_other_organizations_people_cannot_be_changed(app_client, two_agencies):
    a, person_id = two_agencies["a"], two_agencies["b_person_id"]
    update = await app_client.data(
        """mutation($id: ID!) { updatePerson(input: {id: $id, person: {givenName: "X", familyName: "Y"}}) {
             person { id } errors { code field } } }""",
        {"id": person_id},
        as_=a,
    )
    assert update["updatePerson"] == {
        "person": None,
        "errors": [{"code": "NOT_FOUND", "field": "id"}],
    }
    coverage = await app_client.data(
        """mutation($id: ID!) { addCoverage(input: {personId: $id, payerId: "T3JnYW5pemF0aW9uOjA=",
             memberId: "M", planName: "P", periodStart: "2026-01-01"}) { coverage { id } errors { code field } } }""",
        {"id": person_id},
        as_=a,
    )
    assert coverage["addCoverage"]["coverage"] is None
    assert coverage["addCoverage"]["errors"][0]["code"] in {"NOT_FOUND", "INVALID"}
    unchanged = await app_client.data(
        "query($id: ID!) { person(id: $id) { givenName } }",
        {"id": person_id},
        as_=two_agencies["b"],
    )
    assert unchanged == {"person": {"givenName": "Bea"}}


async def test_other_organizations_users_and_audit_trail_are_invisible(app_client, two_agencies):
    b_user = await app_client.data("{ me { user { id } } }", as_=two_agencies["b"])
    b_user_id = b_user["me"]["user"]["id"]
    seen_by_a = await app_client.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": b_user_id}, as_=two_agencies["a"]
    )
    assert seen_by_a == {"node": None}
    a_audit = await app_client.data(
        "{ auditEvents { totalCount edges { node { entityId } } } }", as_=two_agencies["a_admin"]
    )
    assert all(
        e["node"]["entityId"] != two_agencies["b_person_id"]
        for e in a_audit["auditEvents"]["edges"]
    )
    b_audit = await app_client.data(
        "{ auditEvents { edges { node { entityId } } } }", as_=two_agencies["b_admin"]
    )
    assert any(
        e["node"]["entityId"] == two_agencies["b_person_id"]
        for e in b_audit["auditEvents"]["edges"]
    )


async def test_registering_a_known_identifier_elsewhere_reveals_nothing(app_client, two_agencies):
    same_identifier = {
        "person": {
            "givenName": "Other",
            "familyName": "Person",
            "identifiers": [{"system": "CONSTITUENT_NUMBER", "value": "B-1"}],
        }
    }
    created = await app_client.data(CREATE, {"input": same_identifier}, as_=two_agencies["a"])
    assert created["createPerson"]["errors"] == []
    again = await app_client.data(CREATE, {"input": same_identifier}, as_=two_agencies["a"])
    assert again["createPerson"]["errors"] == [{"code": "DUPLICATE"}]


async def test_cursors_carry_no_names(app_client, two_agencies):
    page = await app_client.data(
        "{ persons(first: 1) { pageInfo { endCursor } } }", as_=two_agencies["b"]
    )
    import base64

    cursor = page["persons"]["pageInfo"]["endCursor"]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    assert "Secret" not in decoded and "Bea" not in decoded


async def test_a_cursor_made_from_another_organisations_person_places_nothing(
    app_client, two_agencies
):
    import base64
    import json

    from strawberry.relay import GlobalID

    foreign_id = GlobalID.from_id(two_agencies["b_person_id"]).node_id
    cursor = base64.urlsafe_b64encode(json.dumps([foreign_id]).encode()).decode().rstrip("=")
    other = {"person": {"givenName": "Zed", "familyName": "Zulu"}}
    await app_client.data(CREATE, {"input": other}, as_=two_agencies["a"])
    page = await app_client.data(
        "query($after: String) { persons(after: $after) { edges { node { familyName } } } }",
        {"after": cursor},
        as_=two_agencies["a"],
    )
    # The anchor is not visible, so its name cannot position the page: nothing is returned
    # rather than the names that sort after "Secret".
    assert page["persons"]["edges"] == []
