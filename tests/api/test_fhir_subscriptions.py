"""`/fhir/Subscription` over real HTTP: the app under uvicorn with its embedded dispatcher, an
EHR partner with a PARTNER token subscribing with the PAS example Subscription, the
coordinator deciding over GraphQL, and the partner's endpoint (another uvicorn) receiving the
handshake and the numbered notifications. Bad input answers an OperationOutcome and writes
nothing; a partner sees only its organisation's subscriptions."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from adapters.fhir.backport import FILTER_CRITERIA, PAS_TOPIC
from adapters.tokens import mint_token
from domain.partners.models import OutboxMessage, PartnerSubscription
from server import create_app
from tests.adapters.ehr_support import pas_example, serving
from tests.adapters.subscription_support import NORTHSIDE_NPI, Receiver, build_world
from tests.api.conftest import GraphQLClient
from tests.api.test_payer_authorization import CREATE, draft_input, mutate, wait_for_status

SUBMIT = "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }"
DECIDE = "mutation($input: RecordDeterminationInput!) { recordDetermination(input: $input) { authorizationRequest { status } errors { code field message } } }"
FHIR = "application/fhir+json"
FHIR_XML = "application/fhir+xml"


def pas_subscription(endpoint: str, criteria: str | None = None) -> dict:
    """The PAS IG's example Subscription, pointed at `endpoint`, filtered by our NPI."""
    body = copy.deepcopy(pas_example("Subscription-PASSubscriptionExample.json"))
    body.pop("id")
    body["channel"]["endpoint"] = endpoint
    body["channel"]["header"] = ["Authorization: Bearer for-the-hook"]
    body["_criteria"]["extension"][0]["valueString"] = criteria or f"orgIdentifier={NORTHSIDE_NPI}"
    return body


@pytest.fixture
async def served(engine, settings, clock, orgs, uow_factory):
    world = await build_world(orgs, uow_factory)
    app = create_app(settings.model_copy(update={"outbox_scan_seconds": 0.05}), clock=clock)
    async with serving(app) as root, httpx.AsyncClient(base_url=root) as http:
        yield world, http, GraphQLClient(http=http, settings=settings, clock=clock, app=app)


def auth(client: GraphQLClient, principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(client.settings, principal, client.clock.now())}"}


async def post(http, client, principal, body, content_type=FHIR):
    content = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = auth(client, principal) | {"Content-Type": content_type}
    return await http.post("/fhir/Subscription", content=content, headers=headers)


