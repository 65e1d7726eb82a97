"""278 checks beyond the envelope: required elements, element counts, codes, dates, HCR rules,
each located at its segment, element and loop."""

from __future__ import annotations

import pytest

from adapters.x12.errors import ProblemCode
from adapters.x12.reader import parse_278
from adapters.x12.validation import review_problems, validate
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

REFERRAL_RESPONSE = "stupidedi_referral-response-to-request-for-review.edi"
SOUND = [
    n
    for n in SAMPLE_NAMES
    if n.startswith("stupidedi")
    and "837" not in n
    and "non-emergency-transportation" not in n  # its request nests services (HL 6 under 5)
    and "admission-request" not in n  # SE01 miscounted
    and "home-health" not in n  # SE01 miscounted
]


def problems_of(old: bytes, new: bytes, name: str = REFERRAL_RESPONSE):
    transaction = parse_278(sample(name).replace(old, new, 1))
    found = review_problems(transaction)
    return [(p.code, p.segment_id, p.element_position, p.loop) for p in found]


@pytest.mark.parametrize("name", SOUND)
def test_the_sound_tr3_examples_validate(name):
    assert validate(sample(name)) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (b"HCR*A1*AUTH0001", b"HCR*A1", (ProblemCode.REQUIRED_ELEMENT_MISSING, "HCR", 2, "2000E")),
        (
            b"HCR*A1*AUTH0001",
            b"HCR*A3*AUTH0001",
            (ProblemCode.REQUIRED_ELEMENT_MISSING, "HCR", 3, "2000E"),
        ),
        (b"HCR*A1*AUTH0001", b"HCR*A9*AUTH0001", (ProblemCode.INVALID_CODE, "HCR", 1, "2000E")),
        (
            b"RD8*20050502-20050602",
            b"RD8*20050602-20050502",
            (ProblemCode.INVALID_DATE, "DTP", 3, "2000E"),
        ),
        (b"RD8*20050502-20050602", b"D8*20050231", (ProblemCode.INVALID_DATE, "DTP", 3, "2000E")),
        (b"DTP*AAH*RD8", b"DTP*AAH*XX", (ProblemCode.INVALID_CODE, "DTP", 2, "2000E")),
        (b"*20050502*1102*18", b"*20050502*1199*18", (ProblemCode.INVALID_TIME, "BHT", 5, None)),
        (b"*1102*18", b"*1102*17", (ProblemCode.INVALID_CODE, "BHT", 6, None)),
        (
            b"NM1*IL*1*SMITH",
            b"NM1**1*SMITH",
            (ProblemCode.REQUIRED_ELEMENT_MISSING, "NM1", 1, "2010C"),
        ),
        (
            b"TRN*2*111099*9012345678",
            b"TRN*2*111099*9012345678*A*B",
            (ProblemCode.TOO_MANY_ELEMENTS, "TRN", 5, "2000E"),
        ),
    ],
)
def test_each_problem_names_its_segment_element_and_loop(old, new, expected):
    assert expected in problems_of(old, new)


def test_a_request_may_not_carry_a_decision():
    found = problems_of(b"BHT*0007*11", b"BHT*0007*13")
    assert (ProblemCode.UNEXPECTED_SEGMENT, "HCR", None, "2000E") in found


def test_the_tr3_a6_without_a_reason_is_accepted():
    assert validate(sample("stupidedi_admission-response-to-request-for-review.edi")) == []


def test_a_bad_component_is_located_at_its_component():
    transaction = parse_278(sample(REFERRAL_RESPONSE).replace(b"UM*SC*I*3*11:B", b"UM*SC*I*3*11:Q"))
    (problem,) = review_problems(transaction)
    assert (problem.code, problem.segment_id, problem.element_position) == (
        ProblemCode.INVALID_CODE,
        "UM",
        4,
    )
    assert (problem.component_position, problem.value, problem.loop) == (2, "Q", "2000E")


def test_every_diagnosis_qualifier_is_checked_and_a_missing_one_is_required():
    data = sample(REFERRAL_RESPONSE).replace(b"HI*BF:41090:D8:20050430", b"HI*BF:41090*XX:1*:2")
    found = review_problems(parse_278(data))
    assert [(p.code, p.element_position, p.component_position) for p in found] == [
        (ProblemCode.INVALID_CODE, 2, 1),
        (ProblemCode.REQUIRED_ELEMENT_MISSING, 3, 1),
    ]
