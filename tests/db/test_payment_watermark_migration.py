"""Migration 0013 (a payment run writes per payee): what was paid, by which payment, and
the status history of each disbursement survive a downgrade to the stored per-row state and
an upgrade back to the watermark, on the test backend."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, text

from db import migrate
from db.engine import create_engine
from db.uow import Database
from domain.delivery import reads
from domain.delivery import service as delivery
from domain.delivery.lifecycle import PaymentAction
from domain.delivery.models import Attendance, Disbursement
from settings import Settings
from tests.conftest import Orgs
from tests.db.test_migrations import scratch_url  # noqa: F401 (fixture)
from tests.domain.delivery.conftest import (
    FIRST,
    attend,
    authorize,
    enroll,
    run_payments,
    schedule_sessions,
)
from tests.domain.delivery.test_service import roster
from tests.world import build_world


async def _state(factory, ids):
    """Per disbursement: status as shown, payment, what was paid, and its history's steps."""
    async with factory() as uow:
        rows = {
            d.id: (d.current_status, d.payment_id, d.paid_quantity, d.paid_amount)
            for d in await uow.session.scalars(select(Disbursement).where(Disbursement.id.in_(ids)))
        }
        history = await reads.disbursement_history(uow=uow, ids=ids)
    return {
        i: (*rows[i], [(s.from_status, s.to_status, s.action) for s in history.get(i, [])])
        for i in ids
    }


async def test_0013_keeps_what_was_paid_and_its_history_both_ways(scratch_url, clock):  # noqa: F811
    migrate.upgrade(scratch_url)
    database = Database(
        create_engine(Settings(database_url=scratch_url, log_json=False)), clock=clock, bus=None
    )
    factory = database.uow_factory("migration")
    world = await build_world(Orgs(factory), factory)
    authorized = await authorize(world, factory)
    _, sessions = await schedule_sessions(world, factory, authorized)
    made = await enroll(world, factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    await roster(world, factory, sessions, made)  # present, present, absent, partial
    (cancelled,) = (await run_payments(world, factory)).payments
    clock.advance(timedelta(hours=1))
    async with factory() as uow:
        await delivery.transition_provider_payment(
            uow=uow, actor=world.supervisor, payment_id=cancelled.id, action=PaymentAction.CANCEL
        )
    clock.advance(timedelta(hours=1))
    (paid,) = (await run_payments(world, factory)).payments
    clock.advance(timedelta(hours=1))
    await attend(world, factory, sessions[3], made[3], Attendance.PRESENT)  # an underpayment
    ids = [d.id for d in made]
    before = await _state(factory, ids)
    await database.dispose()
    assert [before[i][1] for i in ids] == [paid.id, paid.id, None, paid.id]

    migrate.downgrade(scratch_url, "0012")
    engine = migrate.create_migration_engine(scratch_url)
    try:
        async with engine.connect() as conn:
            stored = {
                uuid.UUID(str(row.id)): (
                    row.status,
                    row.payment_id and uuid.UUID(str(row.payment_id)),
                    row.paid_amount,
                )
                for row in await conn.execute(
                    text("SELECT id, status, payment_id, paid_amount FROM disbursements")
                )
            }
            pays = (
                await conn.execute(
                    text(
                        "SELECT count(*) FROM status_changes"
                        " WHERE entity = 'Disbursement' AND action IN ('PAY', 'RELEASE')"
                    )
                )
            ).scalar_one()
    finally:
        await engine.dispose()
    assert [stored[i][:2] for i in ids] == [
        ("PAID", paid.id),
        ("PAID", paid.id),
        ("RECORDED", None),
        ("PAID", paid.id),
    ]
    assert [stored[i][2] for i in ids] == [before[i][3] for i in ids]
    assert pays == 3 * 3  # paid, released, paid again

    migrate.upgrade(scratch_url)
    database = Database(
        create_engine(Settings(database_url=scratch_url, log_json=False)), clock=clock, bus=None
    )
    try:
        after = await _state(database.uow_factory("migration"), ids)
    finally:
        await database.dispose()
    assert after == before
