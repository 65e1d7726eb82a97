"""Pushed X12 278 responses over real HTTP: the simulated clearinghouse (under uvicorn) pends
our 278 requests and, when it decides, pushes the 278 response to the API's `/soap/core`
(under uvicorn) with zeep, as a CORE client the trading partner names. The API applies it and
cancels the pending poll, and answers with a 999. A duplicate, an older answer after a newer
one, an answer naming no request of ours, a client the partner does not name and a malformed
278 change nothing."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from adapters.simulator.clearinghouse import (
    RECEIVER_ID,
    Outcome,
    PayerRule,
    PayerRules,
    SimulatedClearinghouse,
    clearinghouse_app,
    client_options,
)
from adapters.soap.client import CoreConnection
from adapters.soap.envelope import CoreResponse
from adapters.soap.errors import CoreCallError
from adapters.x12.ack999 import Acknowledgment999
from adapters.x12.reader import parse_999
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import (
    AuthorizationDetermination,
    AuthorizationLine,
    AuthorizationRequest,
)
from domain.history import StatusChange
from domain.identity import service as identity
from domain.identity.models import Organization, OrganizationKind
from domain.partners import service as partners
from domain.partners.models import Exchange, Protocol, TradingPartner
from domain.partners.polling import due_polls
from domain.partners.pushes import OPTION_PUSH_CORE_CLIENTS
from server import create_app
from tests.adapters.ehr_support import serving
from tests.api.soap_support import outbox_settled, row_counts
from tests.followup_support import PENDED_CODE, eventually, statuses, submit_requests
from tests.office import build_office

PUSHER, PUSHER_SECRET = "bridgeway-push", "bridgeway-push-secret-0123"
OTHER, OTHER_SECRET = "bridgeway-other", "bridgeway-other-secret-0123"


@pytest.fixture
async def pushing(orgs, uow_factory, settings, clock):
    """The API (dispatching its outbox), a clearinghouse that pends every request and pushes
    its decisions back, and the office's payer reached through it by X12 278 over CORE."""
    office = await build_office(orgs, uow_factory)
    house = await orgs.organization("Bridgeway Clearinghouse", OrganizationKind.CLEARINGHOUSE)
    async with uow_factory() as uow:
        for client_id, secret in ((PUSHER, PUSHER_SECRET), (OTHER, OTHER_SECRET)):
            await identity.create_api_client(
                uow=uow, organization_id=house, name=client_id, client_id=client_id, secret=secret
            )
        await uow.commit()
    app = create_app(settings.model_copy(update={"outbox_scan_seconds": 0.2}), clock=clock)
    async with serving(app) as api:
        callback = CoreConnection(
            endpoint_url=f"{api}/soap/core",
            sender_id=RECEIVER_ID,
            receiver_id=settings.core_receiver_id,
            username=PUSHER,
            password=PUSHER_SECRET,
            timeout_seconds=10,
        )
        rules = PayerRules({PENDED_CODE: PayerRule(Outcome.PEND_THEN_APPROVE)})
        clearinghouse = SimulatedClearinghouse(rules, callback=callback)
        async with serving(clearinghouse_app(clearinghouse)) as house_root:
            await reach_payer_by_x12(uow_factory, office, f"{house_root}/soap/core")
            yield office, clearinghouse


async def reach_payer_by_x12(uow_factory, office, endpoint: str) -> None:
    """The office's payer and clinic get the ids a 278 needs; its partner speaks X12 over
    CORE at `endpoint` and lets the clearinghouse's PUSHER client push answers."""
    async with uow_factory() as uow:
        await uow.session.execute(
            update(Organization).where(Organization.id == office["payer"]).values(payer_id="CHP01")
        )
        requester = await uow.session.scalar(
            select(Organization).where(Organization.name == "Northside Wellness Clinic")
        )
        requester.npi = "1234567893"
        partner = await uow.session.scalar(select(TradingPartner))
        partner.protocol, partner.endpoint_url = Protocol.X12_CORE, endpoint
        partner.options = client_options(timeout_seconds=5, **{OPTION_PUSH_CORE_CLIENTS: [PUSHER]})
        await uow.commit()


