"""A 278 request for review (005010X217) on `/soap/core`: mapped to the inbound submission,
answered with a 278 response (pended with HCR A4, later the decision); AAA for what the
domain refuses, writing nothing; a resend answers the request already made."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from adapters.x12.reader import parse_278
from adapters.x12.segments import Segment
from domain.authorizations.coordinator import record_manual_determination
from domain.authorizations.lifecycle import ReviewAction
from domain.authorizations.models import AuthorizationLine, AuthorizationRequest
from domain.authorizations.rules import LineDecision
from domain.identity import service as identity
from domain.identity.models import OrganizationKind, Role
from domain.partners import service as partners
from domain.partners.models import Protocol
from tests.adapters.soap.conftest import CONFORMANCE
from tests.adapters.x12.synthetic import INQUIRY_BODY, synthetic_interchange
from tests.api.soap_support import (
    Credentials,
    core_fields,
    envelope,
    outbox_settled,
    post,
    row_counts,
)

X12 = CONFORMANCE / "x12"
REFERRAL = (X12 / "stupidedi_referral-request-for-review.edi").read_text()
RESERVATION = (X12 / "stupidedi_request-for-medical-services-reservation.edi").read_text()
SECRET = "clinic-core-secret-value"


def payer_id_of(text: str) -> str:
    return parse_278(text).umo.identifier


@pytest.fixture
async def clinic(orgs, uow_factory):
    org = await orgs.organization("Gardener Clinic", OrganizationKind.PROVIDER)
    coordinator = await orgs.user(org, Role.AUTH_COORDINATOR)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=org, name="core", client_id="clinic-core", secret=SECRET
        )
        for sample in (REFERRAL, RESERVATION):
            payer = await identity.create_organization(
                uow=uow,
                name=f"Payer {payer_id_of(sample)}",
                kind=OrganizationKind.PAYER,
                payer_id=payer_id_of(sample),
            )
            await partners.create_trading_partner(
                uow=uow, payer_organization_id=payer.id, name="portal", protocol=Protocol.MANUAL
            )
        await uow.commit()
    return {"credentials": Credentials("clinic-core", SECRET), "coordinator": coordinator}


def segments(payload: str, segment_id: str) -> list[list[str]]:
    return [s.split("*") for s in payload.split("~") if s.split("*")[0] == segment_id]


async def submit(app_client, clinic, payload: str, payload_id: str | None = None) -> str:
    fields = core_fields(
        await post(app_client.http, envelope(payload, clinic["credentials"], payload_id=payload_id))
    )
    assert (fields["ErrorCode"], fields["PayloadType"]) == (
        "Success",
        "X12_278_Response_005010X217E1_2",
    ), fields
    return fields["Payload"]


async def test_a_referral_is_taken_in_and_answered_pended_with_our_request_number(
    app_client, clinic, uow_factory
):
    answer = await submit(app_client, clinic, REFERRAL)
    response = parse_278(answer)
    assert response.is_response and response.reference == "A12345"
    [hcr] = segments(answer, "HCR")
    assert hcr[1] == "A4"
    assert segments(answer, "BHT")[0][6] == "19"  # further updates to follow
    assert segments(answer, "TRN")[0][:3] == ["TRN", "2", "111099"]
    async with uow_factory() as uow:
        request = await uow.session.scalar(select(AuthorizationRequest))
        lines = (await uow.session.scalars(select(AuthorizationLine))).all()
    assert ["REF", "NT", request.number] in segments(answer, "REF")
    assert request.category == "REFERRAL" and request.priority == "STANDARD"
    assert [(line.code_system, line.service_code, line.quantity) for line in lines] == [
        ("SERVICE_TYPE", "3", 1)
    ]


async def test_a_resend_answers_the_same_request_and_writes_nothing(
    app_client, clinic, uow_factory
):
    first = await submit(app_client, clinic, REFERRAL)
    await outbox_settled(uow_factory)
    async with uow_factory() as uow:
        before = await row_counts(uow)
    again = await submit(app_client, clinic, REFERRAL)
    async with uow_factory() as uow:
        after = await row_counts(uow)
    assert segments(again, "HCR") == segments(first, "HCR")
    assert segments(again, "REF") == segments(first, "REF")
    assert {k: v for k, v in after.items() if k != "audit_events"} == {
        k: v for k, v in before.items() if k != "audit_events"
    }


async def test_the_decision_is_answered_once_recorded(app_client, clinic, uow_factory):
    await submit(app_client, clinic, RESERVATION)
    async with uow_factory() as uow:
        request = await uow.session.scalar(select(AuthorizationRequest))
        [line] = (await uow.session.scalars(select(AuthorizationLine))).all()
    await outbox_settled(uow_factory)  # the embedded dispatcher hands it to the MANUAL payer
    async with uow_factory() as uow:
        await record_manual_determination(
            uow=uow,
            actor=clinic["coordinator"],
            request_id=request.id,
            decisions=(
                LineDecision(
                    line.id,
                    ReviewAction.CERTIFIED,
                    approved_quantity=line.quantity,
                    approved_start=date(2026, 2, 1),
                    approved_end=date(2026, 2, 28),
                    authorization_number="AUTH-778",
                ),
            ),
        )
    answer = await submit(app_client, clinic, RESERVATION)
    assert [h[1:3] for h in segments(answer, "HCR")] == [["A1", "AUTH-778"]]
    assert segments(answer, "BHT")[0][6] == "18"
    assert ["DTP", "AAH", "RD8", "20260201-20260228"] in segments(answer, "DTP")


@pytest.mark.parametrize(
    ("change", "aaa", "level"),
    [
        (("*46*789312~", "*46*UNKNOWN1~"), ["AAA", "N", "", "79", "C"], "20"),
        (("*MI*12345678901~", "*ZZ*12345678901~"), ["AAA", "N", "", "72", "C"], "22"),
    ],
    ids=["unknown payer", "no member id"],
)
async def test_what_the_domain_refuses_is_answered_with_aaa_and_writes_nothing(
    app_client, clinic, uow_factory, change, aaa, level
):
    payload = REFERRAL.replace(*change)
    assert payload != REFERRAL
    async with uow_factory() as uow:
        before = await row_counts(uow)
    answer = await submit(app_client, clinic, payload)
    assert segments(answer, "AAA") == [aaa]
    assert segments(answer, "HCR") == []
    at = answer.split("~").index("*".join(aaa))
    levels = [s.split("*")[3] for s in answer.split("~")[:at] if s.startswith("HL*")]
    assert levels[-1] == level
    async with uow_factory() as uow:
        assert await row_counts(uow) == before


async def test_a_clearinghouse_for_an_unknown_provider_gets_aaa_51(
    app_client, clinic, orgs, uow_factory
):
    house = await orgs.organization("Bridgeway", OrganizationKind.CLEARINGHOUSE)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=house, name="core", client_id="house", secret=SECRET
        )
        await uow.commit()
    fields = core_fields(
        await post(app_client.http, envelope(REFERRAL, Credentials("house", SECRET)))
    )
    assert segments(fields["Payload"], "AAA") == [["AAA", "N", "", "51", "C"]]


def inquiry(*event: Segment) -> str:
    """An X215 inquiry about the referral sample's member, naming the review by `event`."""
    body = tuple(
        s for s in INQUIRY_BODY if s.id not in {"TRN", "REF", "DTP"} and s.element(1) != "X3"
    )
    at = next(i for i, s in enumerate(body) if s.id == "HL" and s.element(3) == "20") + 1
    payer = Segment.of("NM1", "X3", "2", "PAYER", "", "", "", "", "46", "789312")
    body = (*body[:at], payer, *body[at:])
    member = tuple(
        Segment.of("NM1", "IL", "1", "SMITH", "JOE", "", "", "", "MI", "12345678901")
        if s.id == "NM1" and s.element(1) == "IL"
        else s
        for s in body
    )
    return synthetic_interchange((*member, *event)).decode()


