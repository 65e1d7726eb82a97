"""The set-based payment run over several providers, benefits and runs: every disbursement is
paid once, by its own provider's payment of one run, and the lines, the disbursements' paid
amounts, the run's counts and the status history all agree on it."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from domain.delivery import reads
from domain.delivery import service as delivery
from domain.delivery.lifecycle import DisbursementAction, DisbursementStatus, PaymentAction
from domain.delivery.models import (
    Attendance,
    Disbursement,
    PaymentLineKind,
    ProviderPayment,
    ProviderPaymentLine,
)
from tests.domain.delivery.conftest import (
    FIRST,
    attend,
    authorize,
    enroll,
    run_payments,
    schedule_sessions,
)
from tests.domain.delivery.test_service import roster

FEBRUARY = (date(2026, 2, 1), date(2026, 2, 28))
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
D, DA = DisbursementStatus, DisbursementAction


async def two_providers(world, uow_factory, clock):
    """Steve at both providers, four weekly sessions each from 2 February: the first three
    attended before the February run, the last (23 February) recorded after it."""
    delivered = []
    for provider in (0, 1):
        authorized = await authorize(world, uow_factory, rate=Decimal(80), provider=provider)
        _, sessions = await schedule_sessions(world, uow_factory, authorized, staff=provider)
        made = await enroll(world, uow_factory, authorized, sessions, staff=provider)
        delivered.append((sessions, made))
    clock.set(FIRST + timedelta(weeks=4))
    for provider, (sessions, made) in enumerate(delivered):
        for session, disbursement in zip(sessions[:3], made[:3], strict=True):
            await attend(
                world, uow_factory, session, disbursement, Attendance.PRESENT, staff=provider
            )
    return delivered


async def ledger(uow_factory):
    """What was paid, seen from the disbursements, the lines and the payments."""
    async with uow_factory() as uow:
        paid = list(
            await uow.session.scalars(
                select(Disbursement).where(Disbursement.payment_id.is_not(None))
            )
        )
        payments = {p.id: p for p in await uow.session.scalars(select(ProviderPayment))}
        lines = list(await uow.session.scalars(select(ProviderPaymentLine)))
        every = list(await uow.session.scalars(select(Disbursement.id)))
        pays = Counter(
            step.entity_id
            for steps in (await reads.disbursement_history(uow=uow, ids=every)).values()
            for step in steps
            if step.action == DisbursementAction.PAY.value
        )
    return paid, payments, lines, pays


async def history_of(uow_factory, ids):
    """The disbursements' status history as the domain reads it (PAY steps from payments)."""
    async with uow_factory() as uow:
        found = await reads.disbursement_history(uow=uow, ids=ids)
    return [step for i in ids for step in found.get(i, [])]


def check_each_paid_once(paid, payments, lines, pays):
    for disbursement in paid:
        payment = payments[disbursement.payment_id]
        assert payment.provider_id == disbursement.provider_id
        assert disbursement.current_status is D.PAID
        assert (disbursement.paid_amount, disbursement.paid_quantity) == (
            disbursement.amount,
            disbursement.disbursed_quantity,
        )
    assert pays == Counter(d.id for d in paid)  # one PAY in the history per paid disbursement
    by_payment: dict[object, list[Disbursement]] = {}
    for disbursement in paid:
        by_payment.setdefault(disbursement.payment_id, []).append(disbursement)
    for payment_id, payment in payments.items():
        own = [line for line in lines if line.payment_id == payment_id]
        disbursed = [line for line in own if line.kind is PaymentLineKind.DISBURSEMENT]
        mine = by_payment.get(payment_id, [])
        assert sum(line.disbursement_count for line in disbursed) == len(mine)
        assert sum((line.amount for line in disbursed), Decimal(0)) == sum(
            (d.paid_amount for d in mine), Decimal(0)
        )
        assert payment.total_amount == sum((line.amount for line in own), Decimal(0))


async def test_two_providers_over_two_runs_each_disbursement_is_paid_once(
    world, uow_factory, clock
):
    delivered = await two_providers(world, uow_factory, clock)

    february = await run_payments(world, uow_factory, FEBRUARY)
    for provider, (sessions, made) in enumerate(delivered):  # late: 23 February, after the run
        await attend(world, uow_factory, sessions[3], made[3], Attendance.PARTIAL, "0.5", provider)
    again = await run_payments(world, uow_factory, FEBRUARY)
    march = await run_payments(world, uow_factory, MARCH)

    assert len(february.payments) == 2 and february.run.disbursements_paid == 6
    assert {p.provider_id for p in february.payments} == set(world.providers[:2])
    assert {p.total_amount for p in february.payments} == {Decimal("240.00")}
    # the February period again pays the late ones only; March finds nothing left
    assert again.run.disbursements_paid == 2 and len(again.payments) == 2
    assert {p.total_amount for p in again.payments} == {Decimal("40.00")}
    assert march.payments == [] and march.run.disbursements_paid == 0
    paid, payments, lines, pays = await ledger(uow_factory)
    assert len(paid) == 8 and len(payments) == 4
    check_each_paid_once(paid, payments, lines, pays)
    assert sum((p.total_amount for p in payments.values()), Decimal(0)) == Decimal("560.00")


