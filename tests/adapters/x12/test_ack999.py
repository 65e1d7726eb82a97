"""999s and TA1s as read and checked: the imsweb "accepted" 999 is refused for its envelope,
the imsweb rejected 999 and the TR3 999 (with its byte order mark) are sound."""

from __future__ import annotations

import pytest

from adapters.x12.ack999 import acknowledgment_problems, group_code, read_ta1s
from adapters.x12.acknowledge import Answer, ta1, ta1_interchange
from adapters.x12.envelope import parse_interchange, write_interchange
from adapters.x12.errors import ProblemCode
from adapters.x12.reader import parse_999
from adapters.x12.validation import validate
from tests.adapters.x12.conftest import sample
from tests.adapters.x12.synthetic import AT

TR3_999 = "stupidedi_response-to-functional-group-containing-3-837s.edi"


def test_the_tr3_999_accepts_one_837_and_rejects_two():
    ack = parse_999(sample(TR3_999))
    assert (ack.ak1.elements, ack.code, ack.counts) == (
        ("HC", "17456", "005010X222A2"),
        "P",
        (3, 3, 1),
    )
    assert [(r.control_number, r.code, r.error_codes) for r in ack.responses] == [
        ("0001", "A", ()),
        ("0002", "R", ("5",)),
        ("0003", "R", ("5",)),
    ]
    (clm,) = ack.responses[1].segment_errors
    assert (clm.segment_id, clm.position, clm.code, len(clm.contexts)) == ("CLM", "22", "8", 1)
    (element,) = clm.elements
    assert (element.position, element.ik4.element(2), element.code) == ("2", "782", "1")
    (ref,) = ack.responses[2].segment_errors
    assert (ref.segment_id, ref.position, ref.code, len(ref.contexts)) == ("REF", "57", "3", 2)


def test_the_imsweb_rejected_999_rejects_its_837():
    ack = parse_999(sample("imsweb_x12_999_rejected.txt"))
    (response,) = ack.responses
    (error,) = response.segment_errors
    assert (error.segment_id, error.position, error.code) == ("NM", "17", "1")
    assert (response.code, response.error_codes, ack.code, ack.counts) == (
        "R",
        ("5",),
        "R",
        (1, 1, 0),
    )


@pytest.mark.parametrize("name", [TR3_999, "imsweb_x12_999_rejected.txt"])
def test_these_999s_validate(name):
    assert validate(sample(name)) == []


def test_the_imsweb_accepted_999_is_refused_for_gs05_and_iea02():
    problems = validate(sample("imsweb_x12_999_accepted.txt"))
    assert [(p.code, p.segment_id, p.element_position, p.value) for p in problems] == [
        (ProblemCode.INVALID_TIME, "GS", 5, "102497"),
        (ProblemCode.CONTROL_NUMBER_MISMATCH, "IEA", 2, "000000001"),
    ]


def test_an_ak9_that_disagrees_with_its_ik5s_is_located():
    data = sample(TR3_999).replace(b"AK9*P*3*3*1", b"AK9*A*3*2*2")
    problems = acknowledgment_problems(parse_999(data))
    assert [(p.code, p.segment_id, p.element_position) for p in problems] == [
        (ProblemCode.COUNT_MISMATCH, "AK9", 3),
        (ProblemCode.COUNT_MISMATCH, "AK9", 4),
        (ProblemCode.INVALID_CODE, "AK9", 1),
    ]


def test_a_rejection_without_a_reason_and_unknown_codes_are_reported():
    data = (
        sample("imsweb_x12_999_rejected.txt")
        .replace(b"IK5*R*5", b"IK5*R")
        .replace(b"IK3*NM*17**1", b"IK3*NM*17**Q")
    )
    problems = acknowledgment_problems(parse_999(data))
    assert [(p.code, p.segment_id, p.element_position) for p in problems] == [
        (ProblemCode.INVALID_CODE, "IK3", 4),
        (ProblemCode.REQUIRED_ELEMENT_MISSING, "IK5", 2),
    ]


def test_a_999_missing_its_ak9_is_refused():
    data = (
        sample("imsweb_x12_999_rejected.txt")
        .replace(b"AK9*R*1*1*0~\n", b"")
        .replace(b"SE*7", b"SE*6")
    )
    problems = validate(data)
    assert [(p.code, p.segment_id) for p in problems] == [
        (ProblemCode.REQUIRED_SEGMENT_MISSING, "AK9")
    ]


def test_group_codes_sum_up_the_transaction_responses():
    ack = parse_999(sample(TR3_999))
    assert group_code(ack.responses) == "P"
    assert group_code(ack.responses[:1]) == "A"
    assert group_code(ack.responses[1:]) == "R"
    assert group_code(()) == "R"


def test_a_ta1_reads_back_with_the_interchange_it_answers():
    isa = parse_interchange(sample("imsweb_x12_999_rejected.txt")).header
    answer = ta1_interchange(isa, "001", Answer(9, AT))
    (read,) = read_ta1s(parse_interchange(write_interchange(answer)))
    assert (read.control_number, read.date, read.time) == ("095832987", "110311", "0958")
    assert (read.acknowledgment, read.note) == ("R", "001")
    assert ta1(isa, "000").elements[3:] == ("A", "000")
    assert validate(write_interchange(answer)) == []
