"""Seed 000 steps 4-6 and the payment side, continuing the referral workflow over HTTP: the
authorized provider schedules four sessions, enrolls Steve and records attendance; the
agency's supervisor pays the provider once, and a late correction is settled by the next run."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tests.api.test_referral_workflow import (
    ASSIGN,
    DECIDE,
    OPEN_CASE,
    REFER,
    REQUEST,
    RESPOND,
    gid,
    mutate,
)
from tests.world import build_world

AUTHORIZATIONS = "{ serviceAuthorizations { id authorizedQuantity remainingQuantity usedQuantity rate person { givenName } } }"
SESSIONS = """
query($filter: BenefitSessionFilter) {
  benefitSessions(filter: $filter, first: 10) {
    totalCount
    edges { node { id sequence startsAt status enrolledCount attendeeCount absenteeCount attendanceRate
      disbursements { enrollmentId status } } }
  }
}"""
SCHEDULE = """
mutation($input: CreateBenefitScheduleInput!) {
  createBenefitSchedule(input: $input) { schedule { id name maxParticipants recurrence } errors { code field message } }
}"""
MAKE_SESSIONS = """
mutation($input: CreateBenefitSessionsInput!) {
  createBenefitSessions(input: $input) { sessions { id sequence startsAt status } errors { code field message } }
}"""
ENROLL = """
mutation($input: EnrollInSessionsInput!) {
  enrollInSessions(input: $input) { disbursements { id enrollmentId status plannedQuantity } errors { code field message } }
}"""
ATTEND = """
mutation($input: RecordAttendanceInput!) {
  recordAttendance(input: $input) { session { status attendeeCount absenteeCount attendanceRate } errors { code field message } }
}"""
DISBURSEMENTS = """
query($filter: DisbursementFilter) {
  disbursements(filter: $filter, first: 10) {
    edges { node { serviceDate attendance plannedQuantity disbursedQuantity rate rateSource amount status paidAmount
      payment { number } } }
  }
}"""
PAID_HISTORY = """
query($filter: DisbursementFilter) {
  disbursements(filter: $filter, first: 10) {
    edges { node { status payment { number } statusHistory { fromStatus toStatus action } } }
  }
}"""
RUN = """
mutation($input: RunProviderPaymentsInput!) {
  runProviderPayments(input: $input) {
    payments { id number totalAmount status payeeName lines { kind amount quantity disbursementCount } }
    disbursementsPaid disbursementsHeld errors { code field message }
  }
}"""
PAYMENTS = """
{ providerPayments(first: 10) { totalCount edges { node { number totalAmount periodStart
  corrections { kind amount status } } } } }"""


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


async def authorized_for_grace(app_client, w):
    """Seed 000 steps 1-3 as in the referral workflow, to the one provider that delivers."""
    connor, grace = w.caseworker, w.staff[0]
    case = (
        await mutate(
            app_client,
            OPEN_CASE,
            {"caseType": "INTEGRATED", "primaryClientId": gid("Person", w.steve)},
            connor,
            "createCase",
        )
    )["case"]
    assignment = (
        await mutate(
            app_client,
            ASSIGN,
            {
                "caseId": case["id"],
                "personId": gid("Person", w.steve),
                "benefitId": gid("Benefit", w.grief),
                "quantity": "10",
                "periodStart": "2026-01-20",
                "periodEnd": "2026-06-30",
                "deliveryMode": "SERVICE",
            },
            connor,
            "assignBenefit",
        )
    )["benefitAssignment"]
    referral = (
        await mutate(
            app_client,
            REFER,
            {
                "benefitAssignmentId": assignment["id"],
                "providerIds": [gid("Provider", w.providers[0])],
                "reason": "Grief counselling",
                "consentGiven": True,
                "respondBy": "2026-01-20T00:00:00Z",
            },
            connor,
            "createReferral",
        )
    )["referral"]
    recipient = referral["recipients"][0]["id"]
    await mutate(
        app_client,
        RESPOND,
        {"recipientId": recipient, "answer": "ACCEPT"},
        grace,
        "respondToReferral",
    )
    request = (
        await mutate(
            app_client,
            REQUEST,
            {
                "referralRecipientId": recipient,
                "lines": [
                    {"quantity": "8", "requestedStart": "2026-02-01", "requestedEnd": "2026-04-30"}
                ],
            },
            grace,
            "createAuthorizationRequest",
        )
    )["authorizationRequest"]
    await mutate(
        app_client,
        DECIDE,
        {
            "requestId": request["id"],
            "lines": [{"lineId": request["lines"][0]["id"], "reviewAction": "CERTIFIED"}],
        },
        connor,
        "recordDetermination",
    )
    return case


async def test_provider_delivers_four_sessions_and_is_paid_once_then_a_correction_settles(
    app_client, world
):
    w = world
    connor, grace, hal, sue = w.caseworker, w.staff[0], w.staff[1], w.supervisor
    case = await authorized_for_grace(app_client, w)

    (authorization,) = (await app_client.data(AUTHORIZATIONS, as_=grace))["serviceAuthorizations"]
    assert (
        authorization["authorizedQuantity"] == "8.00"
        and authorization["remainingQuantity"] == "8.00"
    )
    assert authorization["person"] == {"givenName": "Steve"} and authorization["rate"] == "80.00"
    assert (await app_client.data(AUTHORIZATIONS, as_=hal))["serviceAuthorizations"] == []

    # Step 4: no schedule exists for the benefit yet, so Grace creates one with four sessions.
    existing = await app_client.data(
        SESSIONS, {"filter": {"benefitId": gid("Benefit", w.grief)}}, as_=grace
    )
    assert existing["benefitSessions"]["totalCount"] == 0
    schedule = (
        await mutate(
            app_client,
            SCHEDULE,
            {
                "serviceAuthorizationId": authorization["id"],
                "name": "Grief group, Mondays",
                "defaultQuantity": "1",
                "maxParticipants": 8,
                "recurrence": "WEEKLY",
                "firstSessionStart": "2026-02-02T15:00:00Z",
                "firstSessionEnd": "2026-02-02T16:00:00Z",
            },
            grace,
            "createBenefitSchedule",
        )
    )["schedule"]
    sessions = (
        await mutate(
            app_client,
            MAKE_SESSIONS,
            {"scheduleId": schedule["id"], "count": 4},
            grace,
            "createBenefitSessions",
        )
    )["sessions"]
    assert [s["startsAt"][:10] for s in sessions] == [
        "2026-02-02",
        "2026-02-09",
        "2026-02-16",
        "2026-02-23",
    ]

    # Step 5: enrollment, one disbursement per session; another provider cannot enroll Steve.
    refused = (
        await app_client.data(
            ENROLL,
            {
                "input": {
                    "serviceAuthorizationId": authorization["id"],
                    "sessionIds": [sessions[0]["id"]],
                }
            },
            as_=hal,
        )
    )["enrollInSessions"]
    assert refused["disbursements"] is None and refused["errors"][0]["code"] == "NOT_FOUND"
    enrolled = (
        await mutate(
            app_client,
            ENROLL,
            {
                "serviceAuthorizationId": authorization["id"],
                "sessionIds": [s["id"] for s in sessions],
            },
            grace,
            "enrollInSessions",
        )
    )["disbursements"]
    assert [d["status"] for d in enrolled] == ["ENROLLED"] * 4
    (after_enrollment,) = (await app_client.data(AUTHORIZATIONS, as_=grace))[
        "serviceAuthorizations"
    ]
    assert after_enrollment["remainingQuantity"] == "4.00"

    # Step 6: attendance, 2 present, 1 absent, 1 partial; the same roster again changes nothing.
    app_client.clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    marks = [("PRESENT", None), ("PRESENT", None), ("ABSENT", None), ("PARTIAL", "0.5")]
    for session, disbursement, (attendance, units) in zip(sessions, enrolled, marks, strict=True):
        record = {
            "enrollmentId": disbursement["enrollmentId"],
            "attendance": attendance,
            "units": units,
        }
        done = await mutate(
            app_client,
            ATTEND,
            {"sessionId": session["id"], "records": [record]},
            grace,
            "recordAttendance",
        )
        assert done["session"]["status"] == "COMPLETED"
    again = await mutate(
        app_client,
        ATTEND,
        {
            "sessionId": sessions[0]["id"],
            "records": [{"enrollmentId": enrolled[0]["enrollmentId"], "attendance": "PRESENT"}],
        },
        grace,
        "recordAttendance",
    )
    assert again["session"]["attendanceRate"] == "1.00"

    # Connor sees Steve's disbursements: quantities and amounts at the authorization's rate.
    seen = (await app_client.data(DISBURSEMENTS, {"filter": {"caseId": case["id"]}}, as_=connor))[
        "disbursements"
    ]["edges"]
    rows = [
        (
            e["node"]["attendance"],
            e["node"]["disbursedQuantity"],
            e["node"]["amount"],
            e["node"]["rateSource"],
        )
        for e in seen
    ]
    assert rows == [
        ("PRESENT", "1.00", "80.00", "AUTHORIZATION"),
        ("PRESENT", "1.00", "80.00", "AUTHORIZATION"),
        ("ABSENT", "0.00", "0.00", "AUTHORIZATION"),
        ("PARTIAL", "0.50", "40.00", "AUTHORIZATION"),
    ]
    (used,) = (await app_client.data(AUTHORIZATIONS, as_=connor))["serviceAuthorizations"]
    assert used["usedQuantity"] == "2.50" and used["remainingQuantity"] == "5.50"

    # The payment run pays the provider once; a caseworker may not run it.
    period = {"periodStart": "2026-02-01", "periodEnd": "2026-02-28"}
    forbidden = await app_client.execute(RUN, {"input": period}, as_=connor)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    run = await mutate(app_client, RUN, period, sue, "runProviderPayments")
    (payment,) = run["payments"]
    assert (payment["totalAmount"], payment["status"], payment["payeeName"]) == (
        "200.00",
        "PENDING",
        "Cosville Grief Care Center",
    )
    assert payment["lines"] == [
        {"kind": "DISBURSEMENT", "amount": "200.00", "quantity": "2.50", "disbursementCount": 3}
    ]
    twice = await mutate(app_client, RUN, period, sue, "runProviderPayments")
    assert twice["payments"] == [] and twice["disbursementsPaid"] == 0
    # PAID, the payment and the PAY step are read from the payment that covers each one
    shown = (await app_client.data(PAID_HISTORY, {"filter": {"status": "PAID"}}, as_=connor))[
        "disbursements"
    ]["edges"]
    assert [e["node"]["status"] for e in shown] == ["PAID"] * 3
    assert {e["node"]["payment"]["number"] for e in shown} == {p["number"] for p in run["payments"]}
    for edge in shown:
        steps = [
            (s["fromStatus"], s["toStatus"], s["action"]) for s in edge["node"]["statusHistory"]
        ]
        assert steps[-2:] == [("RECORDED", "APPROVED", "APPROVE"), ("APPROVED", "PAID", "PAY")]
    unpaid = (await app_client.data(PAID_HISTORY, {"filter": {"status": "RECORDED"}}, as_=connor))[
        "disbursements"
    ]["edges"]
    assert [(e["node"]["status"], e["node"]["payment"]) for e in unpaid] == [("RECORDED", None)]
    assert (await app_client.data(PAYMENTS, as_=grace))["providerPayments"]["totalCount"] == 1
    assert (await app_client.data(PAYMENTS, as_=hal))["providerPayments"]["totalCount"] == 0

    # A late correction: the partial session was in fact attended in full.
    await mutate(
        app_client,
        ATTEND,
        {
            "sessionId": sessions[3]["id"],
            "records": [{"enrollmentId": enrolled[3]["enrollmentId"], "attendance": "PRESENT"}],
        },
        grace,
        "recordAttendance",
    )
    (paid,) = (await app_client.data(PAYMENTS, as_=connor))["providerPayments"]["edges"]
    assert paid["node"]["totalAmount"] == "200.00"
    assert paid["node"]["corrections"] == [
        {"kind": "UNDERPAYMENT", "amount": "40.00", "status": "OPEN"}
    ]
    corrected = (
        await app_client.data(DISBURSEMENTS, {"filter": {"caseId": case["id"]}}, as_=connor)
    )["disbursements"]["edges"][3]["node"]
    assert (corrected["amount"], corrected["paidAmount"], corrected["status"]) == (
        "80.00",
        "40.00",
        "PAID",
    )

    settling = await mutate(
        app_client,
        RUN,
        {"periodStart": "2026-03-01", "periodEnd": "2026-03-31"},
        sue,
        "runProviderPayments",
    )
    (second,) = settling["payments"]
    assert second["totalAmount"] == "40.00" and [line["kind"] for line in second["lines"]] == [
        "CORRECTION"
    ]
    final = (await app_client.data(PAYMENTS, as_=grace))["providerPayments"]["edges"]
    assert sorted(Decimal(e["node"]["totalAmount"]) for e in final) == [Decimal(40), Decimal(200)]
    first = next(e["node"] for e in final if e["node"]["totalAmount"] == "200.00")
    assert first["corrections"] == [
        {"kind": "UNDERPAYMENT", "amount": "40.00", "status": "SETTLED"}
    ]

    # The case's timeline shows the delivery; the audit trail has the provider's changes.
    timeline = await app_client.data(
        "query($id: ID!) { case(id: $id) { events { kind } } }", {"id": case["id"]}, as_=connor
    )
    kinds = [e["kind"] for e in timeline["case"]["events"]]
    assert kinds.count("delivery.attendance_recorded") == 5 and "delivery.enrolled" in kinds
    audit = await app_client.data(
        "{ auditEvents(first: 100) { edges { node { entity action } } } }", as_=w.provider_admins[0]
    )
    seen = {(e["node"]["entity"], e["node"]["action"]) for e in audit["auditEvents"]["edges"]}
    assert {
        ("Disbursement", "CREATE"),
        ("Disbursement", "UPDATE"),
        ("BenefitSession", "CREATE"),
    } <= seen
