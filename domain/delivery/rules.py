"""Pure delivery rules: session dates from a recurrence, units from attendance, the rate by
priority, amounts rounded once, the approval sample and the correction of a paid amount."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from domain.delivery.models import (
    Attendance,
    ContractKind,
    CorrectionKind,
    DeliveryFrequency,
    RateSource,
    Recurrence,
)
from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.money import cents

MAX_SESSIONS_PER_CALL = 100


@dataclass(frozen=True, slots=True)
class ScheduleData:
    authorization_line_id: uuid.UUID
    name: str
    default_quantity: Decimal
    max_participants: int
    recurrence: Recurrence
    first_session_start: datetime
    first_session_end: datetime


@dataclass(frozen=True, slots=True)
class AttendanceRecord:
    enrollment_id: uuid.UUID
    attendance: Attendance
    units: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ContractData:
    provider_id: uuid.UUID
    kind: ContractKind
    period_start: date
    period_end: date
    services: tuple[tuple[uuid.UUID, Decimal | None], ...]
    flat_amount: Decimal | None = None


def check_schedule(data: ScheduleData) -> None:
    errors = ErrorCollector()
    errors.check_lengths({"name": data.name}, {"name": 200})
    if not data.name.strip():
        errors.add(ErrorCode.REQUIRED, "Name the schedule", "name")
    if data.default_quantity <= 0:
        errors.add(ErrorCode.INVALID, "A session delivers more than 0 units", "defaultQuantity")
    if data.max_participants < 1:
        errors.add(ErrorCode.INVALID, "At least one participant", "maxParticipants")
    for field, value in (
        ("firstSessionStart", data.first_session_start),
        ("firstSessionEnd", data.first_session_end),
    ):
        if value.tzinfo is None:
            errors.add(ErrorCode.INVALID, "Give the time with its offset", field)
    if not errors.errors and data.first_session_end <= data.first_session_start:
        errors.add(ErrorCode.INVALID_PERIOD, "A session ends after it starts", "firstSessionEnd")
    errors.raise_if_any()


def _shift(start: datetime, recurrence: Recurrence, index: int) -> datetime:
    if recurrence is Recurrence.MONTHLY:
        month = start.month - 1 + index
        year, month = start.year + month // 12, month % 12 + 1
        day = min(start.day, 28)  # every month has a 28th
        return start.replace(year=year, month=month, day=day)
    step = {Recurrence.DAILY: 1, Recurrence.WEEKLY: 7, Recurrence.BIWEEKLY: 14}
    return start + timedelta(days=step.get(recurrence, 0) * index)


def session_times(
    first_start: datetime, first_end: datetime, recurrence: Recurrence, first: int, count: int
) -> list[tuple[datetime, datetime]]:
    """Start and end of occurrences `first`..`first+count-1` (0 is the schedule's first)."""
    if not 1 <= count <= MAX_SESSIONS_PER_CALL:
        raise DomainError(
            ErrorCode.LIMIT_EXCEEDED,
            f"Between 1 and {MAX_SESSIONS_PER_CALL} sessions at a time",
            "count",
        )
    if recurrence is Recurrence.NONE and first + count > 1:
        raise DomainError(
            ErrorCode.INVALID, "A schedule without recurrence has one session", "count"
        )
    length = first_end - first_start
    return [
        (at, at + length)
        for at in (_shift(first_start, recurrence, i) for i in range(first, first + count))
    ]


def disbursed_units(record: AttendanceRecord, planned: Decimal) -> Decimal:
    """PRESENT delivers what was planned, ABSENT and EXCUSED nothing, PARTIAL its units (more
    than none, less than planned)."""
    if record.attendance is Attendance.PARTIAL:
        if record.units is None:
            raise DomainError(ErrorCode.REQUIRED, "PARTIAL attendance needs its units", "units")
        if not 0 < record.units < planned:
            raise DomainError(
                ErrorCode.INVALID, f"PARTIAL units are more than 0 and less than {planned}", "units"
            )
        return Decimal(record.units)
    if record.units is not None:
        raise DomainError(ErrorCode.INVALID, "Only PARTIAL attendance takes units", "units")
    return planned if record.attendance is Attendance.PRESENT else Decimal(0)


def choose_rate(
    *,
    authorization: Decimal | None,
    contract: Decimal | None,
    provider_service: Decimal | None,
    offering: Decimal | None,
) -> tuple[Decimal, RateSource] | None:
    """The first rate given, by priority: authorization line > utilization contract >
    provider service > offering; None when no rate is known anywhere."""
    for rate, source in (
        (authorization, RateSource.AUTHORIZATION),
        (contract, RateSource.CONTRACT),
        (provider_service, RateSource.PROVIDER_SERVICE),
        (offering, RateSource.OFFERING),
    ):
        if rate is not None:
            return rate, source
    return None


def amount_for(units: Decimal, rate: Decimal) -> Decimal:
    """Units x rate, exact, then rounded half up to cents: once, here."""
    result = cents(units * rate)
    assert result is not None
    return result


APPROVAL_BUCKETS = 10_000


def manual_approval_buckets(share: Decimal) -> int:
    """How many of the 10,000 approval buckets go to manual approval for `share` (0..1):
    each disbursement draws its bucket once, at enrollment, so the check at attendance picks
    the same ones each time attendance is recorded."""
    if not 0 <= share <= 1:
        raise DomainError(ErrorCode.INVALID, "The manual approval share is between 0 and 1")
    return int(share * APPROVAL_BUCKETS)


def correction_for(
    now_amount: Decimal, settled_amounts: Sequence[Decimal]
) -> tuple[CorrectionKind, Decimal] | None:
    """The over- or underpayment once attendance changed after payment: the amount due now
    against what was paid plus earlier corrections; None when they agree."""
    delta = now_amount - sum(settled_amounts, Decimal(0))
    if delta == 0:
        return None
    return (CorrectionKind.UNDERPAYMENT if delta > 0 else CorrectionKind.OVERPAYMENT), delta


def attendance_rate(attendees: int, absentees: int) -> Decimal | None:
    """Share of the recorded roster that attended (PRESENT or PARTIAL), to two places."""
    recorded = attendees + absentees
    return None if recorded == 0 else cents(Decimal(attendees) / Decimal(recorded))


def check_period(start: date, end: date, field: str = "periodEnd") -> None:
    if end < start:
        raise DomainError(ErrorCode.INVALID_PERIOD, "The period ends before it starts", field)


_STEPS = {DeliveryFrequency.WEEKLY: 7, DeliveryFrequency.BIWEEKLY: 14}


def instalment_dates(start: date, end: date, frequency: DeliveryFrequency) -> list[date]:
    """A product delivery's financial schedule: due dates from `start` to `end`, every
    `frequency` (monthly on the start's day, or the 28th for later days)."""
    dates: list[date] = []
    index = 0
    while True:
        if frequency is DeliveryFrequency.MONTHLY:
            month = start.month - 1 + index
            due = date(start.year + month // 12, month % 12 + 1, min(start.day, 28))
        else:
            due = start + timedelta(days=_STEPS[frequency] * index)
        if due > end:
            return dates
        dates.append(due)
        index += 1


def instalments(total: Decimal, count: int) -> list[Decimal]:
    """`total` in `count` instalments of whole cents that add up to it exactly: rounded once,
    the last one takes what rounding left over."""
    if count < 1:
        return []
    each = cents(total / count)
    assert each is not None
    return [each] * (count - 1) + [total - each * (count - 1)]
