"""Two at once on PostgreSQL: enrollments racing for the last authorized units, and payment
runs of the same period, each end with exactly one winner."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.delivery.models import Attendance, Disbursement, ProviderPayment
from domain.errors import DomainError, ErrorCode
from tests.domain.delivery.conftest import (
    FIRST,
    attend,
    authorize,
    enroll,
    run_payments,
    schedule_sessions,
)

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _postgres(is_postgres):
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's")


async def test_two_enrollments_for_the_last_units_leave_one_enrolled(world, uow_factory):
    authorized = await authorize(world, uow_factory, quantity="2")
    _, sessions = await schedule_sessions(world, uow_factory, authorized)

    outcomes = await asyncio.gather(
        enroll(world, uow_factory, authorized, sessions[:2]),
        enroll(world, uow_factory, authorized, sessions[2:]),
        return_exceptions=True,
    )

    lost = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(lost) == 1 and isinstance(lost[0], DomainError)
    assert lost[0].code is ErrorCode.AUTHORIZED_UNITS_EXCEEDED
    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Disbursement)) == 2


async def test_two_runs_of_one_period_pay_once(world, uow_factory, clock):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    for session, disbursement in zip(sessions, made, strict=True):
        await attend(world, uow_factory, session, disbursement, Attendance.PRESENT)

    results = await asyncio.gather(
        run_payments(world, uow_factory), run_payments(world, uow_factory)
    )

    assert sorted(len(r.payments) for r in results) == [0, 1]
    async with uow_factory() as uow:
        totals = list(await uow.session.scalars(select(ProviderPayment.total_amount)))
    assert [str(t) for t in totals] == ["320.00"]


async def test_attendance_during_a_run_is_paid_or_corrected_never_lost(world, uow_factory, clock):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    for session, disbursement in zip(sessions[:3], made[:3], strict=True):
        await attend(world, uow_factory, session, disbursement, Attendance.PRESENT)

    await asyncio.gather(
        run_payments(world, uow_factory),
        attend(world, uow_factory, sessions[0], made[0], Attendance.PARTIAL, "0.5"),
        attend(world, uow_factory, sessions[3], made[3], Attendance.PRESENT),
        enroll(world, uow_factory, authorized, [await more_session(world, uow_factory, sessions)]),
    )
    await run_payments(world, uow_factory)

    async with uow_factory() as uow:
        paid = await uow.session.scalar(select(func.sum(ProviderPayment.total_amount)))
        owed = await uow.session.scalar(select(func.sum(Disbursement.amount)))
    assert paid == owed == Decimal("280.00")


async def more_session(world, uow_factory, sessions):
    """A fifth session of the same schedule."""
    from domain.delivery import service as delivery

    async with uow_factory() as uow:
        (fifth,) = await delivery.create_benefit_sessions(
            uow=uow, actor=world.staff[0], schedule_id=sessions[0].schedule_id, count=1
        )
    return fifth
