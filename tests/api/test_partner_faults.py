"""A payer that misbehaves, over real HTTP with the API dispatching in-process: it times out
(while still taking the submission in), fails with 500, recovers, answers the same decision
twice and an old status after the new one. The request ends decided exactly once, with one
submission at the payer, each attempt visible in its exchanges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationDetermination, AuthorizationRequest
from domain.history import StatusChange
from domain.partners.models import Exchange
from domain.partners.pushes import OPTION_PUSH_TOKEN, push_token_digest
from server import create_app
from tests.adapters.ehr_support import serving
from tests.followup_support import PENDED_CODE, eventually, point_partner_at, submit_requests
from tests.office import build_office

TOKEN = "payer-push-token-abcdefghij"


@pytest.fixture
async def api_and_payer(orgs, uow_factory, settings, clock):
    office = await build_office(orgs, uow_factory)
    app = create_app(settings.model_copy(update={"outbox_scan_seconds": 0.2}), clock=clock)
    simulator = PasPayerSimulator({PENDED_CODE: PayerRule(RuleKind.PEND_THEN_APPROVE)})
    async with serving(app) as api, serving(simulator.app()) as payer_root:
        partner_id = await point_partner_at(
            uow_factory,
            f"{payer_root}/fhir",
            timeout_seconds=0.5,
            **{OPTION_PUSH_TOKEN: push_token_digest(TOKEN)},
        )
        simulator.callback_url = f"{api}/partners/{partner_id}/pas/notifications"
        simulator.callback_token = TOKEN
        yield office, simulator


async def exchange_details(uow_factory, request_id) -> list[str]:
    async with uow_factory() as uow:
        rows = await uow.session.scalars(
            select(Exchange.detail)
            .where(Exchange.request_id == request_id)
            .order_by(Exchange.started_at, Exchange.id)
        )
        return [d or "" for d in rows]


async def request_row(uow_factory, request_id) -> AuthorizationRequest:
    async with uow_factory() as uow:
        return await uow.session.get(AuthorizationRequest, request_id)


async def test_a_misbehaving_payer_still_decides_each_request_once(
    api_and_payer, uow_factory, clock
):
    office, simulator = api_and_payer
    simulator.faults.delay_seconds = 1.0  # longer than the partner's 0.5 s timeout
    [request_id] = await submit_requests(office, uow_factory, 1)

    async def timed_out() -> bool:
        return any("did not answer" in d for d in await exchange_details(uow_factory, request_id))

    await eventually(timed_out)

    async def payer_took_it() -> bool:  # the timed-out submission still reached the payer
        return len(simulator.claims) == 1

    await eventually(payer_took_it)
    simulator.faults.delay_seconds, simulator.faults.status = 0, 500
    clock.advance(timedelta(minutes=10))

    async def failed_500() -> bool:
        return any("HTTP 500" in d for d in await exchange_details(uow_factory, request_id))

    await eventually(failed_500)
    simulator.faults.status = None  # recovered
    clock.advance(timedelta(minutes=10))

    async def pended() -> bool:
        return (await request_row(uow_factory, request_id)).status is AuthorizationStatus.PENDED

    await eventually(pended)
    assert len(simulator.claims) == 1  # the resend was recognised by its idempotency key
    [key] = simulator.claims
    stale = simulator.notification(key)  # the pended status, as first made

    # The decision pushed, then pushed again, then the old pended status arrives late.
    assert await simulator.decide_pended() == 1
    decided = simulator.notifications[-1]
    assert await simulator.send(decided) == 200
    assert await simulator.send(stale) == 200
    request = await request_row(uow_factory, request_id)
    assert request.status is AuthorizationStatus.APPROVED and request.next_poll_at is None
    async with uow_factory() as uow:
        determinations = await uow.session.scalar(select(func.count(AuthorizationDetermination.id)))
        moves = (
            await uow.session.scalars(
                select(StatusChange.to_status)
                .where(StatusChange.entity_id == request_id)
                .order_by(StatusChange.id)
            )
        ).all()
    assert determinations == 2  # the line's pended answer, then its approval: once each
    assert moves == ["DRAFT", "SUBMITTING", "SUBMITTED", "PENDED", "APPROVED"]
    details = await exchange_details(uow_factory, request_id)
    outbound = [d for d in details if not d.startswith("DECIDED ")]
    assert any("did not answer" in d for d in outbound) and any("HTTP 500" in d for d in outbound)
    assert outbound[-1] == "DECIDED"
    assert sorted(d for d in details if d.startswith("DECIDED ")) == [
        "DECIDED APPLIED",
        "DECIDED NOT_WAITING",
        "DECIDED NOT_WAITING",
    ]
