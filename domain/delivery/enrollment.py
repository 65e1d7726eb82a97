"""Seed 000 step 5: the authorized provider enrolls the constituent in sessions; each session
enrollment gets one disbursement (its planned units). All or nothing: a full session or too
few authorized units left refuses the whole enrollment and writes nothing."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.cases.timeline import add_case_event
from domain.delivery.access import delivery_event, record_created, require_provider_worker
from domain.delivery.authorized import ServiceAuthorization, load_for_delivery
from domain.delivery.lifecycle import DisbursementStatus, SessionStatus
from domain.delivery.models import BenefitSchedule, BenefitSession, Disbursement, SessionEnrollment
from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.identity.rules import Principal
from domain.money import cents
from domain.uow import UnitOfWork

ENTITY = "Disbursement"
Row = tuple[BenefitSession, BenefitSchedule]


async def enroll_in_sessions(
    *,
    uow: UnitOfWork,
    actor: Principal,
    authorization_line_id: uuid.UUID,
    session_ids: Sequence[uuid.UUID],
    quantity: Decimal | None = None,
) -> list[Disbursement]:
    """Enroll the authorization's person in each session, one disbursement per enrollment."""
    require_provider_worker(actor)
    if not session_ids:
        raise DomainError(ErrorCode.REQUIRED, "Choose at least one session", "sessionIds")
    if quantity is not None and quantity <= 0:
        raise DomainError(ErrorCode.INVALID, "Enroll for more than 0 units", "quantity")
    authorization, _ = await load_for_delivery(uow, actor, authorization_line_id)
    rows = await _sessions(uow, actor, session_ids)
    already = set(
        await uow.session.scalars(
            select(SessionEnrollment.session_id).where(
                SessionEnrollment.session_id.in_(set(session_ids)),
                SessionEnrollment.person_id == authorization.person_id,
            )
        )
    )
    _check(authorization, session_ids, rows, already, quantity)
    made = [await _enroll(uow, actor, authorization, *rows[sid], quantity) for sid in session_ids]
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.CREATE,
        entity=ENTITY,
        entity_ids=[d.id for d in made],
    )
    if authorization.case_id is not None:
        add_case_event(
            uow=uow,
            case_id=authorization.case_id,
            kind="delivery.enrolled",
            actor=actor,
            detail=f"{len(made)} session(s)",
        )
    uow.record(
        delivery_event(
            "service_authorization.enrolled",
            "ServiceAuthorization",
            authorization.id,
            (authorization.agency_organization_id, authorization.provider_organization_id),
            uow,
            sessions=len(made),
        )
    )
    await uow.commit()
    return made


async def _sessions(
    uow: UnitOfWork, actor: Principal, session_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Row]:
    """The provider's own sessions among `session_ids`, locked (their counts change)."""
    query = (
        select(BenefitSession, BenefitSchedule)
        .join(BenefitSchedule, BenefitSchedule.id == BenefitSession.schedule_id)
        .where(
            BenefitSession.id.in_(set(session_ids)),
            BenefitSession.provider_organization_id == actor.organization_id,
        )
        .order_by(BenefitSession.id)
        .with_for_update(of=BenefitSession)
    )
    return {s.id: (s, schedule) for s, schedule in (await uow.session.execute(query)).all()}


def _check(
    authorization: ServiceAuthorization,
    session_ids: Sequence[uuid.UUID],
    rows: dict[uuid.UUID, Row],
    already: set[uuid.UUID],
    quantity: Decimal | None,
) -> None:
    errors = ErrorCollector()
    seen: set[uuid.UUID] = set()
    units = Decimal(0)
    for index, sid in enumerate(session_ids):
        field = f"sessionIds.{index}"
        if sid not in rows:
            errors.add(ErrorCode.NOT_FOUND, "Benefit session not found", field)
            continue
        session, schedule = rows[sid]
        problem = _problem(authorization, session, schedule, sid in already or sid in seen)
        if problem is not None:
            errors.add(problem[0], problem[1], field)
        seen.add(sid)
        units += quantity if quantity is not None else schedule.default_quantity
    if not errors.errors and units > authorization.remaining_quantity:
        errors.add(
            ErrorCode.AUTHORIZED_UNITS_EXCEEDED,
            f"{units} units asked, {authorization.remaining_quantity} authorized units remain",
            "sessionIds",
        )
    errors.raise_if_any()


def _problem(
    authorization: ServiceAuthorization,
    session: BenefitSession,
    schedule: BenefitSchedule,
    enrolled: bool,
) -> tuple[ErrorCode, str] | None:
    day = session.starts_at.date()
    if (schedule.provider_id, schedule.benefit_id) != (
        authorization.provider_id,
        authorization.benefit_id,
    ):
        return ErrorCode.INVALID, "The session is not of the authorized provider and benefit"
    if session.status is not SessionStatus.SCHEDULED:
        return ErrorCode.ILLEGAL_TRANSITION, f"The session is {session.status}"
    if enrolled:
        return ErrorCode.DUPLICATE, "Already enrolled in this session"
    if (authorization.period_start and day < authorization.period_start) or (
        authorization.period_end and day > authorization.period_end
    ):
        return ErrorCode.INVALID_PERIOD, "The session is outside the authorized period"
    if session.enrolled_count >= schedule.max_participants:
        return ErrorCode.SESSION_FULL, f"The session is full ({schedule.max_participants})"
    return None


async def _enroll(
    uow: UnitOfWork,
    actor: Principal,
    authorization: ServiceAuthorization,
    session: BenefitSession,
    schedule: BenefitSchedule,
    quantity: Decimal | None,
) -> Disbursement:
    now = uow.clock.now()
    enrollment = SessionEnrollment(
        id=uuid.uuid4(),
        session_id=session.id,
        authorization_line_id=authorization.id,
        person_id=authorization.person_id,
        enrolled_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    disbursement = Disbursement(
        id=uuid.uuid4(),
        enrollment_id=enrollment.id,
        authorization_line_id=authorization.id,
        agency_organization_id=authorization.agency_organization_id,
        provider_organization_id=authorization.provider_organization_id,
        provider_id=authorization.provider_id,
        benefit_id=authorization.benefit_id,
        person_id=authorization.person_id,
        case_id=authorization.case_id,
        session_id=session.id,
        service_date=session.starts_at.date(),
        unit_of_measure=schedule.unit_of_measure,
        planned_quantity=cents(quantity if quantity is not None else schedule.default_quantity),
        currency=authorization.currency,
        status=DisbursementStatus.ENROLLED,
        approval_bucket=secrets.randbelow(10_000),
        payment_id=None,  # derived (not stored): unpaid
        paid_quantity=None,
        paid_amount=None,
        created_at=now,
        updated_at=now,
    )
    session.enrolled_count += 1
    session.updated_at = now
    uow.session.add(enrollment)
    await uow.session.flush()
    uow.session.add(disbursement)
    await uow.session.flush()
    await record_created(uow, actor, ENTITY, [disbursement], audit=False)
    return disbursement
