"""The demo's service-delivery story (seed 000 steps 4-6): Dana Okafor's grief counselling
was referred to Cosville Grief Care Center, which accepted; Connor authorized eight sessions.
Grace, at Grief Care, runs a weekly group: four sessions, the first 17 days ago. Dana was
present at the first two; the third has no attendance yet (Grace records it in the portal), the
fourth is in a few days. A supervisor can then run the provider payments for the period."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from db.seed.demo_referrals import open_case_with_benefit
from domain.authorizations import agency
from domain.authorizations import service as authorizations
from domain.authorizations.lifecycle import ReviewAction
from domain.authorizations.rules import LineData, LineDecision
from domain.delivery import service as delivery
from domain.delivery.models import Attendance, Recurrence
from domain.delivery.rules import AttendanceRecord, ScheduleData
from domain.identity.rules import Principal
from domain.referrals import readers as referral_readers
from domain.referrals import service as referrals
from domain.referrals.rules import ReferralData
from domain.uow import UnitOfWork

SESSIONS = 4
AUTHORIZED_SESSIONS = Decimal(8)
# Attendance already recorded, session by session; the rest is left for the demo's user.
RECORDED = (Attendance.PRESENT, Attendance.PRESENT)


@dataclass(frozen=True)
class DeliveryStory:
    caseworker: Principal
    provider_staff: Principal  # of the provider that delivers
    provider_id: uuid.UUID
    grief_benefit: uuid.UUID
    person_id: uuid.UUID
    supervisor_threshold: Decimal
    manual_approval_share: Decimal  # CAREBRIDGE_MANUAL_APPROVAL_SHARE, applied at attendance


async def load_delivery_story(uow_factory: Callable[[], UnitOfWork], story: DeliveryStory) -> None:
    """Through the domain services, as the caseworker and the provider would do it."""
    line_id = await _authorize(uow_factory, story)
    async with uow_factory() as uow:
        today = uow.clock.now()
    # Weekly at 10:00 UTC: three sessions behind (the last a few days ago), one ahead.
    first = datetime.combine((today - timedelta(days=17)).date(), time(10, 0), today.tzinfo)
    grace = story.provider_staff
    async with uow_factory() as uow:
        schedule = await delivery.create_benefit_schedule(
            uow=uow,
            actor=grace,
            data=ScheduleData(
                authorization_line_id=line_id,
                name="Grief support group, weekly",
                default_quantity=Decimal(1),
                max_participants=8,
                recurrence=Recurrence.WEEKLY,
                first_session_start=first,
                first_session_end=first + timedelta(hours=1),
            ),
        )
    async with uow_factory() as uow:
        sessions = await delivery.create_benefit_sessions(
            uow=uow, actor=grace, schedule_id=schedule.id, count=SESSIONS
        )
    async with uow_factory() as uow:
        enrolled = await delivery.enroll_in_sessions(
            uow=uow,
            actor=grace,
            authorization_line_id=line_id,
            session_ids=[s.id for s in sessions],
        )
    by_session = {d.session_id: d for d in enrolled}
    for session, attendance in zip(sessions, RECORDED, strict=False):
        async with uow_factory() as uow:
            await delivery.record_attendance(
                uow=uow,
                actor=grace,
                session_id=session.id,
                records=[AttendanceRecord(by_session[session.id].enrollment_id, attendance)],
                manual_approval_share=story.manual_approval_share,
            )


async def _authorize(uow_factory: Callable[[], UnitOfWork], story: DeliveryStory) -> uuid.UUID:
    """Case, benefit, referral to one provider, accepted and requested, authorized."""
    connor = story.caseworker
    assignment, today = await open_case_with_benefit(
        uow_factory,
        connor,
        story.person_id,
        story.grief_benefit,
        title="Dana Okafor's care plan",
        quantity=AUTHORIZED_SESSIONS,
        since=timedelta(days=30),
        until=timedelta(days=150),
        notes="Bereavement support, group sessions preferred",
    )
    async with uow_factory() as uow:
        referral = await referrals.create_referral(
            uow=uow,
            actor=connor,
            data=ReferralData(
                benefit_assignment_id=assignment.id,
                provider_ids=(story.provider_id,),
                reason="Grief counselling after the death of her father",
                respond_by=today + timedelta(days=7),
                consent_given=True,
            ),
        )
    async with uow_factory() as uow:
        found = await referral_readers.recipients_by_referral_ids(
            uow=uow, actor=connor, referral_ids=[referral.id]
        )
    recipient = found[referral.id][0]
    async with uow_factory() as uow:
        await referrals.respond_to_referral(
            uow=uow, actor=story.provider_staff, recipient_id=recipient.id, accept=True
        )
    async with uow_factory() as uow:
        request = await authorizations.create_agency_request(
            uow=uow,
            actor=story.provider_staff,
            data=authorizations.AgencyRequestData(
                referral_recipient_id=recipient.id,
                lines=(LineData(AUTHORIZED_SESSIONS, description="Weekly group sessions"),),
            ),
        )
    async with uow_factory() as uow:
        line = (await authorizations.lines_by_request_ids(uow=uow, request_ids=[request.id]))[
            request.id
        ][0]
    async with uow_factory() as uow:
        await agency.record_agency_determination(
            uow=uow,
            actor=connor,
            request_id=request.id,
            decisions=(LineDecision(line.id, ReviewAction.CERTIFIED),),
            policy=agency.AgencyPolicy(supervisor_threshold=story.supervisor_threshold),
        )
    return line.id
