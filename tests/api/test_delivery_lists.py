"""The delivery lists cost the same statements for a small page as for a large one (one
DataLoader batch per relation), and each side sees only its own."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.delivery.models import Attendance
from tests.domain.delivery.conftest import (
    FIRST,
    attend,
    authorize,
    enroll,
    run_payments,
    schedule_sessions,
)
from tests.world import build_world

SESSIONS = """query($first: Int) { benefitSessions(first: $first) { edges { node {
  id startsAt status attendanceRate schedule { name benefit { name } provider { name } }
  disbursements { amount attendance person { givenName } } } } } }"""
DISBURSEMENTS = """query($first: Int) { disbursements(first: $first) { edges { node {
  id amount rateSource attendance person { givenName } benefit { name }
  session { startsAt schedule { name } } payment { number } statusHistory { toStatus } } } } }"""
PAYMENTS = """query($first: Int) { providerPayments(first: $first) { edges { node {
  number totalAmount provider { name } lines { kind amount benefit { name } }
  corrections { kind amount } } } } }"""


@pytest.fixture
async def world(orgs, uow_factory):
    return await build_world(orgs, uow_factory)


@pytest.fixture
async def delivered(app_client, world, clock):
    """Ten weekly sessions attended and paid month by month (February to April)."""
    factory = app_client.app.state.database.uow_factory("t")
    authorized = await authorize(world, factory, quantity="10")
    _, sessions = await schedule_sessions(world, factory, authorized, count=10)
    made = await enroll(world, factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=10))
    for session, disbursement in zip(sessions, made, strict=True):
        await attend(world, factory, session, disbursement, Attendance.PRESENT)
    for month in (2, 3, 4):
        end = date(2026, month + 1, 1) - timedelta(days=1)
        await run_payments(world, factory, (date(2026, month, 1), end))
    return world


@pytest.mark.parametrize(
    ("query", "field", "sizes"),
    [
        (SESSIONS, "benefitSessions", (2, 10)),
        (DISBURSEMENTS, "disbursements", (2, 10)),
        (PAYMENTS, "providerPayments", (1, 3)),
    ],
)
async def test_a_page_costs_the_same_statements_whatever_its_size(
    app_client, delivered, query, field, sizes
):
    counts = []
    for size in sizes:
        for actor in (delivered.staff[0], delivered.caseworker):
            with app_client.count_statements() as statements:
                data = await app_client.data(query, {"first": size}, as_=actor)
            assert len(data[field]["edges"]) == size
            counts.append((actor.organization_kind, len(statements)))
    small, large = counts[:2], counts[2:]
    assert small == large, counts


async def test_other_providers_see_none_of_it(app_client, delivered):
    other = delivered.staff[1]
    for query, field in (
        (SESSIONS, "benefitSessions"),
        (DISBURSEMENTS, "disbursements"),
        (PAYMENTS, "providerPayments"),
    ):
        data = await app_client.data(query, {"first": 10}, as_=other)
        assert data[field]["edges"] == []
