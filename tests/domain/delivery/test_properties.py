"""Properties over any sequence of enrollments, attendance records and payment runs: disbursed
units never exceed the authorized units, the line's used units are the disbursed ones, and
what was paid equals the disbursements paid plus the corrections settled."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from db.uow import Database
from domain.authorizations.models import AuthorizationLine
from domain.delivery.lifecycle import LIVE_DISBURSEMENTS, CorrectionStatus, PaymentStatus
from domain.delivery.models import Attendance, Disbursement, PaymentCorrection, ProviderPayment
from domain.errors import DomainError
from domain.registry import metadata
from tests.conftest import NOW, Orgs
from tests.domain.delivery.conftest import (
    FIRST,
    attend,
    authorize,
    enroll,
    run_payments,
    schedule_sessions,
)
from tests.world import build_world

SESSIONS = 5
AUTHORIZED = "3"
ATTENDANCE = st.sampled_from(
    [
        (Attendance.PRESENT, None),
        (Attendance.ABSENT, None),
        (Attendance.EXCUSED, None),
        (Attendance.PARTIAL, "0.5"),
    ]
)
STEP = st.one_of(
    st.tuples(
        st.just("enroll"), st.frozensets(st.integers(0, SESSIONS - 1), min_size=1, max_size=4)
    ),
    st.tuples(st.just("attend"), st.integers(0, SESSIONS - 1), ATTENDANCE),
    st.tuples(st.just("pay")),
)


async def _empty(engine) -> None:
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                await conn.execute(text(f"DELETE FROM {table.name}"))


async def _check(factory, line_id) -> None:
    async with factory() as uow:
        disbursed = await uow.session.scalar(
            select(func.coalesce(func.sum(Disbursement.disbursed_quantity), 0)).where(
                Disbursement.status.in_(LIVE_DISBURSEMENTS)
            )
        )
        line = await uow.session.get(AuthorizationLine, line_id)
    assert Decimal(disbursed) <= line.approved_quantity
    assert line.used_quantity == Decimal(disbursed)


async def _totals(factory):
    async with factory() as uow:
        paid = await uow.session.scalar(
            select(func.coalesce(func.sum(ProviderPayment.total_amount), 0)).where(
                ProviderPayment.status != PaymentStatus.CANCELLED
            )
        )
        disbursed = await uow.session.scalar(
            select(func.coalesce(func.sum(Disbursement.paid_amount), 0))
        )
        settled = await uow.session.scalar(
            select(func.coalesce(func.sum(PaymentCorrection.amount), 0)).where(
                PaymentCorrection.status == CorrectionStatus.SETTLED
            )
        )
        owed_now = await uow.session.scalar(
            select(func.coalesce(func.sum(Disbursement.amount), 0)).where(
                Disbursement.payment_id.is_not(None)
            )
        )
    return Decimal(paid), Decimal(disbursed), Decimal(settled), Decimal(owed_now)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=12))
async def test_any_sequence_keeps_units_within_the_authorization_and_payments_whole(
    engine, clock, steps
):
    await _empty(engine)
    clock.set(NOW)
    factory = Database(engine, clock=clock, bus=None).uow_factory("property")
    world = await build_world(Orgs(factory), factory)
    authorized = await authorize(world, factory, quantity=AUTHORIZED)
    _, sessions = await schedule_sessions(world, factory, authorized, count=SESSIONS)
    clock.set(FIRST + timedelta(weeks=SESSIONS))
    enrolled: dict[int, Disbursement] = {}
    for step in steps:
        try:
            if step[0] == "enroll":
                chosen = sorted(step[1])
                made = await enroll(world, factory, authorized, [sessions[i] for i in chosen])
                enrolled.update(zip(chosen, made, strict=True))
            elif step[0] == "attend" and step[1] in enrolled:
                attendance, units = step[2]
                await attend(
                    world, factory, sessions[step[1]], enrolled[step[1]], attendance, units
                )
            elif step[0] == "pay":
                await run_payments(world, factory, (date(2026, 1, 1), date(2026, 3, 31)))
        except DomainError:
            pass  # refused as a whole: the invariants must still hold
        await _check(factory, authorized.line_id)
    await run_payments(world, factory, (date(2026, 1, 1), date(2026, 3, 31)))
    paid, disbursed, settled, owed_now = await _totals(factory)
    assert paid == disbursed + settled
    assert paid == owed_now  # once settled, what was paid is what the attendance says
