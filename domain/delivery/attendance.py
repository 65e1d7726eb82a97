"""Seed 000 step 6: the provider records a session's attendance (a roster, in one batch). Each
enrollment's disbursement gets its disbursed units and amount, the authorization line its used
units, the session its counts, and each one with an amount the approval check (held for a
person, or approved and payable). Sending the same roster again changes nothing; a change
after payment leaves the payment as it was and records an over- or underpayment."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.models import AuthorizationLine
from domain.cases.timeline import add_case_event
from domain.delivery.access import (
    delivery_event,
    move,
    next_seq,
    record_created,
    require_provider_worker,
    share_payments,
)
from domain.delivery.approvals import approval_check
from domain.delivery.authorized import refresh_used_units
from domain.delivery.lifecycle import (
    DISBURSEMENT_TRANSITIONS,
    LIVE_DISBURSEMENTS,
    SESSION_TRANSITIONS,
    CorrectionStatus,
    DisbursementAction,
    SessionAction,
    SessionStatus,
)
from domain.delivery.models import (
    Attendance,
    BenefitSession,
    Disbursement,
    PaymentCorrection,
    RateSource,
    SessionEnrollment,
)
from domain.delivery.rates import FallbackRates, fallback_rates
from domain.delivery.reads import payment_steps
from domain.delivery.rules import (
    AttendanceRecord,
    amount_for,
    correction_for,
    disbursed_units,
    manual_approval_buckets,
)
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.identity.rules import Principal
from domain.lifecycle import IllegalTransition
from domain.uow import UnitOfWork

ENTITY = "Disbursement"
ATTENDED = (Attendance.PRESENT, Attendance.PARTIAL)


@dataclass(frozen=True, slots=True)
class Change:
    """What one record will set, worked out before anything is written."""

    enrollment: SessionEnrollment
    disbursement: Disbursement
    record: AttendanceRecord
    units: Decimal
    rate: Decimal
    source: RateSource


async def record_attendance(
    *,
    uow: UnitOfWork,
    actor: Principal,
    session_id: uuid.UUID,
    records: Sequence[AttendanceRecord],
    manual_approval_share: Decimal,
) -> BenefitSession:
    """Record the roster's attendance; a session whose whole roster is in becomes COMPLETED.
    Each disbursement recorded with an amount goes through the approval check: a sampled
    `manual_approval_share` waits for a person, the others are approved and payable."""
    require_provider_worker(actor)
    threshold = manual_approval_buckets(manual_approval_share)
    locked = await _lock_in_order(uow, actor, session_id)
    session = await _load_session(uow, actor, session_id)
    pairs = await _roster(uow, session)
    await _lock_lines(uow, [d.authorization_line_id for _, d in pairs.values()], locked)
    changes = await _changes(uow, records, pairs)
    seqs: dict[uuid.UUID, int] = {}
    for change in changes:
        await _apply(uow, actor, change, threshold, seqs)
    await uow.session.flush()
    await refresh_used_units(uow, {c.disbursement.authorization_line_id for c in changes})
    await _refresh_counts(uow, actor, session, [e for e, _ in pairs.values()])
    if changes:
        await record_access(
            uow=uow,
            actor=actor,
            action=AuditAction.UPDATE,
            entity=ENTITY,
            entity_ids=[c.disbursement.id for c in changes],
            fields=["attendance", "disbursedQuantity", "amount"],
        )
        agencies = {c.disbursement.agency_organization_id for c in changes}
        for case_id in sorted({c.disbursement.case_id for c in changes if c.disbursement.case_id}):
            add_case_event(
                uow=uow,
                case_id=case_id,
                kind="delivery.attendance_recorded",
                actor=actor,
                related=("BenefitSession", session.id),
            )
        uow.record(
            delivery_event(
                "benefit_session.attendance_recorded",
                "BenefitSession",
                session.id,
                (session.provider_organization_id, *sorted(agencies)),
                uow,
                changed=len(changes),
            )
        )
    await uow.commit()
    return session


async def _load_session(uow: UnitOfWork, actor: Principal, session_id: uuid.UUID) -> BenefitSession:
    session = await uow.session.scalar(
        select(BenefitSession)
        .where(
            BenefitSession.id == session_id,
            BenefitSession.provider_organization_id == actor.organization_id,
        )
        .with_for_update()
    )
    if session is None:
        raise not_found("Benefit session", "sessionId")
    if session.status is SessionStatus.CANCELLED:
        raise IllegalTransition(session.status, SessionAction.COMPLETE)
    if uow.clock.now() < session.starts_at:
        raise DomainError(
            ErrorCode.SESSION_NOT_STARTED,
            "Attendance is recorded once the session starts",
            "sessionId",
        )
    return session


async def _roster(
    uow: UnitOfWork, session: BenefitSession
) -> dict[uuid.UUID, tuple[SessionEnrollment, Disbursement]]:
    query = (
        select(SessionEnrollment, Disbursement)
        .join(Disbursement, Disbursement.enrollment_id == SessionEnrollment.id)
        .where(SessionEnrollment.session_id == session.id)
        .with_for_update(of=Disbursement)
    )
    return {e.id: (e, d) for e, d in (await uow.session.execute(query)).all()}


async def _lock_in_order(
    uow: UnitOfWork, actor: Principal, session_id: uuid.UUID
) -> set[uuid.UUID]:
    """Locks in the order every delivery use case takes them: the agencies' payment rows
    (shared; a run takes them exclusively), the authorization lines (as enrollment does), then
    the session and its disbursements. The lines locked are returned."""
    rows = (
        await uow.session.execute(
            select(Disbursement.agency_organization_id, Disbursement.authorization_line_id)
            .where(
                Disbursement.session_id == session_id,
                Disbursement.provider_organization_id == actor.organization_id,
            )
            .distinct()
        )
    ).all()
    await share_payments(uow, {agency for agency, _ in rows})
    lines = {line for _, line in rows}
    await _lock_lines(uow, list(lines))
    return lines


async def _lock_lines(
    uow: UnitOfWork, line_ids: list[uuid.UUID], already: set[uuid.UUID] | None = None
) -> None:
    """Attendance and enrollment on one authorization are serialised on its line, in id
    order so that two rosters sharing lines cannot deadlock."""
    line_ids = [i for i in line_ids if i not in (already or set())]
    if line_ids:
        await uow.session.execute(
            select(AuthorizationLine.id)
            .where(AuthorizationLine.id.in_(set(line_ids)))
            .order_by(AuthorizationLine.id)
            .with_for_update()
        )


async def _changes(
    uow: UnitOfWork,
    records: Sequence[AttendanceRecord],
    pairs: dict[uuid.UUID, tuple[SessionEnrollment, Disbursement]],
) -> list[Change]:
    """Every record checked (all problems reported at once); unchanged ones drop out."""
    errors = ErrorCollector()
    seen: set[uuid.UUID] = set()
    rates: dict[uuid.UUID, FallbackRates] = {}
    changes: list[Change] = []
    for index, record in enumerate(records):
        found = pairs.get(record.enrollment_id)
        if found is None or record.enrollment_id in seen:
            code = ErrorCode.DUPLICATE if found else ErrorCode.NOT_ENROLLED
            errors.add(
                code,
                "Not an enrollment of this session, or given twice",
                f"records.{index}.enrollmentId",
            )
            continue
        seen.add(record.enrollment_id)
        enrollment, disbursement = found
        try:
            units = disbursed_units(record, disbursement.planned_quantity)
        except DomainError as error:
            errors.add(error.code, error.message, f"records.{index}.{error.field}")
            continue
        if disbursement.status not in LIVE_DISBURSEMENTS:
            errors.add(
                ErrorCode.ILLEGAL_TRANSITION,
                f"The disbursement is {disbursement.status}",
                f"records.{index}",
            )
            continue
        if (enrollment.attendance, enrollment.attended_units) == (record.attendance, units):
            continue
        chosen = await _rate(uow, disbursement, rates)
        if chosen is None:
            errors.add(ErrorCode.NO_RATE, "No rate is known for this service", f"records.{index}")
            continue
        changes.append(Change(enrollment, disbursement, record, units, *chosen))
    errors.raise_if_any()
    return changes


async def _rate(
    uow: UnitOfWork, disbursement: Disbursement, cache: dict[uuid.UUID, FallbackRates]
) -> tuple[Decimal, RateSource] | None:
    line_rate = await uow.session.scalar(
        select(AuthorizationLine.rate).where(
            AuthorizationLine.id == disbursement.authorization_line_id
        )
    )
    agency = disbursement.agency_organization_id
    if agency not in cache:
        cache[agency] = await fallback_rates(
            uow,
            agency_id=agency,
            provider_id=disbursement.provider_id,
            benefit_id=disbursement.benefit_id,
            day=disbursement.service_date,
        )
    return cache[agency].with_authorization(line_rate)


async def _apply(
    uow: UnitOfWork, actor: Principal, change: Change, threshold: int, seqs: dict[uuid.UUID, int]
) -> None:
    enrollment, disbursement = change.enrollment, change.disbursement
    paid = disbursement.payment_id is not None
    if paid and disbursement.amount_as_paid is None:
        # the row is written anyway: keep what its payment paid before it changes
        disbursement.quantity_as_paid = disbursement.disbursed_quantity
        disbursement.amount_as_paid = disbursement.amount
    enrollment.attendance = change.record.attendance
    enrollment.attended_units = change.units
    enrollment.recorded_at = enrollment.updated_at = uow.clock.now()
    enrollment.recorded_by_id = actor.subject_id
    disbursement.disbursed_quantity = change.units
    disbursement.rate, disbursement.rate_source = change.rate, change.source
    disbursement.amount = amount_for(change.units, change.rate)
    disbursement.updated_at = uow.clock.now()
    if paid:  # PAID -RECORD-> PAID: it stays covered by its payment, a correction follows
        await _correct(uow, actor, disbursement)
        return
    if disbursement.payable_seq is not None:
        # no longer payable until checked again; a cancelled payment's PAY and RELEASE steps,
        # read from that payment so far, are kept in its own history before they stop applying
        await _keep_payment_steps(uow, disbursement)
        disbursement.payable_seq = None
    await move(
        uow, actor, DISBURSEMENT_TRANSITIONS, disbursement, ENTITY, DisbursementAction.RECORD
    )
    agency = disbursement.agency_organization_id
    if agency not in seqs:
        seqs[agency] = await next_seq(uow, agency)
    await approval_check(uow, actor, disbursement, threshold, seqs[agency])


async def _keep_payment_steps(uow: UnitOfWork, disbursement: Disbursement) -> None:
    steps = (await payment_steps(uow, [disbursement.id])).get(disbursement.id, [])
    uow.session.add_all(step.copy() for step in steps)


async def _correct(uow: UnitOfWork, actor: Principal, disbursement: Disbursement) -> None:
    """Attendance changed after payment: what is due now against what was paid and earlier
    corrections becomes an open correction for the next run; the payment stays as it was."""
    assert disbursement.payment_id is not None and disbursement.amount_as_paid is not None
    earlier = (
        await uow.session.execute(
            select(
                func.coalesce(func.sum(PaymentCorrection.amount), 0),
                func.coalesce(func.sum(PaymentCorrection.quantity_delta), 0),
            ).where(PaymentCorrection.disbursement_id == disbursement.id)
        )
    ).one()
    assert disbursement.amount is not None and disbursement.disbursed_quantity is not None
    found = correction_for(disbursement.amount, [disbursement.amount_as_paid, Decimal(earlier[0])])
    if found is None:
        return
    kind, delta = found
    now = uow.clock.now()
    correction = PaymentCorrection(
        id=uuid.uuid4(),
        organization_id=disbursement.agency_organization_id,
        disbursement_id=disbursement.id,
        original_payment_id=disbursement.payment_id,
        kind=kind,
        quantity_delta=disbursement.disbursed_quantity
        - (disbursement.quantity_as_paid or Decimal(0))
        - Decimal(earlier[1]),
        amount=delta,
        status=CorrectionStatus.OPEN,
        reason="attendance corrected after payment",
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(correction)
    await uow.session.flush()
    await record_created(uow, actor, "PaymentCorrection", [correction], audit=False)
    uow.record(
        delivery_event(
            f"payment_correction.{kind.value.lower()}",
            "PaymentCorrection",
            correction.id,
            (disbursement.agency_organization_id, disbursement.provider_organization_id),
            uow,
            amount=delta,
        )
    )


async def _refresh_counts(
    uow: UnitOfWork, actor: Principal, session: BenefitSession, roster: list[SessionEnrollment]
) -> None:
    session.attendee_count = sum(1 for e in roster if e.attendance in ATTENDED)
    session.absentee_count = sum(
        1 for e in roster if e.attendance is not None and e.attendance not in ATTENDED
    )
    session.updated_at = uow.clock.now()
    if session.status is SessionStatus.SCHEDULED and all(e.attendance for e in roster) and roster:
        await move(
            uow, actor, SESSION_TRANSITIONS, session, "BenefitSession", SessionAction.COMPLETE
        )
