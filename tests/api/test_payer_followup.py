"""After the payer decides (seed 004 step 7), over HTTP: the approval reference goes on to a
claim within the approved units; a denial is appealed and overturned; another is discussed
peer to peer and upheld; approvals expire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.authorizations import after_decision
from tests.api.test_payer_authorization import CREATE, GET, draft_input, mutate, wait_for_status
from tests.office import build_office

SUBMIT = "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }"
DECIDE = "mutation($input: RecordDeterminationInput!) { recordDetermination(input: $input) { authorizationRequest { status } errors { code field message } } }"
CLAIM = "mutation($input: SubmitClaimReferenceInput!) { submitClaimReference(input: $input) { authorizationRequest { lines { usedQuantity } claimReferences { claimId unitsUsed } } errors { code field message } } }"
APPEAL = "mutation($input: AppealDeterminationInput!) { appealDetermination(input: $input) { appeal { id status dueAt } errors { code field } } }"
APPEAL_OUTCOME = "mutation($input: RecordAppealOutcomeInput!) { recordAppealOutcome(input: $input) { authorizationRequest { status lines { reviewActionCode } appeals { status } } errors { code field message } } }"
P2P = "mutation($input: RequestPeerToPeerInput!) { requestPeerToPeer(input: $input) { peerToPeer { id status dueAt } errors { code field } } }"
P2P_OUTCOME = "mutation($input: RecordPeerToPeerOutcomeInput!) { recordPeerToPeerOutcome(input: $input) { peerToPeer { status outcome } errors { code field } } }"


@pytest.fixture
async def office(orgs, uow_factory):
    return await build_office(orgs, uow_factory)


async def decided(app_client, office, answers):
    """A submitted request whose lines the payer answered as `answers` (review actions)."""
    olive = office["olive"]
    made = (
        await mutate(app_client, CREATE, draft_input(office), olive, "createAuthorizationRequest")
    )["authorizationRequest"]
    await mutate(app_client, SUBMIT, {"id": made["id"]}, olive, "submitAuthorizationRequest")
    found = await wait_for_status(app_client, made["id"], olive, "SUBMITTED")
    lines = [line["id"] for line in found["lines"]]
    given = [
        {"lineId": line, "reviewAction": action}
        | (
            {"reasonCodes": ["0U"]}
            if action == "NOT_CERTIFIED"
            else {"authorizationNumber": f"CHP-{i}"}
        )
        for i, (line, action) in enumerate(zip(lines, answers, strict=True))
    ]
    await mutate(
        app_client, DECIDE, {"requestId": made["id"], "lines": given}, olive, "recordDetermination"
    )
    return made["id"], lines


async def test_claim_within_units_then_denied_line_appealed_and_overturned(app_client, office):
    olive = office["olive"]
    request_id, lines = await decided(app_client, office, ["CERTIFIED", "NOT_CERTIFIED"])

    used = await mutate(
        app_client,
        CLAIM,
        {
            "requestId": request_id,
            "claimId": "CLM-1",
            "lines": [{"lineId": lines[0], "unitsUsed": "1", "serviceDate": "2026-01-25"}],
        },
        olive,
        "submitClaimReference",
    )
    assert used["authorizationRequest"]["lines"][0]["usedQuantity"] == "1.00"

    over = (
        await app_client.data(
            CLAIM,
            {
                "input": {
                    "requestId": request_id,
                    "claimId": "CLM-2",
                    "lines": [{"lineId": lines[0], "unitsUsed": "1", "serviceDate": "2026-01-26"}],
                }
            },
            as_=olive,
        )
    )["submitClaimReference"]
    assert [(e["code"], e["field"]) for e in over["errors"]] == [
        ("UNITS_EXCEEDED", "lines.0.unitsUsed")
    ]
    denied_line = (
        await app_client.data(
            CLAIM,
            {
                "input": {
                    "requestId": request_id,
                    "claimId": "CLM-3",
                    "lines": [{"lineId": lines[1], "unitsUsed": "1", "serviceDate": "2026-01-26"}],
                }
            },
            as_=olive,
        )
    )["submitClaimReference"]
    assert [e["code"] for e in denied_line["errors"]] == ["NOT_AUTHORIZED"]
    outside = (
        await app_client.data(
            CLAIM,
            {
                "input": {
                    "requestId": request_id,
                    "claimId": "CLM-4",
                    "lines": [
                        {"lineId": lines[0], "unitsUsed": "0.5", "serviceDate": "2026-03-01"}
                    ],
                }
            },
            as_=olive,
        )
    )["submitClaimReference"]
    assert [e["code"] for e in outside["errors"]] == ["AUTHORIZATION_EXPIRED"]

    appeal = (
        await mutate(
            app_client,
            APPEAL,
            {
                "requestId": request_id,
                "reason": "PT notes show 6 weeks of failed care",
                "expedited": True,
            },
            olive,
            "appealDetermination",
        )
    )["appeal"]
    assert appeal["status"] == "OPEN" and appeal["dueAt"] == "2026-01-18T15:00:00+00:00"
    overturned = await mutate(
        app_client,
        APPEAL_OUTCOME,
        {
            "appealId": appeal["id"],
            "outcome": "OVERTURNED",
            "lines": [
                {
                    "lineId": lines[1],
                    "reviewAction": "CERTIFIED",
                    "authorizationNumber": "CHP-APPEAL-1",
                }
            ],
        },
        olive,
        "recordAppealOutcome",
    )
    request = overturned["authorizationRequest"]
    assert request["status"] == "APPROVED" and request["appeals"] == [{"status": "OVERTURNED"}]
    assert [line["reviewActionCode"] for line in request["lines"]] == ["A1", "A1"]
    history = (await app_client.data(GET, {"id": request_id}, as_=olive))["authorizationRequest"][
        "statusHistory"
    ]
    assert [h["toStatus"] for h in history][-3:] == ["PARTIALLY_APPROVED", "APPEALED", "APPROVED"]


async def test_denied_then_peer_to_peer_upheld(app_client, office):
    olive = office["olive"]
    request_id, _ = await decided(app_client, office, ["NOT_CERTIFIED", "NOT_CERTIFIED"])
    when = (app_client.clock.now() + timedelta(days=1)).isoformat()
    asked = (
        await mutate(
            app_client,
            P2P,
            {
                "requestId": request_id,
                "proposedTimes": [when],
                "contactName": "Dr. Ana Reyes",
                "contactPhone": "+1-215-555-0142",
            },
            olive,
            "requestPeerToPeer",
        )
    )["peerToPeer"]
    assert asked["status"] == "REQUESTED" and asked["dueAt"] == "2026-01-18T15:00:00+00:00"
    done = await mutate(
        app_client,
        P2P_OUTCOME,
        {
            "peerToPeerId": asked["id"],
            "outcome": "UPHELD",
            "heldAt": when,
            "notes": "Reviewer stood by the denial",
        },
        olive,
        "recordPeerToPeerOutcome",
    )
    assert done["peerToPeer"] == {"status": "COMPLETED", "outcome": "UPHELD"}
    still = (await app_client.data(GET, {"id": request_id}, as_=olive))["authorizationRequest"]
    assert still["status"] == "DENIED"
    past = (
        await app_client.data(
            P2P,
            {
                "input": {
                    "requestId": request_id,
                    "proposedTimes": ["2020-01-01T10:00:00Z"],
                    "contactName": "x",
                    "contactPhone": "1",
                }
            },
            as_=olive,
        )
    )["requestPeerToPeer"]
    assert [(e["code"], e["field"]) for e in past["errors"]] == [("INVALID", "proposedTimes.0")]


async def test_approvals_expire_after_their_period(app_client, office):
    request_id, _ = await decided(app_client, office, ["CERTIFIED", "CERTIFIED"])
    factory = app_client.app.state.database.uow_factory("t")
    app_client.clock.advance(timedelta(days=60))
    async with factory() as uow:
        assert await after_decision.expire_authorizations(uow=uow) == 0  # line 2 runs to 2026-04-20
    app_client.clock.advance(timedelta(days=40))
    async with factory() as uow:
        assert await after_decision.expire_authorizations(uow=uow) == 1
    expired = (await app_client.data(GET, {"id": request_id}, as_=office["olive"]))[
        "authorizationRequest"
    ]
    assert expired["status"] == "EXPIRED"
    claim = (
        await app_client.data(
            CLAIM,
            {
                "input": {
                    "requestId": request_id,
                    "claimId": "CLM-9",
                    "lines": [
                        {
                            "lineId": expired["lines"][0]["id"],
                            "unitsUsed": "1",
                            "serviceDate": "2026-02-01",
                        }
                    ],
                }
            },
            as_=office["olive"],
        )
    )["submitClaimReference"]
    assert [e["code"] for e in claim["errors"]] == ["AUTHORIZATION_EXPIRED"]