async def pended_request(office, uow_factory) -> AuthorizationRequest:
    [request_id] = await submit_requests(office, uow_factory, 1)

    async def pended() -> bool:
        return (await statuses(uow_factory, [request_id]))[request_id] is AuthorizationStatus.PENDED

    await eventually(pended)
    await outbox_settled(uow_factory)
    return await request_row(uow_factory, request_id)


async def request_row(uow_factory, request_id) -> AuthorizationRequest:
    async with uow_factory() as uow:
        return await uow.session.get(AuthorizationRequest, request_id)


async def inbound_details(uow_factory) -> list[str]:
    async with uow_factory() as uow:
        found = await uow.session.scalars(
            select(Exchange.detail).where(Exchange.direction == "INBOUND")
        )
        return sorted(found)


async def assert_nothing_written(
    uow_factory, before, request, status=AuthorizationStatus.PENDED
) -> None:
    async with uow_factory() as uow:
        assert await row_counts(uow) == before
    assert (await request_row(uow_factory, request.id)).status is status


def acknowledgment(pushed: CoreResponse | CoreCallError) -> Acknowledgment999:
    """The 999 the API answered a push with."""
    assert isinstance(pushed, CoreResponse), pushed
    assert pushed.payload_type == "X12_999_Response_005010X231A1"
    return parse_999(pushed.payload or "")


def element_errors(ack: Acknowledgment999) -> list[tuple[str, str, str, str]]:
    """(IK301 segment, IK303 loop, IK401 element, IK403 code) of every element in error."""
    return [
        (segment.segment_id, segment.loop, element.position, element.code)
        for response in ack.responses
        for segment in response.segment_errors
        for element in segment.elements
    ]


async def test_a_pushed_a1_approves_a_pended_request_and_cancels_its_poll(
    pushing, uow_factory, clock
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    assert request.next_poll_at is not None
    assert await clearinghouse.decide_pended() == 1
    [pushed] = clearinghouse.pushes
    ack = acknowledgment(pushed)
    assert ack.code == "A" and ack.counts == (1, 1, 1)
    approved = await request_row(uow_factory, request.id)
    assert approved.status is AuthorizationStatus.APPROVED and approved.next_poll_at is None
    async with uow_factory() as uow:
        [line] = await uow.session.scalars(
            select(AuthorizationLine).where(AuthorizationLine.request_id == request.id)
        )
        [exchange] = await uow.session.scalars(
            select(Exchange).where(Exchange.direction == "INBOUND")
        )
        moved = (
            await uow.session.execute(
                select(StatusChange.from_status, StatusChange.to_status, StatusChange.changed_by_id)
                .where(StatusChange.entity_id == request.id)
                .order_by(StatusChange.id.desc())
                .limit(1)
            )
        ).one()
    assert tuple(moved) == ("PENDED", "APPROVED", None)  # the system moved it, on the answer
    case = clearinghouse.cases[request.number]
    assert line.authorization_number == f"{case.reference}-1"
    assert approved.payer_reference == case.reference
    assert (exchange.operation, exchange.detail) == ("NOTIFY", "DECIDED APPLIED")
    assert str(exchange.idempotency_key) == pushed.payload_id
    # No further inquiry: nothing is due, however late, and the partner was asked only once.
    clock.advance(timedelta(days=30))
    async with uow_factory() as uow:
        assert await due_polls(uow=uow) == []
        inquiries = await uow.session.scalar(
            select(func.count(Exchange.id)).where(Exchange.operation == "INQUIRE")
        )
    assert inquiries == 0 and case.inquiries == 0

    # The same response again (the clearinghouse retrying): accepted, nothing changes.
    async with uow_factory() as uow:
        decided = await uow.session.scalar(select(func.count(AuthorizationDetermination.id)))
    again = await clearinghouse.push(clearinghouse.sent[-1])
    assert acknowledgment(again).code == "A"
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count(AuthorizationDetermination.id))) == (
            decided
        )
    after = await request_row(uow_factory, request.id)
    assert after.status is AuthorizationStatus.APPROVED and after.version == approved.version
    assert await inbound_details(uow_factory) == ["DECIDED APPLIED", "DECIDED NOT_WAITING"]


