"""referralChanged over graphql-transport-ws on a real server: a provider hears about the
referrals addressed to it, and only those."""

from __future__ import annotations

import asyncio
import json
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
import websockets
from strawberry.relay import to_base64

from adapters.tokens import mint_token
from domain.cases import benefits
from domain.cases import service as cases
from domain.cases.lifecycle import CaseType
from domain.cases.models import DeliveryMode
from domain.cases.rules import BenefitAssignmentData, CaseData
from tests.conftest import NOW
from tests.world import build_world

SUBSCRIBE = (
    "subscription { referralChanged { event status referral { number recipients { status } } } }"
)
REFER = """
mutation($input: CreateReferralInput!) {
  createReferral(input: $input) { referral { number recipients { id } } errors { code } }
}"""


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


async def _subscribe(url: str, token: str) -> websockets.ClientConnection:
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    )
    assert json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
    return ws


async def _next(ws: websockets.ClientConnection) -> dict:
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next", message
    return message["payload"]["data"]["referralChanged"]


async def test_providers_hear_only_of_referrals_addressed_to_them(
    live_server,
    world,
    uow_factory,
    settings,
    clock,
):
    async with uow_factory() as uow:
        case = await cases.create_case(
            uow=uow, actor=world.caseworker, data=CaseData(CaseType.INTEGRATED, world.steve)
        )
    async with uow_factory() as uow:
        assignment = await benefits.assign_benefit(
            uow=uow,
            actor=world.caseworker,
            case_id=case.id,
            data=BenefitAssignmentData(
                world.steve,
                world.grief,
                Decimal(10),
                date(2026, 1, 20),
                date(2026, 6, 30),
                DeliveryMode.SERVICE,
            ),
        )
    token = lambda p: mint_token(settings, p, clock.now())  # noqa: E731
    http_url = live_server.replace("ws://", "http://")
    grace_ws = await _subscribe(live_server, token(world.staff[0]))
    hal_ws = await _subscribe(live_server, token(world.staff[1]))
    try:
        async with httpx.AsyncClient() as http:
            numbers = []
            for providers in ([world.providers[0]], [world.providers[1]]):
                response = await http.post(
                    http_url,
                    json={
                        "query": REFER,
                        "variables": {
                            "input": {
                                "benefitAssignmentId": to_base64(
                                    "BenefitAssignment", str(assignment.id)
                                ),
                                "providerIds": [to_base64("Provider", str(p)) for p in providers],
                                "reason": "Grief counselling",
                                "consentGiven": True,
                                "respondBy": (NOW + timedelta(days=3)).isoformat(),
                            }
                        },
                    },
                    headers={"Authorization": f"Bearer {token(world.caseworker)}"},
                )
                numbers.append(response.json()["data"]["createReferral"]["referral"]["number"])
        to_grace = await _next(grace_ws)
        to_hal = await _next(hal_ws)
    finally:
        await grace_ws.close()
        await hal_ws.close()
    assert to_grace["event"] == "referral.created" and to_grace["referral"]["number"] == numbers[0]
    assert to_grace["referral"]["recipients"] == [{"status": "PENDING"}]
    # Hal's first message is the second referral: he never heard of the first.
    assert to_hal["referral"]["number"] == numbers[1]
