"""People through GraphQL over HTTP: create, read, scope, audit, typed errors."""

from __future__ import annotations

from domain.identity.models import OrganizationKind, Role

CREATE = """
mutation($input: CreatePersonInput!) {
  createPerson(input: $input) {
    person { id givenName familyName birthDate address { city latitude } identifiers { system value } }
    errors { code message field }
  }
}"""

STEVE = {
    "person": {
        "givenName": "Steve",
        "familyName": "Marshall",
        "birthDate": "1971-04-02",
        "sex": "MALE",
        "preferredLanguage": "en",
        "address": {
            "line1": "12 Elm St",
            "city": "Cosville",
            "latitude": 40.01,
            "longitude": -75.02,
        },
        "identifiers": [{"system": "CONSTITUENT_NUMBER", "value": "C-1001"}],
    }
}


async def test_caseworker_registers_and_reads_a_person(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)

    created = (await app_client.data(CREATE, {"input": STEVE}, as_=connor))["createPerson"]
    assert created["errors"] == []
    person = created["person"]
    assert person["givenName"] == "Steve"
    assert person["identifiers"] == [{"system": "CONSTITUENT_NUMBER", "value": "C-1001"}]

    read = await app_client.data(
        "query($id: ID!) { person(id: $id) { familyName } node(id: $id) { ... on Person { givenName } } }",
        {"id": person["id"]},
        as_=connor,
    )
    assert read == {"person": {"familyName": "Marshall"}, "node": {"givenName": "Steve"}}


async def test_invalid_person_gets_typed_payload_errors_and_nothing_is_written(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    bad = {"person": {"givenName": "", "familyName": "Marshall", "email": "not-an-email"}}

    payload = (await app_client.data(CREATE, {"input": bad}, as_=connor))["createPerson"]

    assert payload["person"] is None
    assert {(e["code"], e["field"]) for e in payload["errors"]} == {
        ("REQUIRED", "givenName"),
        ("INVALID", "email"),
    }
    listing = await app_client.data("{ persons { totalCount } }", as_=connor)
    assert listing["persons"]["totalCount"] == 0


async def test_wrong_types_are_rejected_before_anything_runs(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    wrong = {"person": {"givenName": "Steve", "familyName": "Marshall", "birthDate": "yesterday"}}

    body = await app_client.execute(CREATE, {"input": wrong}, as_=connor)

    assert body.get("data") is None
    assert "birthDate" in body["errors"][0]["message"] or "Date" in body["errors"][0]["message"]
    listing = await app_client.data("{ persons { totalCount } }", as_=connor)
    assert listing["persons"]["totalCount"] == 0


async def test_reads_are_in_the_audit_trail_for_the_admin(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    admin = await orgs.user(agency, Role.ADMIN)
    person_id = (await app_client.data(CREATE, {"input": STEVE}, as_=connor))["createPerson"][
        "person"
    ]["id"]
    await app_client.data("{ persons { edges { node { givenName } } } }", as_=connor)

    events = await app_client.data(
        "query($id: ID!) { auditEvents(filter: {entityId: $id}) { edges { node { action entity entityId actorId correlationId } } } }",
        {"id": person_id},
        as_=admin,
    )
    actions = [e["node"]["action"] for e in events["auditEvents"]["edges"]]
    assert sorted(actions) == ["CREATE", "READ"]
    assert all(e["node"]["entityId"] == person_id for e in events["auditEvents"]["edges"])
    assert all(e["node"]["correlationId"] for e in events["auditEvents"]["edges"])

    refused = await app_client.execute("{ auditEvents { edges { node { id } } } }", as_=connor)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_list_read_is_one_event_naming_every_person_shown(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    admin = await orgs.user(agency, Role.ADMIN)
    for name in ("Ann", "Bea"):
        person = {"person": {"givenName": name, "familyName": "Listed"}}
        await app_client.data(CREATE, {"input": person}, as_=connor)
    listed = await app_client.data("{ persons { edges { node { id } } } }", as_=connor)
    shown = [edge["node"]["id"] for edge in listed["persons"]["edges"]]
    events = await app_client.data(
        "{ auditEvents(filter: {action: READ}) { edges { node { entityId entityIds } } } }",
        as_=admin,
    )
    assert [e["node"] for e in events["auditEvents"]["edges"]] == [
        {"entityId": None, "entityIds": shown}
    ]
    for person_id in shown:
        found = await app_client.data(
            "query($id: ID!) { auditEvents(filter: {entityId: $id, action: READ}) { totalCount } }",
            {"id": person_id},
            as_=admin,
        )
        assert found["auditEvents"]["totalCount"] == 1


async def test_unknown_and_malformed_ids_are_typed_errors_and_change_nothing(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    unknown = "UGVyc29uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="  # Person:0000...
    read = await app_client.data(
        "query($id: ID!) { person(id: $id) { id } node(id: $id) { id } }",
        {"id": unknown},
        as_=connor,
    )
    assert read == {"person": None, "node": None}

    update = """mutation($id: ID!) { updatePerson(input: {id: $id, person: {givenName: "A", familyName: "B"}}) {
        person { id } errors { code field } } }"""
    payload = (await app_client.data(update, {"id": unknown}, as_=connor))["updatePerson"]
    assert payload == {"person": None, "errors": [{"code": "NOT_FOUND", "field": "id"}]}

    wrong_type = (
        "T3JnYW5pemF0aW9uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMA=="  # Organization
    )
    payload = (await app_client.data(update, {"id": wrong_type}, as_=connor))["updatePerson"]
    assert payload["errors"] == [{"code": "INVALID", "field": "id"}]

    body = await app_client.execute('query { person(id: "%%%not-base64") { id } }', as_=connor)
    assert body["data"] == {"person": None}
    assert body["errors"][0]["extensions"]["code"] == "INVALID"
    listing = await app_client.data("{ persons { totalCount } }", as_=connor)
    assert listing["persons"]["totalCount"] == 0


async def test_overlong_values_are_refused_before_storage(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    long_name = {
        "person": {
            "givenName": "S" * 101,
            "familyName": "Marshall",
            "address": {"postalCode": "9" * 21},
        }
    }
    payload = (await app_client.data(CREATE, {"input": long_name}, as_=connor))["createPerson"]
    assert {(e["code"], e["field"]) for e in payload["errors"]} == {
        ("INVALID", "givenName"),
        ("INVALID", "address.postalCode"),
    }


async def test_audit_events_page_newest_first_without_gaps_or_repeats(app_client, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    admin = await orgs.user(agency, Role.ADMIN)
    for index in range(5):  # the clock stands still: equal times, so the id breaks the tie
        person = {"person": {"givenName": f"P{index}", "familyName": "Same"}}
        await app_client.data(CREATE, {"input": person}, as_=connor)
    seen, after = [], None
    while True:
        page = (
            await app_client.data(
                "query($after: String) { auditEvents(first: 2, after: $after) { totalCount "
                "pageInfo { hasNextPage endCursor } edges { node { id occurredAt } } } }",
                {"after": after},
                as_=admin,
            )
        )["auditEvents"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == page["totalCount"] == 5
    assert seen == sorted(seen, key=lambda i: i.replace("-", ""), reverse=True)
