"""Pushed PAS decisions over real HTTP: the simulated payer, configured with our callback, pushes
a rest-hook notification when it decides; the API applies it and cancels the pending poll. A
duplicate, an older answer arriving after a newer one, a wrong token, an unknown request and a
body that is not a notification change nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationDetermination, AuthorizationRequest
from domain.partners.models import Exchange
from domain.partners.pushes import OPTION_PUSH_TOKEN, push_token_digest
from server import create_app
from tests.adapters.ehr_support import serving
from tests.followup_support import (
    PENDED_CODE,
    eventually,
    point_partner_at,
    statuses,
    submit_requests,
)
from tests.office import build_office

TOKEN = "payer-push-token-0123456789"


@pytest.fixture
async def pushing(orgs, uow_factory, settings, clock):
    """The API under uvicorn (dispatching its outbox), and a payer that pends every request
    and pushes its decisions to the API."""
    office = await build_office(orgs, uow_factory)
    app = create_app(settings.model_copy(update={"outbox_scan_seconds": 0.2}), clock=clock)
    async with serving(app) as api:
        simulator = PasPayerSimulator({PENDED_CODE: PayerRule(RuleKind.PEND_THEN_APPROVE)})
        async with serving(simulator.app()) as payer_root:
            partner_id = await point_partner_at(
                uow_factory, f"{payer_root}/fhir", **{OPTION_PUSH_TOKEN: push_token_digest(TOKEN)}
            )
            simulator.callback_url = f"{api}/partners/{partner_id}/pas/notifications"
            simulator.callback_token = TOKEN
            yield office, simulator, api, partner_id


async def pended_requests(office, uow_factory, count):
    ids = await submit_requests(office, uow_factory, count)

    async def all_pended() -> bool:
        return set((await statuses(uow_factory, ids)).values()) == {AuthorizationStatus.PENDED}

    await eventually(all_pended)
    return ids


async def request_row(uow_factory, request_id) -> AuthorizationRequest:
    async with uow_factory() as uow:
        return await uow.session.get(AuthorizationRequest, request_id)


async def determinations(uow_factory) -> int:
    async with uow_factory() as uow:
        return await uow.session.scalar(select(func.count(AuthorizationDetermination.id)))


async def test_a_pushed_decision_applies_once_and_cancels_the_poll(pushing, uow_factory):
    office, simulator, _api, _partner = pushing
    [request_id] = await pended_requests(office, uow_factory, 1)
    assert (await request_row(uow_factory, request_id)).next_poll_at is not None
    assert await simulator.decide_pended() == 1
    assert simulator.push_statuses == [200]
    request = await request_row(uow_factory, request_id)
    assert request.status is AuthorizationStatus.APPROVED and request.next_poll_at is None
    decided = await determinations(uow_factory)
    # The same notification again (a payer retrying): acknowledged, nothing changes.
    assert await simulator.send(simulator.notifications[-1]) == 200
    assert await determinations(uow_factory) == decided
    again = await request_row(uow_factory, request_id)
    assert again.status is AuthorizationStatus.APPROVED and again.version == request.version
    async with uow_factory() as uow:
        details = (
            await uow.session.scalars(
                select(Exchange.detail)
                .where(Exchange.direction == "INBOUND")
                .order_by(Exchange.started_at)
            )
        ).all()
    assert sorted(details) == ["DECIDED APPLIED", "DECIDED NOT_WAITING"]


async def test_an_older_answer_after_a_newer_one_changes_nothing(pushing, uow_factory):
    office, simulator, _api, _partner = pushing
    [request_id] = await pended_requests(office, uow_factory, 1)
    [key] = simulator.claims
    made = simulator.claims[key].answered_at
    # Two status updates re-issued after the first answer (and before the decision below).
    older = simulator.notification(key, made + timedelta(microseconds=1))  # still pended
    newer = simulator.notification(key, made + timedelta(microseconds=2))  # still pended
    assert await simulator.send(newer) == 200
    applied = await request_row(uow_factory, request_id)
    # A pushing partner's poll is only a safety net now, a full interval away.
    assert applied.status is AuthorizationStatus.PENDED
    assert applied.partner_answered_at == made + timedelta(microseconds=2)
    assert applied.next_poll_at == applied.updated_at + timedelta(hours=1)  # the safety net
    assert await simulator.send(older) == 200
    after = await request_row(uow_factory, request_id)
    assert after.partner_answered_at == applied.partner_answered_at
    assert after.next_poll_at == applied.next_poll_at and after.version == applied.version
    # The decision, then the old pended answer once more: the request stays decided.
    assert await simulator.decide_pended() == 1
    assert await simulator.send(older) == 200
    assert (await request_row(uow_factory, request_id)).status is AuthorizationStatus.APPROVED


async def test_pushes_are_refused_without_the_partners_token_or_a_request(pushing, uow_factory):
    office, simulator, api, partner_id = pushing
    await pended_requests(office, uow_factory, 1)
    [key] = simulator.claims
    body = simulator.notification(key)
    url = f"{api}/partners/{partner_id}/pas/notifications"
    async with httpx.AsyncClient() as http:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            refused = await http.post(url, content=body, headers=headers)
            assert refused.status_code == 401
            assert refused.json()["resourceType"] == "OperationOutcome"
        auth = {"Authorization": f"Bearer {TOKEN}"}
        other = f"{api}/partners/00000000-0000-0000-0000-000000000000/pas/notifications"
        assert (await http.post(other, content=body, headers=auth)).status_code == 401
        assert (await http.post(url, content=b"{}", headers=auth)).status_code == 400
        unknown = json.loads(body)
        response = unknown["entry"][1]["resource"]
        response.pop("preAuthRef", None)
        for found in response["identifier"]:
            found["value"] = "NO-SUCH-REQUEST"
        missing = await http.post(url, content=json.dumps(unknown), headers=auth)
        assert missing.status_code == 404
    async with uow_factory() as uow:
        states = (await uow.session.scalars(select(AuthorizationRequest.status))).all()
        inbound = await uow.session.scalar(
            select(func.count(Exchange.id)).where(Exchange.direction == "INBOUND")
        )
    assert states == [AuthorizationStatus.PENDED] and inbound == 0
