"""Cases through GraphQL: lifecycles with typed errors, the supervisor's approval, contained
cases, nominees, reviews and the agency's ownership rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from strawberry.relay import to_base64

from domain.identity.models import Role
from tests.world import build_world

CASE_FIELDS = "id number status allowedActions owner { id } supervisor { id } reviewer { id }"
OPEN = f"""
mutation($input: CreateCaseInput!) {{ createCase(input: $input) {{ case {{ {CASE_FIELDS} }} errors {{ code field }} }} }}"""
MOVE = f"""
mutation($input: TransitionCaseInput!) {{ transitionCase(input: $input) {{ case {{ {CASE_FIELDS} }} errors {{ code field message }} }} }}"""


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


def gid(kind, key):
    return to_base64(kind, str(key))


async def open_case(app_client, world, case_type, **extra):
    body = await app_client.data(
        OPEN,
        {"input": {"caseType": case_type, "primaryClientId": gid("Person", world.steve), **extra}},
        as_=world.caseworker,
    )
    return body["createCase"]


async def move(app_client, actor, case_id, action):
    return (await app_client.data(MOVE, {"input": {"id": case_id, "action": action}}, as_=actor))[
        "transitionCase"
    ]


async def test_product_delivery_approval_needs_the_supervisor_and_reactivation_starts_over(
    app_client, world
):
    case = (await open_case(app_client, world, "PRODUCT_DELIVERY"))["case"]
    assert case["allowedActions"][0] == "SUBMIT"
    assert case["reviewer"] == case["owner"]  # the owner reviews until someone else is assigned
    await move(app_client, world.caseworker, case["id"], "SUBMIT")

    refused = await move(app_client, world.caseworker, case["id"], "APPROVE")
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [
        ("SUPERVISOR_REQUIRED", "action")
    ]

    approved = await move(app_client, world.supervisor, case["id"], "APPROVE")
    assert approved["case"]["status"] == "APPROVED"
    assert approved["case"]["supervisor"]["id"] == gid("User", world.supervisor.subject_id)
    for action, status in (("ACTIVATE", "ACTIVE"), ("CLOSE", "CLOSED"), ("REACTIVATE", "OPEN")):
        assert (await move(app_client, world.caseworker, case["id"], action))["case"][
            "status"
        ] == status

    wrong = await move(app_client, world.caseworker, case["id"], "ACTIVATE")
    assert [e["code"] for e in wrong["errors"]] == ["ILLEGAL_TRANSITION"]
    history = await app_client.data(
        "query($id: ID!) { case(id: $id) { statusHistory { fromStatus toStatus action } } }",
        {"id": case["id"]},
        as_=world.caseworker,
    )
    assert [h["toStatus"] for h in history["case"]["statusHistory"]] == [
        "OPEN",
        "SUBMITTED",
        "APPROVED",
        "ACTIVE",
        "CLOSED",
        "OPEN",
    ]


async def test_application_case_enters_submitting_only_from_in_progress_or_failed(
    app_client, world
):
    case = (await open_case(app_client, world, "APPLICATION"))["case"]
    assert case["status"] == "IN_PROGRESS"
    assert (await move(app_client, world.caseworker, case["id"], "SUBMIT"))["case"][
        "status"
    ] == "SUBMITTING"
    again = await move(app_client, world.caseworker, case["id"], "SUBMIT")
    assert [e["code"] for e in again["errors"]] == ["ILLEGAL_TRANSITION"]


async def test_an_integrated_case_closes_after_the_cases_it_contains(app_client, world):
    folder = (await open_case(app_client, world, "INTEGRATED"))["case"]
    inner = (await open_case(app_client, world, "ISSUE", parentCaseId=folder["id"]))["case"]
    refused = await move(app_client, world.caseworker, folder["id"], "CLOSE")
    assert [e["code"] for e in refused["errors"]] == ["CASES_STILL_OPEN"]
    await move(app_client, world.caseworker, inner["id"], "CLOSE")
    assert (await move(app_client, world.caseworker, folder["id"], "CLOSE"))["case"][
        "status"
    ] == "CLOSED"
    nested = await open_case(app_client, world, "ISSUE", parentCaseId=folder["id"])
    assert [e["code"] for e in nested["errors"]] == ["CASE_CLOSED"]


async def test_nominee_defaults_to_the_primary_client_and_keeps_its_history(
    app_client, world, orgs, uow_factory
):
    from domain.people import service as people
    from domain.people.rules import PersonData

    async with uow_factory() as uow:
        daughter = await people.create_person(
            uow=uow,
            actor=world.caseworker,
            data=PersonData(given_name="Ann", family_name="Marshall"),
        )
    case = (
        await open_case(
            app_client,
            world,
            "PRODUCT_DELIVERY",
            participants=[{"personId": gid("Person", daughter.id), "role": "MEMBER"}],
        )
    )["case"]
    query = 'query($id: ID!) { case(id: $id) { nominee(component: "RENT") { givenName } nominees { component endedAt person { givenName } } } }'
    before = await app_client.data(query, {"id": case["id"]}, as_=world.caseworker)
    assert before["case"]["nominee"] == {"givenName": "Steve"}
    assign = "mutation($input: AssignNomineeInput!) { assignNominee(input: $input) { errors { code field } } }"
    for person in (daughter.id, world.steve):
        app_client.clock.advance(timedelta(minutes=5))
        body = await app_client.data(
            assign,
            {
                "input": {
                    "caseId": case["id"],
                    "component": "rent",
                    "personId": gid("Person", person),
                }
            },
            as_=world.caseworker,
        )
        assert body["assignNominee"]["errors"] == []
    after = await app_client.data(query, {"id": case["id"]}, as_=world.caseworker)
    assert after["case"]["nominee"] == {"givenName": "Steve"}
    assert [
        (n["person"]["givenName"], n["endedAt"] is None) for n in after["case"]["nominees"]
    ] == [
        ("Ann", False),
        ("Steve", True),
    ]


async def test_closing_a_case_cancels_its_scheduled_reviews(app_client, world):
    case = (await open_case(app_client, world, "PRODUCT_DELIVERY"))["case"]
    body = await app_client.data(
        "mutation($input: ScheduleCaseReviewInput!) { scheduleCaseReview(input: $input) { review { status reviewer { id } } errors { code } } }",
        {"input": {"caseId": case["id"], "dueOn": "2026-03-01"}},
        as_=world.caseworker,
    )
    assert body["scheduleCaseReview"]["review"]["status"] == "SCHEDULED"
    assert body["scheduleCaseReview"]["review"]["reviewer"] == case["owner"]
    await move(app_client, world.caseworker, case["id"], "CLOSE")
    reviews = await app_client.data(
        "query($id: ID!) { case(id: $id) { reviews { status } } }",
        {"id": case["id"]},
        as_=world.caseworker,
    )
    assert reviews["case"]["reviews"] == [{"status": "CANCELLED"}]


async def test_an_ownership_rule_gives_new_cases_to_the_least_loaded_caseworker(
    app_client, world, orgs
):
    second = await orgs.user(world.agency, Role.CASEWORKER)
    rule = await app_client.data(
        "mutation { setCaseOwnershipRule(input: {caseType: ISSUE, strategy: LEAST_LOADED}) { rule { strategy } errors { code } } }",
        as_=world.admin,
    )
    assert rule["setCaseOwnershipRule"]["rule"] == {"strategy": "LEAST_LOADED"}
    owners = [
        (await open_case(app_client, world, "ISSUE"))["case"]["owner"]["id"] for _ in range(2)
    ]
    assert sorted(owners) == sorted(gid("User", u.subject_id) for u in (world.caseworker, second))


async def test_other_agencies_and_providers_see_no_case(app_client, world, orgs):
    case = (await open_case(app_client, world, "INTEGRATED"))["case"]
    other_agency = await orgs.organization(
        "Elsewhere County",
        __import__("domain.identity.models", fromlist=["OrganizationKind"]).OrganizationKind.AGENCY,
    )
    stranger = await orgs.user(other_agency, Role.CASEWORKER)
    seen = await app_client.data(
        "query($id: ID!) { case(id: $id) { number } node(id: $id) { id } }",
        {"id": case["id"]},
        as_=stranger,
    )
    assert seen == {"case": None, "node": None}
    moved = await move(app_client, stranger, case["id"], "CLOSE")
    assert [e["code"] for e in moved["errors"]] == ["NOT_FOUND"]