async def test_an_x215_inquiry_answers_the_current_status_by_trace_or_request_number(
    app_client, clinic, uow_factory
):
    await submit(app_client, clinic, REFERRAL)
    async with uow_factory() as uow:
        number = await uow.session.scalar(select(AuthorizationRequest.number))
    async with uow_factory() as uow:
        before = await uow.session.scalar(select(func.count()).select_from(AuthorizationRequest))
    for named_by in (
        Segment.of("TRN", "1", "111099", "9012345678"),
        Segment.of("REF", "NT", number),
    ):
        answer = await submit(app_client, clinic, inquiry(named_by))
        assert "GS*HI*" in answer and "*005010X215~" in answer
        assert [h[1] for h in segments(answer, "HCR")] == ["A4"]
        assert ["REF", "NT", number] in segments(answer, "REF")
    async with uow_factory() as uow:
        after = await uow.session.scalar(select(func.count()).select_from(AuthorizationRequest))
    assert after == before  # never taken for a new request


async def test_an_x215_inquiry_about_another_partners_or_no_review_gets_aaa_aa(
    app_client, clinic, orgs, uow_factory
):
    await submit(app_client, clinic, REFERRAL)
    other = await orgs.organization("Other Clinic", OrganizationKind.PROVIDER)
    async with uow_factory() as uow:
        await identity.create_api_client(
            uow=uow, organization_id=other, name="core", client_id="other-core", secret=SECRET
        )
        await uow.commit()
    trace = Segment.of("TRN", "1", "111099", "9012345678")
    for credentials, event in (
        (Credentials("other-core", SECRET), trace),
        (clinic["credentials"], Segment.of("TRN", "1", "NO-SUCH-TRACE", "9012345678")),
    ):
        fields = core_fields(await post(app_client.http, envelope(inquiry(event), credentials)))
        assert segments(fields["Payload"], "AAA") == [["AAA", "N", "", "AA", "C"]]
        assert segments(fields["Payload"], "HCR") == []
