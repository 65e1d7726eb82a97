"""/graphql over graphql-transport-ws on a real server: the token goes in connection_init."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from adapters.tokens import mint_token
from domain.identity.models import OrganizationKind, Role


async def _init(ws: websockets.ClientConnection, payload: dict | None) -> dict:
    await ws.send(json.dumps({"type": "connection_init", "payload": payload or {}}))
    return json.loads(await asyncio.wait_for(ws.recv(), 5))


async def test_socket_without_token_is_refused(live_server):
    async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await _init(ws, None)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_socket_with_token_runs_operations(live_server, orgs, settings, clock):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    token = mint_token(settings, connor, clock.now())
    async with websockets.connect(live_server, subprotocols=["graphql-transport-ws"]) as ws:
        assert (await _init(ws, {"Authorization": f"Bearer {token}"}))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": "{ me { roles organization { name } } }"},
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert message["type"] == "next"
    assert message["payload"]["data"] == {
        "me": {"roles": ["CASEWORKER"], "organization": {"name": "City of Cosville"}}
    }