async def status_becomes(http, client, principal, subscription_id, wanted, rounds=200):
    """Whether the subscription reaches `wanted` (the dispatcher commits after the POST)."""
    for _ in range(rounds):
        read = await http.get(
            f"/fhir/Subscription/{subscription_id}", headers=auth(client, principal)
        )
        if read.json()["status"] == wanted:
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_partner_subscribes_and_is_told_of_the_coordinators_determinations(served):
    world, http, client = served
    receiver = Receiver()
    async with serving(receiver.app()) as hook_root:
        made = await post(http, client, world["ehr"], pas_subscription(f"{hook_root}/hook"))
        assert made.status_code == 201, made.text
        created = made.json()
        assert made.headers["location"].endswith(f"/fhir/Subscription/{created['id']}")
        assert created["status"] == "requested"
        assert created["channel"]["header"] == ["Authorization: [hidden]"]
        (handshake,) = await receiver.wait_for(1, "handshake")
        assert handshake.headers["authorization"] == "Bearer for-the-hook"
        assert await status_becomes(http, client, world["ehr"], created["id"], "active")

        olive = world["olive"]
        draft = draft_input(world)
        draft["lines"] = draft["lines"][:1]
        request = (await mutate(client, CREATE, draft, olive, "createAuthorizationRequest"))[
            "authorizationRequest"
        ]
        await mutate(client, SUBMIT, {"id": request["id"]}, olive, "submitAuthorizationRequest")
        line = (await wait_for_status(client, request["id"], olive, "SUBMITTED"))["lines"][0]["id"]
        for action, extra in (("PENDED", {}), ("CERTIFIED", {"authorizationNumber": "CHP-42"})):
            decision = {"lineId": line, "reviewAction": action} | extra
            await mutate(
                client, DECIDE, {"requestId": request["id"], "lines": [decision]}, olive,
                "recordDetermination",
            )  # fmt: skip
            await receiver.wait_for(1 if action == "PENDED" else 2)

    first, second = receiver.delivered()
    assert [first.event_number, second.event_number] == [1, 2]
    assert second.status["subscription"]["reference"] == f"Subscription/{created['id']}"
    claim_response = second.body["entry"][1]["resource"]["entry"][0]["resource"]
    review = claim_response["item"][0]["adjudication"][0]["extension"][0]["extension"]
    assert {"url": "number", "valueString": "CHP-42"} in review
    status = await http.get(
        f"/fhir/Subscription/{created['id']}/$status", headers=auth(client, world["ehr"])
    )
    parameters = {p["name"]: p for p in status.json()["entry"][0]["resource"]["parameter"]}
    assert parameters["type"]["valueCode"] == "query-status"
    assert parameters["events-since-subscription-start"]["valueString"] == "2"
    assert parameters["topic"]["valueCanonical"] == PAS_TOPIC
    active = await http.get("/fhir/Subscription?status=active", headers=auth(client, world["ehr"]))
    assert [e["resource"]["id"] for e in active.json()["entry"]] == [created["id"]]


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"criteria": "http://example.org/SubscriptionTopic/other"}, 422, "Subscription.criteria"),
        ({"criteria_filter": "identifier=1234567893"}, 422, "backport-filter-criteria"),
        ({"criteria_filter": "orgIdentifier"}, 422, "backport-filter-criteria"),
        ({"channel__type": "websocket"}, 422, "Subscription.channel.type"),
        ({"channel__endpoint": "ftp://hooks.example/in"}, 422, "endpoint"),
        ({"channel___payload": {"extension": [{"url": "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content", "valueCode": "id-only"}]}}, 422, "Subscription.channel.payload"),
        ({"channel__header": ["no colon here"]}, 422, "Subscription.channel.header"),
        ({"channel": "rest-hook"}, 400, None),
        ({"resourceType": "Patient"}, 400, None),
        ({"body": b"{not json"}, 400, None),
        ({"content_type": "text/plain"}, 415, None),
    ],
)  # fmt: skip
async def test_bad_subscriptions_get_one_operation_outcome_and_write_nothing(
    served, uow_factory, change, status, where
):
    world, http, client = served
    body: Any = pas_subscription("https://hooks.example/in")
    content_type = change.pop("content_type", FHIR)
    if "body" in change:
        body = change.pop("body")
    if "criteria_filter" in change:
        body["_criteria"]["extension"] = [
            {"url": FILTER_CRITERIA, "valueString": change.pop("criteria_filter")}
        ]
    for path, value in change.items():
        *parents, leaf = path.split("__")
        target = body
        for parent in parents:
            target = target[parent]
        target[leaf] = value
    answered = await post(http, client, world["ehr"], body, content_type)
    assert answered.status_code == status, answered.text
    outcome = answered.json()
    assert outcome["resourceType"] == "OperationOutcome" and len(outcome["issue"]) == 1
    if where:
        assert where in outcome["issue"][0]["expression"][0]
    async with uow_factory() as uow:
        for model in (PartnerSubscription, OutboxMessage):
            assert await uow.session.scalar(select(func.count()).select_from(model)) == 0


