"""The authorization coordinator's flow with a MANUAL payer (seed 004), through GraphQL over
HTTP: draft, documents, submit through the outbox, pended, information requested and given,
partially approved; the worklist; scoping."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

import pytest
from strawberry.relay import to_base64

from domain.identity.models import OrganizationKind
from tests.office import build_office

FIELDS = """id number status priority decisionDueAt payerReference overdue allowedActions
  diagnoses { code } lines { id sequence serviceCode reviewActionCode approvedQuantity authorizationNumber }
  attachments { title sha256 sizeBytes } informationRequests { id status requested response }
  exchanges { operation outcome } statusHistory { toStatus }"""
CREATE = f"mutation($input: CreateAuthorizationRequestInput!) {{ createAuthorizationRequest(input: $input) {{ authorizationRequest {{ {FIELDS} }} errors {{ code field message }} }} }}"
GET = f"query($id: ID!) {{ authorizationRequest(id: $id) {{ {FIELDS} }} }}"


def gid(kind, key):
    return to_base64(kind, str(key))


@pytest.fixture
async def office(orgs, uow_factory):
    return await build_office(orgs, uow_factory)


async def mutate(app_client, query, input, actor, name):
    payload = (await app_client.data(query, {"input": input}, as_=actor))[name]
    assert payload["errors"] == [], payload["errors"]
    return payload


async def wait_for(app_client, request_id, actor, done):
    """The outbox dispatcher runs in the app: wait (bounded) until it has handled the row."""
    for _ in range(200):
        found = (await app_client.data(GET, {"id": request_id}, as_=actor))["authorizationRequest"]
        if done(found):
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached: {found['status']}, {found['exchanges']}")


async def wait_for_status(app_client, request_id, actor, status):
    return await wait_for(app_client, request_id, actor, lambda r: r["status"] == status)


def draft_input(office):
    return {
        "patientId": gid("Person", office["maria"]),
        "payerId": gid("Organization", office["payer"]),
        "coverageId": str(office["coverage"]),
        "priority": "STANDARD",
        "category": "OUTPATIENT_SERVICE",
        "diagnoses": [{"code": "m5416", "display": "Radiculopathy, lumbar region"}],
        "lines": [
            {
                "codeSystem": "CPT",
                "serviceCode": "72148",
                "quantity": "1",
                "placeOfService": "22",
                "requestedStart": "2026-01-20",
                "requestedEnd": "2026-02-20",
            },
            {
                "codeSystem": "CPT",
                "serviceCode": "97110",
                "quantity": "12",
                "modifiers": ["GP"],
                "requestedStart": "2026-01-20",
                "requestedEnd": "2026-04-20",
            },
        ],
    }


async def test_a_manual_payer_request_from_draft_to_partial_approval(app_client, office):
    olive = office["olive"]
    draft = (
        await mutate(app_client, CREATE, draft_input(office), olive, "createAuthorizationRequest")
    )["authorizationRequest"]
    assert draft["status"] == "DRAFT" and draft["diagnoses"] == [{"code": "M54.16"}]
    assert draft["number"].startswith("AR-2026-")

    note = b"%PDF-1.4 synthetic clinical note"
    attached = await mutate(
        app_client,
        "mutation($input: AttachDocumentInput!) { attachDocument(input: $input) { attachment { sha256 sizeBytes } errors { code field } } }",
        {
            "requestId": draft["id"],
            "document": {
                "kind": "CLINICAL_NOTE",
                "title": "PT evaluation",
                "contentType": "application/pdf",
                "contentBase64": base64.b64encode(note).decode(),
            },
        },
        olive,
        "attachDocument",
    )
    assert attached["attachment"]["sizeBytes"] == len(note)

    await mutate(
        app_client,
        "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { authorizationRequest { status } errors { code } } }",
        {"id": draft["id"]},
        olive,
        "submitAuthorizationRequest",
    )
    submitted = await wait_for_status(app_client, draft["id"], olive, "SUBMITTED")
    assert submitted["exchanges"] == [{"operation": "SUBMIT", "outcome": "SUCCEEDED"}]
    assert submitted["decisionDueAt"] == "2026-01-22T15:00:00+00:00"  # 7 days, CMS-0057-F

    lines = {line["sequence"]: line["id"] for line in submitted["lines"]}
    app_client.clock.advance(timedelta(hours=2))
    decide = "mutation($input: RecordDeterminationInput!) { recordDetermination(input: $input) { authorizationRequest { status payerReference } errors { code field message } } }"
    pended = await mutate(
        app_client,
        decide,
        {
            "requestId": draft["id"],
            "payerReference": "CHP-PA-7781",
            "lines": [
                {"lineId": lines[1], "reviewAction": "PENDED"},
                {"lineId": lines[2], "reviewAction": "PENDED"},
            ],
        },
        olive,
        "recordDetermination",
    )
    assert pended["authorizationRequest"] == {"status": "PENDED", "payerReference": "CHP-PA-7781"}

    asked = await mutate(
        app_client,
        "mutation($input: RecordInformationRequestInput!) { recordInformationRequest(input: $input) { informationRequest { id status } errors { code field } } }",
        {
            "requestId": draft["id"],
            "requested": "Physical therapy notes from the last 6 weeks",
            "dueAt": "2026-01-19T17:00:00Z",
        },
        olive,
        "recordInformationRequest",
    )
    info_id = asked["informationRequest"]["id"]
    provided = await mutate(
        app_client,
        "mutation($input: ProvideAdditionalInformationInput!) { provideAdditionalInformation(input: $input) { authorizationRequest { status informationRequests { status response } attachments { title } } errors { code field } } }",
        {
            "requestId": draft["id"],
            "informationRequestId": info_id,
            "response": "Notes attached",
            "documents": [
                {
                    "kind": "CLINICAL_NOTE",
                    "title": "PT notes",
                    "contentType": "text/plain",
                    "contentBase64": base64.b64encode(b"6 weeks of PT notes").decode(),
                }
            ],
        },
        olive,
        "provideAdditionalInformation",
    )
    request = provided["authorizationRequest"]
    assert request["status"] == "PENDED"
    assert request["informationRequests"] == [{"status": "ANSWERED", "response": "Notes attached"}]
    assert sorted(a["title"] for a in request["attachments"]) == ["PT evaluation", "PT notes"]

    partial = await mutate(
        app_client,
        decide,
        {
            "requestId": draft["id"],
            "lines": [
                {
                    "lineId": lines[1],
                    "reviewAction": "CERTIFIED",
                    "authorizationNumber": "CHP-AUTH-5501",
                },
                {
                    "lineId": lines[2],
                    "reviewAction": "NOT_CERTIFIED",
                    "reasonCodes": ["0U"],
                    "notes": "Not medically necessary yet",
                },
            ],
        },
        olive,
        "recordDetermination",
    )
    assert partial["authorizationRequest"]["status"] == "PARTIALLY_APPROVED"
    final = await wait_for(app_client, draft["id"], olive, lambda r: len(r["exchanges"]) == 2)
    assert [(x["reviewActionCode"], x["authorizationNumber"]) for x in final["lines"]] == [
        ("A1", "CHP-AUTH-5501"),
        ("A3", None),
    ]
    assert [h["toStatus"] for h in final["statusHistory"]] == [
        "DRAFT",
        "SUBMITTING",
        "SUBMITTED",
        "PENDED",
        "INFO_REQUESTED",
        "PENDED",
        "PARTIALLY_APPROVED",
    ]
    assert [e["operation"] for e in final["exchanges"]] == ["SUBMIT", "PROVIDE_INFO"]

    # Another clinic's coordinator sees nothing of it.
    assert (await app_client.data(GET, {"id": draft["id"]}, as_=office["stranger"]))[
        "authorizationRequest"
    ] is None


async def test_typed_errors_and_nothing_written_for_a_bad_draft(app_client, office):
    bad = draft_input(office) | {"diagnoses": [{"code": "not-a-code"}]}
    bad["lines"] = [{"codeSystem": "CPT", "serviceCode": "7", "quantity": "0"}]
    payload = (await app_client.data(CREATE, {"input": bad}, as_=office["olive"]))[
        "createAuthorizationRequest"
    ]
    assert payload["authorizationRequest"] is None
    assert {(e["code"], e["field"]) for e in payload["errors"]} == {
        ("INVALID", "diagnoses.0.code"),
        ("INVALID", "lines.0.serviceCode"),
        ("INVALID", "lines.0.quantity"),
    }
    listed = await app_client.data("{ authorizationRequests { totalCount } }", as_=office["olive"])
    assert listed["authorizationRequests"]["totalCount"] == 0


async def test_submitting_to_a_payer_without_a_trading_partner_is_a_typed_error(
    app_client, office, orgs
):
    lonely = await orgs.organization("Unconnected Plan", OrganizationKind.PAYER)
    draft = (
        await mutate(
            app_client,
            CREATE,
            draft_input(office) | {"payerId": gid("Organization", lonely), "coverageId": None},
            office["olive"],
            "createAuthorizationRequest",
        )
    )["authorizationRequest"]
    payload = (
        await app_client.data(
            "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { authorizationRequest { status } errors { code } } }",
            {"input": {"id": draft["id"]}},
            as_=office["olive"],
        )
    )["submitAuthorizationRequest"]
    assert payload["errors"] == [{"code": "NO_TRADING_PARTNER"}]
    again = (await app_client.data(GET, {"id": draft["id"]}, as_=office["olive"]))[
        "authorizationRequest"
    ]
    assert again["status"] == "DRAFT"


async def test_the_worklist_orders_by_decision_due_and_filters(app_client, office):
    olive = office["olive"]
    ids = []
    for priority in ("STANDARD", "EXPEDITED", "STANDARD"):
        made = (
            await mutate(
                app_client,
                CREATE,
                draft_input(office) | {"priority": priority},
                olive,
                "createAuthorizationRequest",
            )
        )["authorizationRequest"]
        await mutate(
            app_client,
            "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
            {"id": made["id"]},
            olive,
            "submitAuthorizationRequest",
        )
        ids.append(made["id"])
        app_client.clock.advance(timedelta(hours=1))
    listed = await app_client.data(
        "{ authorizationRequests { totalCount edges { node { id priority } } } }", as_=olive
    )
    assert [e["node"]["id"] for e in listed["authorizationRequests"]["edges"]] == [
        ids[1],
        ids[0],
        ids[2],
    ]
    expedited = await app_client.data(
        "{ authorizationRequests(filter: {priority: EXPEDITED}) { totalCount } }", as_=olive
    )
    assert expedited["authorizationRequests"]["totalCount"] == 1
    app_client.clock.advance(timedelta(days=4))
    overdue = await app_client.data(
        "{ authorizationRequests(filter: {overdue: true}) { edges { node { id overdue } } } }",
        as_=olive,
    )
    assert [e["node"] for e in overdue["authorizationRequests"]["edges"]] == [
        {"id": ids[1], "overdue": True}
    ]
    mine = await app_client.data(
        "{ authorizationRequests(filter: {assignedToMe: true}) { totalCount } }", as_=olive
    )
    assert mine["authorizationRequests"]["totalCount"] == 3


async def test_an_unsent_request_is_updated_and_a_sent_one_is_not(app_client, office):
    olive = office["olive"]
    draft = (
        await mutate(app_client, CREATE, draft_input(office), olive, "createAuthorizationRequest")
    )["authorizationRequest"]
    update = """mutation($input: UpdateAuthorizationRequestInput!) { updateAuthorizationRequest(input: $input) {
      authorizationRequest { priority diagnoses { code } lines { serviceCode } } errors { code field } } }"""
    changed = draft_input(office) | {
        "priority": "EXPEDITED",
        "diagnoses": [{"code": "M51.16"}],
        "lines": [{"codeSystem": "CPT", "serviceCode": "72158", "quantity": "1"}],
    }
    body = (
        await app_client.data(update, {"input": {"id": draft["id"], "request": changed}}, as_=olive)
    )["updateAuthorizationRequest"]
    assert body["errors"] == []
    assert body["authorizationRequest"] == {
        "priority": "EXPEDITED",
        "diagnoses": [{"code": "M51.16"}],
        "lines": [{"serviceCode": "72158"}],
    }

    await mutate(
        app_client,
        "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
        {"id": draft["id"]},
        olive,
        "submitAuthorizationRequest",
    )
    refused = (
        await app_client.data(update, {"input": {"id": draft["id"], "request": changed}}, as_=olive)
    )["updateAuthorizationRequest"]
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("ILLEGAL_TRANSITION", "id")]


async def test_trading_partners_and_the_exchange_log(app_client, office):
    olive = office["olive"]
    draft = (
        await mutate(app_client, CREATE, draft_input(office), olive, "createAuthorizationRequest")
    )["authorizationRequest"]
    await mutate(
        app_client,
        "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
        {"id": draft["id"]},
        olive,
        "submitAuthorizationRequest",
    )
    await wait_for_status(app_client, draft["id"], olive, "SUBMITTED")
    data = await app_client.data(
        "query($id: ID!) { tradingPartners { name protocol standardDays payer { name } } exchanges(requestId: $id) { operation outcome requestId } }",
        {"id": draft["id"]},
        as_=olive,
    )
    assert data["tradingPartners"] == [
        {
            "name": "Cosville Health Plan portal",
            "protocol": "MANUAL",
            "standardDays": 7,
            "payer": {"name": "Cosville Health Plan"},
        }
    ]
    assert data["exchanges"] == [
        {"operation": "SUBMIT", "outcome": "SUCCEEDED", "requestId": draft["id"]}
    ]
    hidden = await app_client.data("{ exchanges { operation } }", as_=office["stranger"])
    assert hidden["exchanges"] == []


async def _pages(app_client, olive, order: str, first: int) -> list[dict]:
    query = """query($after: String, $first: Int!, $order: WorklistOrder!) {
      authorizationRequests(first: $first, after: $after, orderBy: $order) {
        pageInfo { hasNextPage endCursor }
        edges { node { id status lines { serviceCode } diagnoses { code } } } } }"""
    nodes: list[dict] = []
    after = None
    while True:
        page = (
            await app_client.data(
                query, {"after": after, "first": first, "order": order}, as_=olive
            )
        )["authorizationRequests"]
        nodes += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def test_the_worklist_pages_through_dated_then_undated_requests_in_both_orders(
    app_client, office
):
    olive = office["olive"]
    made = []
    for index in range(5):
        draft = (
            await mutate(
                app_client, CREATE, draft_input(office), olive, "createAuthorizationRequest"
            )
        )["authorizationRequest"]
        if index % 2 == 0:
            await mutate(
                app_client,
                "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
                {"id": draft["id"]},
                olive,
                "submitAuthorizationRequest",
            )
        made.append(draft["id"])
        app_client.clock.advance(timedelta(hours=1))
    everything = await _pages(app_client, olive, "DECISION_DUE", 10)
    submitted = [made[0], made[2], made[4]]  # due in the order they were submitted
    assert [n["id"] for n in everything[:3]] == submitted
    assert {n["status"] for n in everything[3:]} == {"DRAFT"}
    for first in (1, 2):  # the outbox may move SUBMITTING on meanwhile: compare the ids
        paged = await _pages(app_client, olive, "DECISION_DUE", first)
        assert [n["id"] for n in paged] == [n["id"] for n in everything]
    newest = await _pages(app_client, olive, "NEWEST", 2)
    assert [n["id"] for n in newest] == made[::-1]
    assert all(n["lines"] and n["diagnoses"] for n in newest)
