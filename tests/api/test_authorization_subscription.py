"""authorizationRequestChanged over graphql-transport-ws on a real server: every transition of
a request, in order, as the coordinator works it."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from adapters.tokens import mint_token
from tests.api.test_payer_authorization import CREATE, draft_input
from tests.office import build_office

SUBSCRIBE = """subscription($id: ID!) { authorizationRequestChanged(id: $id) {
  event status authorizationRequest { number status } } }"""


@pytest.fixture
async def office(orgs, uow_factory):
    return await build_office(orgs, uow_factory)


async def test_a_subscriber_hears_every_transition_in_order(live_server, office, settings, clock):
    token = mint_token(settings, office["olive"], clock.now())
    headers = {"Authorization": f"Bearer {token}"}
    http_url = live_server.replace("ws://", "http://")
    async with httpx.AsyncClient(headers=headers) as http:

        async def call(query, variables):
            body = (await http.post(http_url, json={"query": query, "variables": variables})).json()
            assert "errors" not in body, body
            return body["data"]

        made = await call(CREATE, {"input": draft_input(office)})
        request = made["createAuthorizationRequest"]["authorizationRequest"]
        async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": headers}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": SUBSCRIBE, "variables": {"id": request["id"]}},
                    }
                )
            )
            await asyncio.sleep(0.3)  # the protocol has no ack: let the subscription register
            await call(
                "mutation($input: SubmitAuthorizationRequestInput!) { submitAuthorizationRequest(input: $input) { errors { code } } }",
                {"input": {"id": request["id"]}},
            )
            heard = []
            while len(heard) < 2:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert message["type"] == "next", message
                heard.append(message["payload"]["data"]["authorizationRequestChanged"])
            lines = (
                await call(
                    "query($id: ID!) { authorizationRequest(id: $id) { lines { id } } }",
                    {"id": request["id"]},
                )
            )["authorizationRequest"]["lines"]
            await call(
                "mutation($input: RecordDeterminationInput!) { recordDetermination(input: $input) { errors { code } } }",
                {
                    "input": {
                        "requestId": request["id"],
                        "lines": [
                            {"lineId": line["id"], "reviewAction": "CERTIFIED"} for line in lines
                        ],
                    }
                },
            )
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            heard.append(message["payload"]["data"]["authorizationRequestChanged"])
    assert [h["status"] for h in heard] == ["SUBMITTING", "SUBMITTED", "APPROVED"]
    assert heard[-1]["authorizationRequest"] == {"number": request["number"], "status": "APPROVED"}
