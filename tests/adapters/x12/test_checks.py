"""Counts and control numbers of ST/SE, GS/GE and ISA/IEA, and envelope dates and times,
each problem located at its segment and element."""

from __future__ import annotations

import pytest

from adapters.x12.checks import interchange_problems, is_date, is_time, validate_interchange
from adapters.x12.envelope import parse_interchange
from adapters.x12.errors import ProblemCode, X12Error
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

REFERRAL = "stupidedi_referral-request-for-review.edi"
# Two TR3 examples state one segment fewer in SE01 than they hold.
MISCOUNTED = {
    "stupidedi_admission-request-for-review.edi": (28, "25", 26),
    "stupidedi_request-for-home-health-care.edi": (22, "19", 20),
}
IMSWEB_ACCEPTED = "imsweb_x12_999_accepted.txt"


def located(data: bytes) -> list[tuple[ProblemCode, str | None, int | None, int | None]]:
    problems = interchange_problems(parse_interchange(data))
    return [(p.code, p.segment_id, p.segment_position, p.element_position) for p in problems]


@pytest.mark.parametrize(
    "name", [n for n in SAMPLE_NAMES if n not in MISCOUNTED and n != IMSWEB_ACCEPTED]
)
def test_the_other_samples_have_sound_envelopes(name):
    assert validate_interchange(parse_interchange(sample(name)))


@pytest.mark.parametrize("name", sorted(MISCOUNTED))
def test_the_tr3_examples_with_a_wrong_se01_are_caught_at_se01(name):
    position, stated, actual = MISCOUNTED[name]
    (problem,) = interchange_problems(parse_interchange(sample(name)))
    assert (problem.code, problem.segment_id, problem.segment_position) == (
        ProblemCode.COUNT_MISMATCH,
        "SE",
        position,
    )
    assert (problem.element_position, problem.value) == (1, stated)
    assert f"there are {actual} segments" in problem.message


def test_the_imsweb_accepted_999_has_a_bad_gs05_time_and_iea02_differing_from_isa13():
    assert located(sample(IMSWEB_ACCEPTED)) == [
        (ProblemCode.INVALID_TIME, "GS", 2, 5),
        (ProblemCode.CONTROL_NUMBER_MISMATCH, "IEA", 10, 2),
    ]
    with pytest.raises(X12Error):
        validate_interchange(parse_interchange(sample(IMSWEB_ACCEPTED)))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"SE*16*0001", b"SE*16*0002", (ProblemCode.CONTROL_NUMBER_MISMATCH, "SE", 18, 2)),
        (b"SE*16*0001", b"SE*17*0001", (ProblemCode.COUNT_MISMATCH, "SE", 18, 1)),
        (b"GE*1*20213", b"GE*2*20213", (ProblemCode.COUNT_MISMATCH, "GE", 19, 1)),
        (b"GE*1*20213", b"GE*1*20214", (ProblemCode.CONTROL_NUMBER_MISMATCH, "GE", 19, 2)),
        (b"IEA*1*", b"IEA*3*", (ProblemCode.COUNT_MISMATCH, "IEA", 20, 1)),
        (
            b"IEA*1*000010216",
            b"IEA*1*000010217",
            (ProblemCode.CONTROL_NUMBER_MISMATCH, "IEA", 20, 2),
        ),
        (b"*20080503*1705*", b"*20080532*1705*", (ProblemCode.INVALID_DATE, "GS", 2, 4)),
        (b"*080503*1705*", b"*080503*2505*", (ProblemCode.INVALID_TIME, "ISA", 1, 10)),
        (b"*0*T*:", b"*0*Q*:", (ProblemCode.INVALID_CODE, "ISA", 1, 15)),
        (b"ST*278*0001", b"ST*278*", (ProblemCode.REQUIRED_ELEMENT_MISSING, "ST", 3, 2)),
    ],
)
def test_each_count_and_control_number_problem_is_located_exactly(old, new, expected):
    data = sample(REFERRAL).replace(old, new, 1)
    assert expected in located(data)


def test_two_problems_are_reported_together_in_segment_order():
    data = sample(REFERRAL).replace(b"SE*16*0001", b"SE*15*0009").replace(b"IEA*1*", b"IEA*0*")
    assert located(data) == [
        (ProblemCode.COUNT_MISMATCH, "SE", 18, 1),
        (ProblemCode.CONTROL_NUMBER_MISMATCH, "SE", 18, 2),
        (ProblemCode.COUNT_MISMATCH, "IEA", 20, 1),
    ]


def test_dates_and_times_are_calendar_checked():
    assert is_date("20240229") and not is_date("20230229") and not is_date("2024022")
    assert is_time("2359") and is_time("235959") and is_time("23595999")
    assert not is_time("102497") and not is_time("2400") and not is_time("12")
