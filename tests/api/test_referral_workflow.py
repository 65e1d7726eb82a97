"""Seed 000 steps 1-3 end to end through GraphQL over HTTP, as the caseworker, three provider
organisations and the supervisor: each step visible to the right users only, and audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from strawberry.relay import to_base64

from tests.conftest import NOW
from tests.world import STEVE_HOME, build_world

OPEN_CASE = """
mutation($input: CreateCaseInput!) {
  createCase(input: $input) { case { id number status caseType owner { id } allowedActions } errors { code field } }
}"""
ASSIGN = """
mutation($input: AssignBenefitInput!) {
  assignBenefit(input: $input) { benefitAssignment { id status deliveryMode component } errors { code field message } }
}"""
SEARCH = """
query($benefit: ID!, $lat: Float!, $lon: Float!) {
  providers(search: {benefitId: $benefit, near: {latitude: $lat, longitude: $lon, radiusKm: 25}, acceptingReferrals: true}) {
    edges { node { id name } }
  }
}"""
REFER = """
mutation($input: CreateReferralInput!) {
  createReferral(input: $input) {
    referral { id number status recipients { id status provider { id name } } }
    errors { code field message }
  }
}"""
RESPOND = """
mutation($input: RespondToReferralInput!) {
  respondToReferral(input: $input) { recipient { id status declineReason } errors { code field } }
}"""
REQUEST = """
mutation($input: CreateAuthorizationRequestInput!) {
  createAuthorizationRequest(input: $input) {
    authorizationRequest { id number status priority lines { id quantity } }
    errors { code field message }
  }
}"""
DECIDE = """
mutation($input: RecordDeterminationInput!) {
  recordDetermination(input: $input) {
    authorizationRequest { id status lines { reviewActionCode approvedQuantity rate authorizationNumber } }
    errors { code field message }
  }
}"""
REFERRAL = """
query($id: ID!) {
  referral(id: $id) {
    number status authorizationStatus
    person { givenName }
    case { number }
    recipients { status declineReason provider { name } }
    authorizationRequests { status requester { name } lines { reviewActionCode } }
  }
}"""


def gid(type_name: str, key) -> str:
    return to_base64(type_name, str(key))


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


async def mutate(app_client, query, input, actor, name):
    payload = (await app_client.data(query, {"input": input}, as_=actor))[name]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def test_caseworker_refers_steve_to_three_providers_and_authorizes_one(app_client, world):
    w = world
    connor = w.caseworker
    case = (
        await mutate(
            app_client,
            OPEN_CASE,
            {
                "caseType": "INTEGRATED",
                "primaryClientId": gid("Person", w.steve),
                "title": "Care plan",
            },
            connor,
            "createCase",
        )
    )["case"]
    assert case["status"] == "OPEN" and case["owner"]["id"] == gid("User", connor.subject_id)

    assignment = (
        await mutate(
            app_client,
            ASSIGN,
            {
                "caseId": case["id"],
                "personId": gid("Person", w.steve),
                "benefitId": gid("Benefit", w.grief),
                "quantity": "10",
                "periodStart": "2026-01-20",
                "periodEnd": "2026-06-30",
                "deliveryMode": "SERVICE",
            },
            connor,
            "assignBenefit",
        )
    )["benefitAssignment"]
    assert assignment["status"] == "PLANNED" and assignment["component"] == "GRIEF-COUNSEL"

    found = await app_client.data(
        SEARCH,
        {"benefit": gid("Benefit", w.grief), "lat": STEVE_HOME[0], "lon": STEVE_HOME[1]},
        as_=connor,
    )
    provider_ids = [edge["node"]["id"] for edge in found["providers"]["edges"]]
    assert sorted(provider_ids) == sorted(gid("Provider", p) for p in w.providers)

    referral = (
        await mutate(
            app_client,
            REFER,
            {
                "benefitAssignmentId": assignment["id"],
                "providerIds": provider_ids,
                "reason": "Grief counselling after his wife died",
                "consentGiven": True,
                "respondBy": (NOW + timedelta(days=5)).isoformat(),
                "urgency": "URGENT",
                "languages": ["en"],
            },
            connor,
            "createReferral",
        )
    )["referral"]
    assert [r["status"] for r in referral["recipients"]] == ["PENDING"] * 3
    recipient_of = {r["provider"]["id"]: r["id"] for r in referral["recipients"]}
    grace, hal, rita = w.staff
    grief_care, harbor, riverside = (recipient_of[gid("Provider", p)] for p in w.providers)

    # Each provider sees the referral, Steve's name, and only its own recipient record.
    as_hal = (await app_client.data(REFERRAL, {"id": referral["id"]}, as_=hal))["referral"]
    assert as_hal["person"] == {"givenName": "Steve"} and as_hal["case"] is None
    assert [r["provider"]["name"] for r in as_hal["recipients"]] == ["Harbor Family Services"]

    declined = await mutate(
        app_client,
        RESPOND,
        {"recipientId": harbor, "answer": "DECLINE", "reason": "No openings this month"},
        hal,
        "respondToReferral",
    )
    assert declined["recipient"]["status"] == "DECLINED"
    requests = {}
    for staff, recipient in ((grace, grief_care), (rita, riverside)):
        await mutate(
            app_client,
            RESPOND,
            {"recipientId": recipient, "answer": "ACCEPT"},
            staff,
            "respondToReferral",
        )
        made = await mutate(
            app_client,
            REQUEST,
            {
                "referralRecipientId": recipient,
                "lines": [
                    {"quantity": "8", "requestedStart": "2026-02-01", "requestedEnd": "2026-04-30"}
                ],
            },
            staff,
            "createAuthorizationRequest",
        )
        assert made["authorizationRequest"]["status"] == "SUBMITTED"
        assert made["authorizationRequest"]["priority"] == "EXPEDITED"
        requests[staff] = made["authorizationRequest"]

    # Hal declined: Steve's record is no longer his organisation's to see.
    after_decline = (await app_client.data(REFERRAL, {"id": referral["id"]}, as_=hal))["referral"]
    assert after_decline["person"] is None

    side_by_side = (await app_client.data(REFERRAL, {"id": referral["id"]}, as_=connor))["referral"]
    assert side_by_side["authorizationStatus"] == "SUBMITTED"
    assert sorted(r["requester"]["name"] for r in side_by_side["authorizationRequests"]) == [
        "Cosville Grief Care Center",
        "Riverside Counseling Collective",
    ]
    assert {r["provider"]["name"]: r["declineReason"] for r in side_by_side["recipients"]}[
        "Harbor Family Services"
    ] == "No openings this month"

    chosen = requests[grace]
    decided = await mutate(
        app_client,
        DECIDE,
        {
            "requestId": chosen["id"],
            "lines": [{"lineId": chosen["lines"][0]["id"], "reviewAction": "CERTIFIED"}],
        },
        connor,
        "recordDetermination",
    )
    request = decided["authorizationRequest"]
    assert request["status"] == "APPROVED"
    assert request["lines"][0]["reviewActionCode"] == "A1"
    assert (
        request["lines"][0]["approvedQuantity"] == "8.00" and request["lines"][0]["rate"] == "80.00"
    )

    final = (await app_client.data(REFERRAL, {"id": referral["id"]}, as_=connor))["referral"]
    assert final["status"] == "CLOSED" and final["authorizationStatus"] == "AUTHORIZED"
    assert sorted(r["status"] for r in final["authorizationRequests"]) == [
        "APPROVED",
        "NOT_SELECTED",
    ]

    # Rita's request closed NOT_SELECTED; she sees that, and nothing of Grace's.
    as_rita = (await app_client.data(REFERRAL, {"id": referral["id"]}, as_=rita))["referral"]
    assert [r["status"] for r in as_rita["authorizationRequests"]] == ["NOT_SELECTED"]
    assert [r["requester"]["name"] for r in as_rita["authorizationRequests"]] == [
        "Riverside Counseling Collective"
    ]

    # The supervisor sees the whole case with its timeline; a provider sees no case at all.
    timeline = await app_client.data(
        "query($id: ID!) { case(id: $id) { referrals { number } benefitAssignments { status } events { kind } } }",
        {"id": case["id"]},
        as_=w.supervisor,
    )
    kinds = [e["kind"] for e in timeline["case"]["events"]]
    assert {
        "case.opened",
        "benefit.assigned",
        "referral.created",
        "referral.declined",
        "referral.accepted",
        "authorization.requested",
        "authorization.approved",
    } <= set(kinds)
    assert timeline["case"]["benefitAssignments"] == [{"status": "ACTIVE"}]
    hidden = await app_client.execute(
        "query($id: ID!) { case(id: $id) { number } }", {"id": case["id"]}, as_=grace
    )
    assert hidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The audit trail: the agency admin sees its staff's reads and changes of Steve's records.
    audit = await app_client.data(
        "{ auditEvents(first: 100) { edges { node { entity action } } } }", as_=w.admin
    )
    seen = {(e["node"]["entity"], e["node"]["action"]) for e in audit["auditEvents"]["edges"]}
    assert {
        ("Case", "CREATE"),
        ("BenefitAssignment", "CREATE"),
        ("Referral", "CREATE"),
        ("AuthorizationRequest", "UPDATE"),
        ("AuthorizationRequest", "READ"),
        ("Referral", "READ"),
    } <= seen
    provider_audit = await app_client.data(
        "{ auditEvents(first: 100) { edges { node { entity action } } } }", as_=w.provider_admins[0]
    )
    theirs = {
        (e["node"]["entity"], e["node"]["action"]) for e in provider_audit["auditEvents"]["edges"]
    }
    assert ("AuthorizationRequest", "CREATE") in theirs and ("Case", "CREATE") not in theirs


async def test_two_caseworkers_authorizing_two_providers_at_once_leave_one_authorized(
    app_client, world
):
    """The same referral, two approvals sent together over HTTP: exactly one wins."""
    from decimal import Decimal

    from tests.domain.referrals.test_service import (
        accept_and_request,
        open_case_with_benefit,
        recipients_of,
        refer,
    )

    factory = app_client.app.state.database.uow_factory("t")
    _, assignment = await open_case_with_benefit(world, factory)
    referral = await refer(world, factory, assignment.id, world.providers[:2])
    by_provider = await recipients_of(world, factory, referral.id)
    requests = [
        await accept_and_request(world, factory, by_provider[p].id, staff, quantity="6")
        for p, staff in zip(world.providers[:2], world.staff[:2], strict=True)
    ]
    lines = {}
    for request in requests:
        body = await app_client.data(
            "query($id: ID!) { authorizationRequest(id: $id) { lines { id } } }",
            {"id": gid("AuthorizationRequest", request.id)},
            as_=world.caseworker,
        )
        lines[request.id] = body["authorizationRequest"]["lines"][0]["id"]

    answers = await asyncio.gather(
        *(
            app_client.data(
                DECIDE,
                {
                    "input": {
                        "requestId": gid("AuthorizationRequest", r.id),
                        "lines": [{"lineId": lines[r.id], "reviewAction": "CERTIFIED"}],
                    }
                },
                as_=actor,
            )
            for r, actor in zip(requests, (world.caseworker, world.supervisor), strict=True)
        )
    )

    payloads = [a["recordDetermination"] for a in answers]
    won = [p for p in payloads if not p["errors"]]
    lost = [p for p in payloads if p["errors"]]
    assert len(won) == 1 and won[0]["authorizationRequest"]["status"] == "APPROVED"
    assert len(lost) == 1 and lost[0]["errors"][0]["code"] in ("ILLEGAL_TRANSITION", "CONFLICT")
    final = (
        await app_client.data(REFERRAL, {"id": gid("Referral", referral.id)}, as_=world.caseworker)
    )["referral"]
    assert sorted(r["status"] for r in final["authorizationRequests"]) == [
        "APPROVED",
        "NOT_SELECTED",
    ]
    assert Decimal(won[0]["authorizationRequest"]["lines"][0]["approvedQuantity"]) == 6