async def test_org_identifier_is_taken_as_well_as_orgidentifier(served):
    world, http, client = served
    body = pas_subscription(
        "https://hooks.example/in", f"org-identifier={NORTHSIDE_NPI},1245319599"
    )
    made = await post(http, client, world["ehr"], body)
    assert made.status_code == 201, made.text
    criteria = made.json()["_criteria"]["extension"][0]["valueString"]
    assert criteria == f"orgIdentifier={NORTHSIDE_NPI},1245319599"


async def test_a_partner_sees_and_deletes_only_its_organisations_subscriptions(served):
    world, http, client = served
    mine = (
        await post(http, client, world["ehr"], pas_subscription("https://hooks.example/in"))
    ).json()
    url = f"/fhir/Subscription/{mine['id']}"
    for method in ("GET", "DELETE"):
        other = await http.request(method, url, headers=auth(client, world["other_ehr"]))
        assert other.status_code == 404 and other.json()["issue"][0]["code"] == "not-found"
    listed = await http.get("/fhir/Subscription", headers=auth(client, world["other_ehr"]))
    assert listed.json()["total"] == 0
    assert (await http.get(url)).status_code == 401
    staff = await http.get(url, headers=auth(client, world["olive"]))
    assert staff.status_code == 403  # people use GraphQL; subscriptions are for partners' systems
    again = await post(http, client, world["ehr"], pas_subscription("https://hooks.example/in"))
    assert again.status_code == 409 and again.json()["issue"][0]["code"] == "duplicate"
    off = await http.delete(url, headers=auth(client, world["ehr"]))
    assert off.status_code == 200 and off.json()["status"] == "off"
    found = await http.get("/fhir/Subscription?status=off", headers=auth(client, world["ehr"]))
    assert [e["resource"]["id"] for e in found.json()["entry"]] == [mine["id"]]
    renewed = await post(http, client, world["ehr"], pas_subscription("https://hooks.example/in"))
    assert renewed.status_code == 201  # a new one once the old is off


async def test_the_subscriber_updates_its_subscription_keeping_its_hidden_headers(served):
    world, http, client = served
    first, moved = Receiver(), Receiver()
    async with serving(first.app()) as first_root, serving(moved.app()) as moved_root:
        made = (
            await post(http, client, world["ehr"], pas_subscription(f"{first_root}/hook"))
        ).json()
        await first.wait_for(1, "handshake")
        url = f"/fhir/Subscription/{made['id']}"
        read = (await http.get(url, headers=auth(client, world["ehr"]))).json()
        read["channel"]["endpoint"] = f"{moved_root}/hook"
        body = orjson.dumps(read)
        headers = {"Content-Type": FHIR}
        other = await http.put(
            url, content=body, headers=auth(client, world["other_ehr"]) | headers
        )
        assert other.status_code == 404
        updated = await http.put(url, content=body, headers=auth(client, world["ehr"]) | headers)
        assert updated.status_code == 200 and updated.json()["status"] == "requested"
        (handshake,) = await moved.wait_for(1, "handshake")
        assert handshake.headers["authorization"] == "Bearer for-the-hook"
        read["status"] = "off"
        off = await http.put(
            url, content=orjson.dumps(read), headers=auth(client, world["ehr"]) | headers
        )
        assert off.json()["status"] == "off"


async def test_a_subscription_in_fhir_xml_is_taken_and_answered_in_xml(served):
    from fhir.resources.R4B.subscription import Subscription

    world, http, client = served
    body = Subscription.model_validate(pas_subscription("https://hooks.example/in"))
    made = await post(http, client, world["ehr"], bytes(body.model_dump_xml()), FHIR_XML)
    assert made.status_code == 201, made.text
    assert made.headers["content-type"].startswith(FHIR_XML)
    taken = Subscription.model_validate_xml(made.content)
    assert taken.channel.endpoint == "https://hooks.example/in" and taken.id
    read = await http.get(
        f"/fhir/Subscription/{taken.id}?_format=json", headers=auth(client, world["ehr"])
    )
    assert read.json()["channel"]["endpoint"] == "https://hooks.example/in"
