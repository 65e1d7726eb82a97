"""A world where Steve's grief counselling is authorized for Cosville Grief Care Center, and
helpers that walk the delivery steps through the domain services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.authorizations.models import AuthorizationLine
from domain.delivery import service as delivery
from domain.delivery.models import Attendance, Recurrence
from domain.delivery.rules import AttendanceRecord, ScheduleData
from tests.domain.referrals.test_service import (
    accept_and_request,
    approve,
    lines_of,
    open_case_with_benefit,
    recipients_of,
    refer,
)
from tests.world import World, build_world

FIRST = datetime(2026, 2, 2, 15, 0, tzinfo=UTC)
JANUARY_TO_MARCH = (date(2026, 1, 1), date(2026, 3, 31))


@pytest.fixture
async def world(orgs, uow_factory) -> World:
    return await build_world(orgs, uow_factory)


@dataclass
class Authorized:
    case_id: object
    request_id: object
    line_id: object


async def authorize(world: World, uow_factory, quantity="8", rate=None, provider=0) -> Authorized:
    """Steve referred to one provider, who accepts and asks; the caseworker approves."""
    case, assignment = await open_case_with_benefit(world, uow_factory)
    referral = await refer(world, uow_factory, assignment.id, [world.providers[provider]])
    recipient = (await recipients_of(world, uow_factory, referral.id))[world.providers[provider]]
    request = await accept_and_request(
        world, uow_factory, recipient.id, world.staff[provider], quantity=quantity
    )
    await approve(world, uow_factory, request.id, rate=rate)
    line = (await lines_of(uow_factory, request.id))[0]
    return Authorized(case.id, request.id, line.id)


async def schedule_sessions(world, uow_factory, authorized, count=4, max_participants=10, staff=0):
    async with uow_factory() as uow:
        schedule = await delivery.create_benefit_schedule(
            uow=uow,
            actor=world.staff[staff],
            data=ScheduleData(
                authorization_line_id=authorized.line_id,
                name="Grief group, Mondays",
                default_quantity=Decimal(1),
                max_participants=max_participants,
                recurrence=Recurrence.WEEKLY,
                first_session_start=FIRST,
                first_session_end=FIRST + timedelta(hours=1),
            ),
        )
    async with uow_factory() as uow:
        sessions = await delivery.create_benefit_sessions(
            uow=uow, actor=world.staff[staff], schedule_id=schedule.id, count=count
        )
    return schedule, sessions


async def enroll(world, uow_factory, authorized, sessions, staff=0):
    async with uow_factory() as uow:
        return await delivery.enroll_in_sessions(
            uow=uow,
            actor=world.staff[staff],
            authorization_line_id=authorized.line_id,
            session_ids=[s.id for s in sessions],
        )


async def attend(
    world, uow_factory, session, disbursement, attendance, units=None, staff=0, share="0"
):
    """One record; `share` of disbursements goes to manual approval (the check at attendance)."""
    async with uow_factory() as uow:
        return await delivery.record_attendance(
            uow=uow,
            actor=world.staff[staff],
            session_id=session.id,
            records=[
                AttendanceRecord(
                    disbursement.enrollment_id,
                    attendance,
                    None if units is None else Decimal(units),
                )
            ],
            manual_approval_share=Decimal(share),
        )


async def run_payments(world, uow_factory, period=JANUARY_TO_MARCH):
    async with uow_factory() as uow:
        return await delivery.run_provider_payments(
            uow=uow,
            actor=world.supervisor,
            period_start=period[0],
            period_end=period[1],
        )


async def set_line_rate(uow_factory, line_id, rate):
    async with uow_factory() as uow:
        line = await uow.session.scalar(
            select(AuthorizationLine).where(AuthorizationLine.id == line_id)
        )
        line.rate = rate
        await uow.commit()


PATTERN = (Attendance.PRESENT, Attendance.PRESENT, Attendance.ABSENT, Attendance.PARTIAL)


async def for_another_person(world: World, uow_factory, given_name: str) -> World:
    """The same world, its constituent another person of the agency."""
    from dataclasses import replace

    from domain.people import service as people
    from domain.people.rules import PersonData

    async with uow_factory() as uow:
        person = await people.create_person(
            uow=uow,
            actor=world.caseworker,
            data=PersonData(given_name=given_name, family_name="Doe", birth_date=date(1970, 1, 1)),
        )
    return replace(world, steve=person.id)
