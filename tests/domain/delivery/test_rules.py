"""Pure delivery rules: units from attendance, rate priority, rounding once, recurrence, the
approval sample and corrections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.delivery.models import Attendance, CorrectionKind, RateSource, Recurrence
from domain.delivery.rules import (
    APPROVAL_BUCKETS,
    AttendanceRecord,
    amount_for,
    attendance_rate,
    choose_rate,
    correction_for,
    disbursed_units,
    manual_approval_buckets,
    session_times,
)
from domain.errors import DomainError, ErrorCode

ONE = Decimal("1.00")


def record(attendance, units=None):
    return AttendanceRecord(uuid.uuid4(), attendance, None if units is None else Decimal(units))


@pytest.mark.parametrize(
    ("attendance", "units", "expected"),
    [
        (Attendance.PRESENT, None, "2.00"),
        (Attendance.ABSENT, None, "0"),
        (Attendance.EXCUSED, None, "0"),
        (Attendance.PARTIAL, "0.5", "0.5"),
    ],
)
def test_attendance_gives_the_disbursed_units(attendance, units, expected):
    assert disbursed_units(record(attendance, units), Decimal("2.00")) == Decimal(expected)


@pytest.mark.parametrize(
    ("units", "code"),
    [
        (None, ErrorCode.REQUIRED),
        ("0", ErrorCode.INVALID),
        ("1", ErrorCode.INVALID),
        ("3", ErrorCode.INVALID),
    ],
)
def test_partial_attendance_is_more_than_none_and_less_than_planned(units, code):
    with pytest.raises(DomainError) as refused:
        disbursed_units(record(Attendance.PARTIAL, units), ONE)
    assert refused.value.code is code and refused.value.field == "units"


def test_only_partial_attendance_takes_units():
    with pytest.raises(DomainError):
        disbursed_units(record(Attendance.PRESENT, "1"), ONE)


@pytest.mark.parametrize(
    ("rates", "expected"),
    [
        ((Decimal(1), Decimal(2), Decimal(3), Decimal(4)), (Decimal(1), RateSource.AUTHORIZATION)),
        ((None, Decimal(2), Decimal(3), Decimal(4)), (Decimal(2), RateSource.CONTRACT)),
        ((None, None, Decimal(3), Decimal(4)), (Decimal(3), RateSource.PROVIDER_SERVICE)),
        ((None, None, None, Decimal(4)), (Decimal(4), RateSource.OFFERING)),
        ((None, None, None, None), None),
    ],
)
def test_the_rate_is_the_first_known_by_priority(rates, expected):
    a, c, p, o = rates
    assert choose_rate(authorization=a, contract=c, provider_service=p, offering=o) == expected


def test_a_zero_rate_is_a_rate_not_a_missing_one():
    assert choose_rate(
        authorization=Decimal(0), contract=Decimal(5), provider_service=None, offering=None
    ) == (Decimal(0), RateSource.AUTHORIZATION)


def test_amounts_are_rounded_half_up_once_at_the_end():
    assert amount_for(Decimal("0.33"), Decimal("80.015")) == Decimal("26.40")  # 26.40495
    assert amount_for(Decimal("0.5"), Decimal("0.01")) == Decimal("0.01")  # 0.005 -> up


def test_weekly_sessions_follow_the_first_and_keep_its_length():
    start = datetime(2026, 2, 2, 15, tzinfo=UTC)
    times = session_times(start, start.replace(hour=16), Recurrence.WEEKLY, 0, 4)
    assert [s.day for s, _ in times] == [2, 9, 16, 23]
    assert all((e - s).seconds == 3600 for s, e in times)


def test_monthly_sessions_land_on_a_day_every_month_has():
    start = datetime(2026, 1, 31, 9, tzinfo=UTC)
    times = session_times(start, start.replace(hour=10), Recurrence.MONTHLY, 1, 2)
    assert [(s.month, s.day) for s, _ in times] == [(2, 28), (3, 28)]


def test_a_schedule_without_recurrence_has_one_session():
    start = datetime(2026, 2, 2, 15, tzinfo=UTC)
    with pytest.raises(DomainError):
        session_times(start, start.replace(hour=16), Recurrence.NONE, 0, 2)


@pytest.mark.parametrize(("share", "buckets"), [("0", 0), ("0.1", 1000), ("1", APPROVAL_BUCKETS)])
def test_the_manual_approval_share_is_a_number_of_buckets(share, buckets):
    assert manual_approval_buckets(Decimal(share)) == buckets


def test_a_correction_is_what_is_due_now_against_what_was_settled():
    assert correction_for(Decimal("80.00"), [Decimal("40.00")]) == (
        CorrectionKind.UNDERPAYMENT,
        Decimal("40.00"),
    )
    assert correction_for(Decimal("0"), [Decimal("80.00"), Decimal("-20.00")]) == (
        CorrectionKind.OVERPAYMENT,
        Decimal("-60.00"),
    )
    assert correction_for(Decimal("60.00"), [Decimal("80.00"), Decimal("-20.00")]) is None


def test_attendance_rate_is_the_attended_share_of_the_recorded_roster():
    assert attendance_rate(3, 1) == Decimal("0.75")
    assert attendance_rate(0, 0) is None