async def test_a_cancelled_payment_is_paid_again_once_and_its_history_says_so(
    world, uow_factory, clock
):
    delivered = await two_providers(world, uow_factory, clock)
    first = await run_payments(world, uow_factory, FEBRUARY)
    cancelled = next(p for p in first.payments if p.provider_id == world.providers[0])
    async with uow_factory() as uow:
        await delivery.transition_provider_payment(
            uow=uow, actor=world.supervisor, payment_id=cancelled.id, action=PaymentAction.CANCEL
        )

    (repaid,) = (await run_payments(world, uow_factory, FEBRUARY)).payments

    assert (repaid.provider_id, repaid.total_amount) == (world.providers[0], Decimal("240.00"))
    moved = Counter(
        step.action for step in await history_of(uow_factory, [d.id for d in delivered[0][1][:3]])
    )
    async with uow_factory() as uow:
        paid_by = set(
            await uow.session.scalars(
                select(Disbursement.payment_id).where(
                    Disbursement.id.in_([d.id for d in delivered[0][1][:3]])
                )
            )
        )
    # each of the three: enrolled, recorded, approved by the check, paid, released, paid again
    assert dict(moved) == {
        None: 3,
        DA.RECORD.value: 3,
        DA.APPROVE.value: 3,
        DA.PAY.value: 6,
        DA.RELEASE.value: 3,
    }
    assert paid_by == {repaid.id}


async def test_the_history_of_a_run_tells_each_step_once(world, uow_factory, clock):
    """Held by the check, then approved by a person and paid; or rejected; absent ones are
    not touched by a run."""
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    await roster(world, uow_factory, sessions, made, share="1")  # present, present, absent, partial
    held = await run_payments(world, uow_factory)
    for disbursement, approve in ((made[0], True), (made[3], False)):
        async with uow_factory() as uow:
            await delivery.review_disbursements(
                uow=uow, actor=world.supervisor, disbursement_ids=[disbursement.id], approve=approve
            )
    paid = await run_payments(world, uow_factory)

    assert (held.run.disbursements_held, paid.run.disbursements_paid) == (3, 1)
    rows = await history_of(uow_factory, [d.id for d in made])
    steps = [
        [(r.from_status, r.to_status, r.action) for r in rows if r.entity_id == d.id] for d in made
    ]
    recorded = [(None, "ENROLLED", None), ("ENROLLED", "RECORDED", "RECORD")]
    hold = ("RECORDED", "PENDING_APPROVAL", "HOLD")
    assert steps == [
        [*recorded, hold, ("PENDING_APPROVAL", "APPROVED", "APPROVE"), ("APPROVED", "PAID", "PAY")],
        [*recorded, hold],  # still waiting for a person
        recorded,  # absent: nothing to pay
        [*recorded, hold, ("PENDING_APPROVAL", "REJECTED", "REJECT")],
    ]


async def test_a_run_pays_up_to_its_period_end_and_a_later_period_the_rest_once(
    world, uow_factory, clock
):
    """Approved before the first run but served after its period's end: left for the run of
    a period that includes them, whatever the order the disbursements became payable in."""
    delivered = await two_providers(world, uow_factory, clock)  # 2, 9 and 16 February recorded

    early = await run_payments(world, uow_factory, (date(2026, 2, 1), date(2026, 2, 10)))
    rest = await run_payments(world, uow_factory, FEBRUARY)

    assert early.run.disbursements_paid == 4 and rest.run.disbursements_paid == 2
    assert {p.total_amount for p in early.payments} == {Decimal("160.00")}
    assert {p.total_amount for p in rest.payments} == {Decimal("80.00")}
    paid, payments, lines, pays = await ledger(uow_factory)
    check_each_paid_once(paid, payments, lines, pays)
    by_rest = {p.provider_id: p.id for p in rest.payments}
    for provider, (_sessions, made) in enumerate(delivered):
        third = next(d for d in paid if d.id == made[2].id)
        assert third.payment_id == by_rest[world.providers[provider]]
        assert {d.payment_id for d in paid if d.id in (made[0].id, made[1].id)} == {
            p.id for p in early.payments if p.provider_id == world.providers[provider]
        }


async def test_recorded_again_after_its_payment_was_cancelled_it_keeps_that_story(
    world, uow_factory, clock
):
    """Released by a cancelled payment, then recorded again (so checked and approved again):
    the PAY and RELEASE steps read from the cancelled payment stay in its history, and the
    next run pays it once, at its new amount."""
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    await roster(world, uow_factory, sessions, made)  # present, present, absent, partial
    (first,) = (await run_payments(world, uow_factory)).payments
    async with uow_factory() as uow:
        await delivery.transition_provider_payment(
            uow=uow, actor=world.supervisor, payment_id=first.id, action=PaymentAction.CANCEL
        )
    await attend(world, uow_factory, sessions[0], made[0], Attendance.PARTIAL, "0.5")

    (again,) = (await run_payments(world, uow_factory)).payments

    assert (first.total_amount, again.total_amount) == (Decimal("200.00"), Decimal("160.00"))
    steps = [
        (s.from_status, s.to_status, s.action) for s in await history_of(uow_factory, [made[0].id])
    ]
    assert steps == [
        (None, "ENROLLED", None),
        ("ENROLLED", "RECORDED", "RECORD"),
        ("RECORDED", "APPROVED", "APPROVE"),
        ("APPROVED", "PAID", "PAY"),
        ("PAID", "APPROVED", "RELEASE"),
        ("APPROVED", "RECORDED", "RECORD"),
        ("RECORDED", "APPROVED", "APPROVE"),
        ("APPROVED", "PAID", "PAY"),
    ]
    paid, _payments, _lines, pays = await ledger(uow_factory)
    assert pays == Counter({d.id: 2 for d in (made[0], made[1], made[3])})
    assert {d.id: (d.payment_id, d.paid_amount) for d in paid} == {
        made[0].id: (again.id, Decimal("40.00")),
        made[1].id: (again.id, Decimal("80.00")),
        made[3].id: (again.id, Decimal("40.00")),
    }