async def test_an_older_answer_after_a_newer_one_changes_nothing(pushing, uow_factory):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    made = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
    # Two status updates (still pended), made a minute apart (BHT05 is to the minute).
    older = clearinghouse.response(request.number, made)
    newer = clearinghouse.response(request.number, made + timedelta(minutes=1))
    assert acknowledgment(await clearinghouse.push(newer)).code == "A"
    applied = await request_row(uow_factory, request.id)
    assert applied.status is AuthorizationStatus.PENDED
    assert applied.partner_answered_at == made + timedelta(minutes=1)
    assert applied.next_poll_at == applied.updated_at + timedelta(hours=1)  # the safety net
    assert acknowledgment(await clearinghouse.push(older)).code == "A"
    after = await request_row(uow_factory, request.id)
    assert after.partner_answered_at == applied.partner_answered_at
    assert after.next_poll_at == applied.next_poll_at and after.version == applied.version
    # The decision, then the old pended answer once more: the request stays decided.
    assert await clearinghouse.decide_pended() == 1
    assert acknowledgment(await clearinghouse.push(older)).code == "A"
    assert (await request_row(uow_factory, request.id)).status is AuthorizationStatus.APPROVED
    assert await inbound_details(uow_factory) == [
        "DECIDED APPLIED",
        "DECIDED APPLIED",
        "DECIDED NOT_WAITING",
        "DECIDED STALE",
    ]


def _unknown_trace_and_reference(response: str, number: str, reference: str) -> str:
    return response.replace(f"TRN*2*{number}*", "TRN*2*NOSUCH0001*").replace(
        f"REF*NT*{reference}~", "REF*NT*NOSUCH0002~"
    )


def _someone_elses_trace(response: str, number: str, reference: str) -> str:
    """Our request's number, but in another originator's trace (TRN03)."""
    ours = f"TRN*2*{number}*CAREBRIDGE"
    assert ours in response
    renamed = response.replace(ours, f"TRN*2*{number}*SOMEONE")
    return renamed.replace(f"REF*NT*{reference}~", "REF*NT*NOSUCH0002~")


