"""Delivery over HTTP: typed payload errors that write nothing, role checks, and nodes that
other organisations cannot see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api.test_delivery_workflow import ENROLL, RUN
from tests.api.test_referral_workflow import gid
from tests.domain.delivery.conftest import FIRST, authorize, enroll, schedule_sessions
from tests.world import build_world

ATTEND = """mutation($input: RecordAttendanceInput!) { recordAttendance(input: $input) {
  session { status } errors { code field } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Disbursement { amount status } } }"


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


@pytest.fixture
async def sessions(app_client, world):
    factory = app_client.app.state.database.uow_factory("t")
    authorized = await authorize(world, factory, quantity="3")
    _, made = await schedule_sessions(world, factory, authorized)
    return authorized, made


async def test_over_enrolling_is_a_payload_error_and_writes_nothing(app_client, world, sessions):
    authorized, made = sessions
    answer = await app_client.data(
        ENROLL,
        {
            "input": {
                "serviceAuthorizationId": gid("ServiceAuthorization", authorized.line_id),
                "sessionIds": [gid("BenefitSession", s.id) for s in made],
            }
        },
        as_=world.staff[0],
    )
    payload = answer["enrollInSessions"]
    assert payload["disbursements"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("AUTHORIZED_UNITS_EXCEEDED", "sessionIds")
    ]
    listed = await app_client.data(
        "{ disbursements(first: 10) { edges { node { id } } } }", as_=world.staff[0]
    )
    assert listed["disbursements"]["edges"] == []


async def test_a_bad_session_id_is_reported_on_its_field(app_client, world, sessions):
    authorized, _ = sessions
    answer = await app_client.data(
        ENROLL,
        {
            "input": {
                "serviceAuthorizationId": gid("ServiceAuthorization", authorized.line_id),
                "sessionIds": [gid("Person", world.steve)],
            }
        },
        as_=world.staff[0],
    )
    assert answer["enrollInSessions"]["errors"] == [
        {"code": "INVALID", "field": "sessionIds.0", "message": "Not a valid BenefitSession id"}
    ]


async def test_attendance_errors_name_the_record(app_client, world, sessions, clock):
    authorized, made = sessions
    disbursements = await enroll(
        world, app_client.app.state.database.uow_factory("t"), authorized, made[:1]
    )
    clock.set(FIRST + timedelta(hours=1))
    answer = await app_client.data(
        ATTEND,
        {
            "input": {
                "sessionId": gid("BenefitSession", made[0].id),
                "records": [
                    {
                        "enrollmentId": gid("SessionEnrollment", disbursements[0].enrollment_id),
                        "attendance": "PARTIAL",
                    }
                ],
            }
        },
        as_=world.staff[0],
    )
    assert answer["recordAttendance"]["errors"] == [
        {"code": "REQUIRED", "field": "records.0.units"}
    ]


async def test_only_the_agencys_supervisor_runs_payments(app_client, world):
    period = {"input": {"periodStart": "2026-02-01", "periodEnd": "2026-02-28"}}
    for actor in (world.staff[0], world.caseworker):
        body = await app_client.execute(RUN, period, as_=actor)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ran = await app_client.data(RUN, period, as_=world.supervisor)
    assert ran["runProviderPayments"] == {
        "payments": [],
        "disbursementsPaid": 0,
        "disbursementsHeld": 0,
        "errors": [],
    }


async def test_a_disbursement_node_is_null_for_another_provider(app_client, world, sessions):
    authorized, made = sessions
    (disbursement,) = await enroll(
        world, app_client.app.state.database.uow_factory("t"), authorized, made[:1]
    )
    node_id = gid("Disbursement", disbursement.id)
    mine = await app_client.data(NODE, {"id": node_id}, as_=world.staff[0])
    assert mine["node"]["status"] == "ENROLLED"
    agency = await app_client.data(NODE, {"id": node_id}, as_=world.caseworker)
    assert agency["node"]["id"] == node_id
    assert (await app_client.data(NODE, {"id": node_id}, as_=world.staff[1]))["node"] is None
