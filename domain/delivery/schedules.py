"""Seed 000 step 4: the authorized provider creates a benefit schedule and its sessions (or
finds one that exists), and may cancel a session before it is held."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.access import delivery_event, move, record_created, require_provider_worker
from domain.delivery.authorized import load_for_delivery
from domain.delivery.lifecycle import (
    DISBURSEMENT_TRANSITIONS,
    SESSION_TRANSITIONS,
    DisbursementAction,
    DisbursementStatus,
    SessionAction,
    SessionStatus,
)
from domain.delivery.models import BenefitSchedule, BenefitSession, Disbursement
from domain.delivery.rules import ScheduleData, check_schedule, session_times
from domain.errors import not_found
from domain.identity.rules import Principal
from domain.money import cents
from domain.uow import UnitOfWork

SCHEDULE = "BenefitSchedule"
SESSION = "BenefitSession"


async def create_benefit_schedule(
    *, uow: UnitOfWork, actor: Principal, data: ScheduleData
) -> BenefitSchedule:
    """A schedule of the authorized provider for the authorization's benefit."""
    require_provider_worker(actor)
    check_schedule(data)
    authorization, _ = await load_for_delivery(
        uow, actor, data.authorization_line_id, "serviceAuthorizationId"
    )
    now = uow.clock.now()
    schedule = BenefitSchedule(
        provider_id=authorization.provider_id,
        provider_organization_id=authorization.provider_organization_id,
        benefit_id=authorization.benefit_id,
        name=data.name.strip(),
        default_quantity=cents(data.default_quantity),
        unit_of_measure=authorization.unit_of_measure,
        max_participants=data.max_participants,
        recurrence=data.recurrence,
        first_session_start=data.first_session_start,
        first_session_end=data.first_session_end,
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(schedule)
    await uow.session.flush()
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity=SCHEDULE, entity_ids=[schedule.id]
    )
    uow.record(
        delivery_event(
            "benefit_schedule.created",
            SCHEDULE,
            schedule.id,
            (schedule.provider_organization_id,),
            uow,
        )
    )
    await uow.commit()
    return schedule


async def load_schedule(
    uow: UnitOfWork, actor: Principal, schedule_id: uuid.UUID, field: str = "scheduleId"
) -> BenefitSchedule:
    schedule = await uow.session.scalar(
        select(BenefitSchedule)
        .where(
            BenefitSchedule.id == schedule_id,
            BenefitSchedule.provider_organization_id == actor.organization_id,
        )
        .with_for_update()
    )
    if schedule is None:
        raise not_found("Benefit schedule", field)
    return schedule


async def create_benefit_sessions(
    *, uow: UnitOfWork, actor: Principal, schedule_id: uuid.UUID, count: int
) -> list[BenefitSession]:
    """The schedule's next `count` occurrences, SCHEDULED, after the ones it has."""
    require_provider_worker(actor)
    schedule = await load_schedule(uow, actor, schedule_id)
    have = await uow.session.scalar(
        select(func.count()).where(BenefitSession.schedule_id == schedule.id)
    )
    times = session_times(
        schedule.first_session_start,
        schedule.first_session_end,
        schedule.recurrence,
        int(have or 0),
        count,
    )
    sessions = [
        _session(uow, schedule, int(have or 0) + index + 1, starts, ends)
        for index, (starts, ends) in enumerate(times)
    ]
    uow.session.add_all(sessions)
    await uow.session.flush()
    await record_created(uow, actor, SESSION, sessions)
    uow.record(
        delivery_event(
            "benefit_sessions.created",
            SCHEDULE,
            schedule.id,
            (schedule.provider_organization_id,),
            uow,
            count=len(sessions),
        )
    )
    await uow.commit()
    return sessions


def _session(
    uow: UnitOfWork, schedule: BenefitSchedule, sequence: int, starts: datetime, ends: datetime
) -> BenefitSession:
    now = uow.clock.now()
    return BenefitSession(
        id=uuid.uuid4(),
        schedule_id=schedule.id,
        provider_organization_id=schedule.provider_organization_id,
        sequence=sequence,
        starts_at=starts,
        ends_at=ends,
        status=SessionStatus.SCHEDULED,
        enrolled_count=0,
        attendee_count=0,
        absentee_count=0,
        created_at=now,
        updated_at=now,
    )


async def cancel_benefit_session(
    *, uow: UnitOfWork, actor: Principal, session_id: uuid.UUID, reason: str | None = None
) -> BenefitSession:
    """A session that will not be held: its enrollments' disbursements are cancelled, which
    gives their planned units back to the authorization."""
    require_provider_worker(actor)
    session = await uow.session.scalar(
        select(BenefitSession)
        .where(
            BenefitSession.id == session_id,
            BenefitSession.provider_organization_id == actor.organization_id,
        )
        .with_for_update()
    )
    if session is None:
        raise not_found("Benefit session", "id")
    await move(uow, actor, SESSION_TRANSITIONS, session, SESSION, SessionAction.CANCEL, reason)
    enrolled = await uow.session.scalars(
        select(Disbursement).where(
            Disbursement.session_id == session.id,
            Disbursement.status == DisbursementStatus.ENROLLED,
        )
    )
    organizations = {session.provider_organization_id}
    for disbursement in enrolled:
        await move(
            uow,
            actor,
            DISBURSEMENT_TRANSITIONS,
            disbursement,
            "Disbursement",
            DisbursementAction.CANCEL,
            "session cancelled",
        )
        organizations.add(disbursement.agency_organization_id)
    uow.record(
        delivery_event(
            "benefit_session.cancelled", SESSION, session.id, tuple(sorted(organizations)), uow
        )
    )
    await uow.commit()
    return session