@pytest.mark.parametrize(
    ("rename", "expected"),
    [
        (
            _unknown_trace_and_reference,
            [("TRN", "2000", "2", "I12"), ("REF", "2000", "2", "I12")],
        ),
        (
            _someone_elses_trace,
            [("TRN", "2000", "2", "I12"), ("REF", "2000", "2", "I12")],
        ),
    ],
)
async def test_an_answer_naming_no_request_of_ours_is_rejected_by_999_writing_nothing(
    pushing, uow_factory, rename, expected
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    case = clearinghouse.cases[request.number]
    case.decided = True
    unknown = rename(clearinghouse.response(request.number), request.number, case.reference)
    async with uow_factory() as uow:
        before = await row_counts(uow)
    ack = acknowledgment(await clearinghouse.push(unknown))
    assert ack.code == "R" and ack.counts == (1, 1, 0)
    [response] = ack.responses
    assert response.code == "R"
    assert element_errors(ack) == expected
    await assert_nothing_written(uow_factory, before, request)


async def test_pushes_from_a_client_the_partner_does_not_name_are_refused_writing_nothing(
    pushing, orgs, uow_factory
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    clinic = await orgs.organization("Southside Clinic", OrganizationKind.PROVIDER)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=clinic, name="c", client_id="clinic-core", secret="clinic-s3"
        )
        await uow.commit()
    clearinghouse.cases[request.number].decided = True
    approval = clearinghouse.response(request.number)
    named = clearinghouse.callback
    async with uow_factory() as uow:
        before = await row_counts(uow)
    for username, password in (
        (PUSHER, "wrong-secret"),  # wrong credentials
        ("nobody", PUSHER_SECRET),
        (OTHER, OTHER_SECRET),  # the same clearinghouse, a client its partner does not name
        ("clinic-core", "clinic-s3"),  # a provider's client
    ):
        clearinghouse.callback = dataclasses.replace(named, username=username, password=password)
        refused = await clearinghouse.push(approval)
        assert isinstance(refused, CoreCallError), refused
        assert refused.code == "UnAuthorized" and not refused.retryable
    await assert_nothing_written(uow_factory, before, request)


async def test_a_malformed_278_or_a_request_pushed_as_a_response_gets_a_rejecting_999(
    pushing, uow_factory
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    case = clearinghouse.cases[request.number]
    case.decided = True
    approval = clearinghouse.response(request.number)
    assert "HCR*A1*" in approval
    malformed = approval.replace("HCR*A1*", "HCR*Z9*")
    async with uow_factory() as uow:
        before = await row_counts(uow)
    ack = acknowledgment(await clearinghouse.push(malformed))
    assert ack.code == "R"
    assert element_errors(ack) == [("HCR", "2000", "1", "7")]  # HCR01: invalid code value
    # A 278 request under the response's PayloadType: the transaction set is not taken.
    ack = acknowledgment(await clearinghouse.push(case.payload))
    [response] = ack.responses
    assert (ack.code, response.code, response.error_codes) == ("R", "R", ("1",))
    await assert_nothing_written(uow_factory, before, request)


async def test_a_clearinghouse_pushing_for_two_payers_is_routed_by_the_umo(
    pushing, orgs, uow_factory
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    second = await orgs.organization("Second Plan", OrganizationKind.PAYER, payer_id="SP02")
    async with uow_factory() as uow:
        await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=second,
            name="Second Plan via Bridgeway",
            protocol=Protocol.X12_CORE,
            endpoint_url=clearinghouse.callback.endpoint_url,
            options=client_options(**{OPTION_PUSH_CORE_CLIENTS: [PUSHER]}),
        )
        await uow.commit()
    case = clearinghouse.cases[request.number]
    case.decided = True
    approval = clearinghouse.response(request.number)
    # Another payer's id in the UMO: no partner of this client is that payer's.
    elsewhere = approval.replace(
        "NM1*X3*2*Cosville Health Plan*****PI*CHP01~", "NM1*X3*2*Elsewhere*****PI*ZZ999~"
    )
    async with uow_factory() as uow:
        before = await row_counts(uow)
    ack = acknowledgment(await clearinghouse.push(elsewhere))
    assert ack.code == "R" and element_errors(ack) == [("NM1", "2010", "9", "I12")]
    async with uow_factory() as uow:
        assert await row_counts(uow) == before
    # The UMO names the office's payer: its partner takes the answer.
    assert acknowledgment(await clearinghouse.push(approval)).code == "A"
    assert (await request_row(uow_factory, request.id)).status is AuthorizationStatus.APPROVED


async def test_a_payers_own_client_named_by_its_partner_may_push(pushing, uow_factory):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=office["payer"], name="core", client_id="cosville-core",
            secret="cosville-core-secret",
        )  # fmt: skip
        partner = await uow.session.scalar(select(TradingPartner))
        partner.options = {**partner.options, OPTION_PUSH_CORE_CLIENTS: ["cosville-core"]}
        await uow.commit()
    clearinghouse.callback = dataclasses.replace(
        clearinghouse.callback, username="cosville-core", password="cosville-core-secret"
    )
    assert await clearinghouse.decide_pended() == 1
    assert acknowledgment(clearinghouse.pushes[-1]).code == "A"
    assert (await request_row(uow_factory, request.id)).status is AuthorizationStatus.APPROVED


async def test_an_answer_while_our_submission_is_in_flight_is_refused_for_a_retry(
    pushing, uow_factory
):
    office, clearinghouse = pushing
    request = await pended_request(office, uow_factory)
    clearinghouse.cases[request.number].decided = True
    approval = clearinghouse.response(request.number)
    async with uow_factory() as uow:  # as if our own submission had not come back yet
        await uow.session.execute(
            update(AuthorizationRequest)
            .where(AuthorizationRequest.id == request.id)
            .values(status=AuthorizationStatus.SUBMITTING)
        )
        await uow.commit()
        before = await row_counts(uow)
    refused = await clearinghouse.push(approval)
    assert isinstance(refused, CoreCallError), refused
    assert refused.code == "Receiver" and refused.retryable
    await assert_nothing_written(uow_factory, before, request, AuthorizationStatus.SUBMITTING)
