"""Service delivery on a real database: the authorized provider schedules sessions, enrolls
Steve, records attendance; the agency's supervisor runs payments and corrections settle."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from domain.authorizations.models import AuthorizationLine
from domain.delivery import service as delivery
from domain.delivery.authorized import service_authorizations
from domain.delivery.lifecycle import (
    ContractAction,
    CorrectionStatus,
    DisbursementStatus,
    PaymentAction,
    SessionStatus,
)
from domain.delivery.models import (
    Attendance,
    ContractKind,
    CorrectionKind,
    Disbursement,
    PaymentCorrection,
    PaymentLineKind,
    ProviderPaymentLine,
    RateSource,
)
from domain.delivery.rules import AttendanceRecord, ContractData
from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.history import StatusChange
from domain.providers.models import ProviderService
from tests.conftest import NOW
from tests.domain.delivery.conftest import (
    FIRST,
    PATTERN,
    attend,
    authorize,
    enroll,
    for_another_person,
    run_payments,
    schedule_sessions,
    set_line_rate,
)


async def disbursements_of(uow_factory, line_id):
    async with uow_factory() as uow:
        rows = await uow.session.scalars(
            select(Disbursement)
            .where(Disbursement.authorization_line_id == line_id)
            .order_by(Disbursement.service_date)
        )
        return list(rows)


async def line(uow_factory, line_id):
    async with uow_factory() as uow:
        return await uow.session.get(AuthorizationLine, line_id)


async def roster(
    world, uow_factory, sessions, disbursements, pattern=PATTERN, clock=None, share="0"
):
    for session, disbursement, attendance in zip(sessions, disbursements, pattern, strict=True):
        units = "0.5" if attendance is Attendance.PARTIAL else None
        await attend(world, uow_factory, session, disbursement, attendance, units, share=share)


async def delivered(world, uow_factory, clock, quantity="8", rate=None):
    authorized = await authorize(world, uow_factory, quantity=quantity, rate=rate)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    clock.set(FIRST + timedelta(weeks=4))
    return authorized, sessions, made


async def test_enrolling_creates_one_disbursement_per_session_and_reserves_units(
    world, uow_factory
):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    assert [s.starts_at.day for s in sessions] == [2, 9, 16, 23]

    made = await enroll(world, uow_factory, authorized, sessions)

    assert [d.status for d in made] == [DisbursementStatus.ENROLLED] * 4
    assert [d.planned_quantity for d in made] == [Decimal("1.00")] * 4
    async with uow_factory() as uow:
        (seen,) = await service_authorizations(uow=uow, actor=world.staff[0])
    assert seen.authorized_quantity == Decimal("8.00") and seen.remaining_quantity == 4
    async with uow_factory() as uow:
        (agency_view,) = await service_authorizations(uow=uow, actor=world.caseworker)
        others = await service_authorizations(uow=uow, actor=world.staff[1])
    assert agency_view.id == seen.id and others == []


async def test_enrolling_beyond_the_authorized_units_is_refused_and_writes_nothing(
    world, uow_factory
):
    authorized = await authorize(world, uow_factory, quantity="3")
    _, sessions = await schedule_sessions(world, uow_factory, authorized)

    with pytest.raises(ValidationErrors) as refused:
        await enroll(world, uow_factory, authorized, sessions)

    assert [(e.code, e.field) for e in refused.value.errors] == [
        (ErrorCode.AUTHORIZED_UNITS_EXCEEDED, "sessionIds")
    ]
    assert await disbursements_of(uow_factory, authorized.line_id) == []
    assert len(await enroll(world, uow_factory, authorized, sessions[:3])) == 3


async def test_a_full_session_refuses_the_whole_enrollment(world, uow_factory):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized, max_participants=1)
    mary = await for_another_person(world, uow_factory, "Mary")
    marys = await authorize(mary, uow_factory)
    await enroll(mary, uow_factory, marys, sessions[1:2])

    with pytest.raises(ValidationErrors) as refused:
        await enroll(world, uow_factory, authorized, sessions[:3])

    assert [(e.code, e.field) for e in refused.value.errors] == [
        (ErrorCode.SESSION_FULL, "sessionIds.1")
    ]
    assert await disbursements_of(uow_factory, authorized.line_id) == []
    assert len(await enroll(world, uow_factory, authorized, sessions[2:])) == 2


async def test_only_the_authorized_providers_staff_schedule_and_enroll(world, uow_factory):
    authorized = await authorize(world, uow_factory)
    with pytest.raises(DomainError) as other_provider:
        await schedule_sessions(world, uow_factory, authorized, staff=1)
    assert other_provider.value.code is ErrorCode.NOT_FOUND
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    with pytest.raises(DomainError) as not_theirs:
        await enroll(world, uow_factory, authorized, sessions, staff=1)
    assert not_theirs.value.code is ErrorCode.NOT_FOUND
    async with uow_factory() as uow:
        with pytest.raises(DomainError) as caseworker:
            await delivery.enroll_in_sessions(
                uow=uow,
                actor=world.caseworker,
                authorization_line_id=authorized.line_id,
                session_ids=[sessions[0].id],
            )
    assert caseworker.value.code is ErrorCode.FORBIDDEN


async def test_attendance_sets_disbursed_units_amounts_used_units_and_session_counts(
    world, uow_factory, clock
):
    authorized, sessions, made = await delivered(world, uow_factory, clock)

    await roster(world, uow_factory, sessions, made)

    after = await disbursements_of(uow_factory, authorized.line_id)
    assert [d.disbursed_quantity for d in after] == [Decimal(x) for x in ("1", "1", "0", "0.5")]
    assert [d.amount for d in after] == [Decimal(x) for x in ("80.00", "80.00", "0.00", "40.00")]
    assert {d.rate_source for d in after} == {RateSource.AUTHORIZATION}
    assert (await line(uow_factory, authorized.line_id)).used_quantity == Decimal("2.50")
    async with uow_factory() as uow:
        absent = await uow.session.get(type(sessions[2]), sessions[2].id)
    assert (absent.status, absent.attendee_count, absent.absentee_count) == (
        SessionStatus.COMPLETED,
        0,
        1,
    )


async def test_the_same_roster_sent_again_changes_nothing(world, uow_factory, clock):
    authorized, sessions, made = await delivered(world, uow_factory, clock)
    await attend(world, uow_factory, sessions[0], made[0], Attendance.PRESENT)
    async with uow_factory() as uow:
        before = await uow.session.scalar(select(func.count()).select_from(StatusChange))

    await attend(world, uow_factory, sessions[0], made[0], Attendance.PRESENT)

    async with uow_factory() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(StatusChange)) == before
    assert (await line(uow_factory, authorized.line_id)).used_quantity == Decimal("1.00")


async def test_attendance_before_the_session_starts_is_refused(world, uow_factory, clock):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    made = await enroll(world, uow_factory, authorized, sessions)
    with pytest.raises(DomainError) as early:
        await attend(world, uow_factory, sessions[0], made[0], Attendance.PRESENT)
    assert early.value.code is ErrorCode.SESSION_NOT_STARTED


async def test_a_roster_reports_every_bad_record_at_once(world, uow_factory, clock):
    _authorized, sessions, made = await delivered(world, uow_factory, clock)
    async with uow_factory() as uow:
        with pytest.raises(ValidationErrors) as refused:
            await delivery.record_attendance(
                uow=uow,
                actor=world.staff[0],
                session_id=sessions[0].id,
                records=[
                    AttendanceRecord(made[0].enrollment_id, Attendance.PARTIAL, Decimal(3)),
                    AttendanceRecord(made[1].enrollment_id, Attendance.PRESENT),
                ],
                manual_approval_share=Decimal(0),
            )
    assert [(e.code, e.field) for e in refused.value.errors] == [
        (ErrorCode.INVALID, "records.0.units"),
        (ErrorCode.NOT_ENROLLED, "records.1.enrollmentId"),
    ]


@pytest.mark.parametrize(
    ("contract_rate", "drop_provider_rate", "source", "amount"),
    [
        (Decimal("70.00"), False, RateSource.CONTRACT, "70.00"),
        (None, False, RateSource.PROVIDER_SERVICE, "80.00"),
        (None, True, RateSource.OFFERING, "85.00"),
    ],
)
async def test_without_an_authorization_rate_the_next_rate_by_priority_applies(
    world, uow_factory, clock, contract_rate, drop_provider_rate, source, amount
):
    authorized, sessions, made = await delivered(world, uow_factory, clock)
    await set_line_rate(uow_factory, authorized.line_id, None)
    if contract_rate is not None:
        await contract(world, uow_factory, ContractKind.UTILIZATION, rate=contract_rate)
    if drop_provider_rate:
        async with uow_factory() as uow:
            service = await uow.session.scalar(
                select(ProviderService).where(ProviderService.provider_id == world.providers[0])
            )
            service.rate = None
            await uow.commit()

    await attend(world, uow_factory, sessions[0], made[0], Attendance.PRESENT)

    (first, *_) = await disbursements_of(uow_factory, authorized.line_id)
    assert (first.rate_source, first.amount) == (source, Decimal(amount))


async def contract(world, uow_factory, kind, rate=None, amount=None):
    async with uow_factory() as uow:
        made = await delivery.create_provider_contract(
            uow=uow,
            actor=world.supervisor,
            data=ContractData(
                provider_id=world.providers[0],
                kind=kind,
                period_start=date(2026, 1, 1),
                period_end=date(2026, 12, 31),
                services=((world.grief, rate),),
                flat_amount=amount,
            ),
        )
    async with uow_factory() as uow:
        return await delivery.transition_provider_contract(
            uow=uow, actor=world.supervisor, contract_id=made.id, action=ContractAction.ACTIVATE
        )


async def test_a_payment_run_pays_the_provider_once_with_its_flat_rate(world, uow_factory, clock):
    authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made)
    await contract(world, uow_factory, ContractKind.FLAT_RATE, amount=Decimal("500"))

    first = await run_payments(world, uow_factory)
    again = await run_payments(world, uow_factory)

    (payment,) = first.payments
    assert payment.total_amount == Decimal("700.00") and payment.provider_id == world.providers[0]
    assert again.payments == [] and again.run.disbursements_paid == 0
    async with uow_factory() as uow:
        kinds = dict(
            (
                await uow.session.execute(
                    select(ProviderPaymentLine.kind, ProviderPaymentLine.amount).where(
                        ProviderPaymentLine.payment_id == payment.id
                    )
                )
            ).all()
        )
    assert kinds == {
        PaymentLineKind.DISBURSEMENT: Decimal("200.00"),
        PaymentLineKind.FLAT_RATE: Decimal("500.00"),
    }
    statuses = [d.current_status for d in await disbursements_of(uow_factory, authorized.line_id)]
    assert statuses == [
        DisbursementStatus.PAID,
        DisbursementStatus.PAID,
        DisbursementStatus.RECORDED,
        DisbursementStatus.PAID,
    ]


async def test_a_late_correction_is_an_underpayment_settled_by_the_next_run(
    world, uow_factory, clock
):
    _authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made)
    (paid,) = (await run_payments(world, uow_factory)).payments

    await attend(world, uow_factory, sessions[3], made[3], Attendance.PRESENT)

    async with uow_factory() as uow:
        (correction,) = await uow.session.scalars(select(PaymentCorrection))
        kept = await uow.session.get(Disbursement, made[3].id)
    assert (correction.kind, correction.amount, correction.original_payment_id) == (
        CorrectionKind.UNDERPAYMENT,
        Decimal("40.00"),
        paid.id,
    )
    assert (kept.paid_amount, kept.amount, kept.current_status) == (
        Decimal("40.00"),
        Decimal("80.00"),
        DisbursementStatus.PAID,
    )
    (settling,) = (
        await run_payments(world, uow_factory, (date(2026, 4, 1), date(2026, 4, 30)))
    ).payments
    assert settling.total_amount == Decimal("40.00")
    async with uow_factory() as uow:
        settled = await uow.session.get(PaymentCorrection, correction.id)
        unchanged = await uow.session.get(type(paid), paid.id)
    assert settled.status is CorrectionStatus.SETTLED and settled.settled_payment_id == settling.id
    assert unchanged.total_amount == Decimal("240.00") - Decimal("40.00")
    assert (await run_payments(world, uow_factory)).payments == []


async def test_an_overpayment_is_recovered_by_the_next_run(world, uow_factory, clock):
    _authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made)
    await run_payments(world, uow_factory)
    await attend(world, uow_factory, sessions[0], made[0], Attendance.ABSENT)
    (recovery,) = (await run_payments(world, uow_factory)).payments
    assert recovery.total_amount == Decimal("-80.00")


async def test_the_approval_check_holds_a_share_for_a_person_to_approve(world, uow_factory, clock):
    authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made, share="1")

    held = await run_payments(world, uow_factory)

    assert held.payments == [] and held.run.disbursements_held == 3
    async with uow_factory() as uow:
        await delivery.review_disbursements(
            uow=uow, actor=world.supervisor, disbursement_ids=[made[0].id, made[1].id], approve=True
        )
    async with uow_factory() as uow:
        await delivery.review_disbursements(
            uow=uow, actor=world.supervisor, disbursement_ids=[made[3].id], approve=False
        )
    (payment,) = (await run_payments(world, uow_factory)).payments
    assert payment.total_amount == Decimal("160.00")
    assert (await line(uow_factory, authorized.line_id)).used_quantity == Decimal("2.00")


async def test_a_cancelled_payment_makes_what_it_paid_payable_again(world, uow_factory, clock):
    _authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made)
    (payment,) = (await run_payments(world, uow_factory)).payments
    async with uow_factory() as uow:
        await delivery.transition_provider_payment(
            uow=uow, actor=world.supervisor, payment_id=payment.id, action=PaymentAction.CANCEL
        )
    (again,) = (await run_payments(world, uow_factory)).payments
    assert again.total_amount == payment.total_amount and again.id != payment.id


async def test_payments_are_run_by_the_agencys_supervisor_only(world, uow_factory, clock):
    for actor in (world.caseworker, world.staff[0]):
        async with uow_factory() as uow:
            with pytest.raises(DomainError) as refused:
                await delivery.run_provider_payments(
                    uow=uow,
                    actor=actor,
                    period_start=NOW.date(),
                    period_end=NOW.date(),
                )
        assert refused.value.code is ErrorCode.FORBIDDEN


async def test_a_payment_is_approved_then_issued_and_an_issued_one_stays(world, uow_factory, clock):
    _authorized, sessions, made = await delivered(world, uow_factory, clock)
    await roster(world, uow_factory, sessions, made)
    (payment,) = (await run_payments(world, uow_factory)).payments
    for action in (PaymentAction.APPROVE, PaymentAction.ISSUE):
        async with uow_factory() as uow:
            moved = await delivery.transition_provider_payment(
                uow=uow, actor=world.supervisor, payment_id=payment.id, action=action
            )
    assert moved.issued_at == clock.now()
    async with uow_factory() as uow:
        with pytest.raises(DomainError) as refused:
            await delivery.transition_provider_payment(
                uow=uow, actor=world.supervisor, payment_id=payment.id, action=PaymentAction.CANCEL
            )
    assert refused.value.code is ErrorCode.ILLEGAL_TRANSITION


async def test_a_cancelled_session_gives_its_units_back(world, uow_factory):
    authorized = await authorize(world, uow_factory)
    _, sessions = await schedule_sessions(world, uow_factory, authorized)
    await enroll(world, uow_factory, authorized, sessions)
    async with uow_factory() as uow:
        cancelled = await delivery.cancel_benefit_session(
            uow=uow, actor=world.staff[0], session_id=sessions[0].id, reason="Counsellor ill"
        )
    assert cancelled.status is SessionStatus.CANCELLED
    statuses = [d.status for d in await disbursements_of(uow_factory, authorized.line_id)]
    assert statuses == [DisbursementStatus.CANCELLED] + [DisbursementStatus.ENROLLED] * 3
    async with uow_factory() as uow:
        (seen,) = await service_authorizations(uow=uow, actor=world.staff[0])
    assert seen.remaining_quantity == Decimal(5)


async def test_a_suspended_contract_no_longer_sets_the_rate(world, uow_factory, clock):
    authorized, sessions, made = await delivered(world, uow_factory, clock)
    await set_line_rate(uow_factory, authorized.line_id, None)
    made_contract = await contract(world, uow_factory, ContractKind.UTILIZATION, rate=Decimal(70))
    async with uow_factory() as uow:
        await delivery.transition_provider_contract(
            uow=uow,
            actor=world.supervisor,
            contract_id=made_contract.id,
            action=ContractAction.SUSPEND,
        )
    await attend(world, uow_factory, sessions[0], made[0], Attendance.PRESENT)
    (first, *_) = await disbursements_of(uow_factory, authorized.line_id)
    assert (first.rate_source, first.amount) == (RateSource.PROVIDER_SERVICE, Decimal("80.00"))
