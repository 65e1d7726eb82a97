"""Delimiters come from the fixed-width ISA; a BOM and line breaks are kept for writing back."""

from __future__ import annotations

import pytest

from adapters.x12.errors import ProblemCode, X12Error
from adapters.x12.segments import (
    Delimiters,
    Segment,
    components,
    read_delimiters,
    read_segments,
    repetitions,
    write_segments,
)
from tests.adapters.x12.conftest import sample

ISA = (
    "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
    "*260115*1500*^*00501*000000001*0*T*:~"
)


def test_delimiters_are_read_from_the_isa_columns():
    assert read_delimiters(ISA) == Delimiters("*", ":", "^", "~")
    stupidedi = sample("stupidedi_referral-request-for-review.edi").decode()
    assert read_delimiters(stupidedi) == Delimiters("*", ":", ">", "~")
    imsweb = sample("imsweb_x12_999_rejected.txt").decode()
    assert read_delimiters(imsweb) == Delimiters("*", "|", "^", "~")


def test_a_u_in_isa11_means_no_repetition_separator():
    old = ISA.replace("*^*00501", "*U*00501")
    assert read_delimiters(old).repetition == ""
    assert repetitions("A^B", read_delimiters(old)) == ("A^B",)
    assert repetitions("A^B", read_delimiters(ISA)) == ("A", "B")


def test_composites_split_on_the_component_separator():
    assert components("HC:A0428:RX", read_delimiters(ISA)) == ("HC", "A0428", "RX")
    assert components("", read_delimiters(ISA)) == ()


def test_an_isa_of_the_wrong_width_is_located_at_its_element():
    narrow = ISA.replace("SENDER         ", "SENDER")
    with pytest.raises(X12Error) as caught:
        read_delimiters(narrow + "IEA*0*000000001~")
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.element_position) == (
        ProblemCode.INVALID_ISA,
        "ISA",
        7,
    )


def test_text_that_does_not_start_with_an_isa_is_refused():
    with pytest.raises(X12Error) as caught:
        read_segments(b"GS*HI*A*B~")
    assert caught.value.codes() == [ProblemCode.INVALID_ISA]


def test_delimiters_that_collide_are_refused():
    with pytest.raises(X12Error) as caught:
        read_delimiters(ISA.replace("*T*:~", "*T**~").replace("*", "*"))
    assert caught.value.codes() in ([ProblemCode.INVALID_DELIMITERS], [ProblemCode.INVALID_ISA])


def test_bytes_that_are_not_utf8_are_an_x12_error_not_a_unicode_error():
    with pytest.raises(X12Error) as caught:
        read_segments(ISA.encode() + b"ST*278*\xff~")
    assert caught.value.codes() == [ProblemCode.INVALID_ENCODING]


def test_a_bom_and_crlf_line_breaks_are_remembered():
    text = "\ufeff" + ISA + "\r\nIEA*0*000000001~\r\n"
    document = read_segments(text.encode())
    assert document.bom
    assert [s.trailer for s in document.segments] == ["\r\n", "\r\n"]
    assert [s.position for s in document.segments] == [1, 2]
    written = write_segments(document.segments, document.delimiters, bom=True)
    assert written == text.encode()


def test_data_after_the_last_terminator_and_bad_segment_ids_are_all_reported():
    with pytest.raises(X12Error) as caught:
        read_segments(ISA + "st*278~~IEA*0*000000001")
    assert [(p.code, p.segment_position) for p in caught.value.problems] == [
        (ProblemCode.INVALID_SEGMENT, 2),
        (ProblemCode.INVALID_SEGMENT, 3),
        (ProblemCode.MISSING_TERMINATOR, 4),
    ]


def test_a_new_segment_drops_trailing_empty_elements():
    assert Segment.of("HCR", "A4", "", "0U", "", "") == Segment("HCR", ("A4", "", "0U"))
    assert Segment("HCR", ("A4",)).element(3) == ""
