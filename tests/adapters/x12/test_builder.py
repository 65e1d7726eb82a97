"""New interchanges get their counts and control numbers computed and their ISA padded."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.x12.builder import (
    GroupDraft,
    InterchangeDraft,
    PartyId,
    TransactionDraft,
    build_interchange,
)
from adapters.x12.checks import interchange_problems
from adapters.x12.envelope import parse_interchange, write_interchange
from adapters.x12.errors import ProblemCode, X12Error
from adapters.x12.reader import parse_278
from adapters.x12.segments import Delimiters, Segment
from tests.adapters.x12.conftest import sample
from tests.adapters.x12.synthetic import AT


def body_of(name: str) -> tuple[Segment, ...]:
    _, transaction = next(parse_interchange(sample(name)).transactions())
    return transaction.body


def draft(*transactions: TransactionDraft, groups: int = 1) -> InterchangeDraft:
    made = tuple(
        GroupDraft("HI", "SUBMITTER", "PAYER", "005010X217", 100 + n, transactions)
        for n in range(groups)
    )
    return InterchangeDraft(PartyId("CAREBRIDGE"), PartyId("PAYER", "30"), 17, AT, made)


def test_a_built_278_has_sound_counts_and_reads_back():
    body = body_of("stupidedi_admission-request-for-review.edi")
    data = write_interchange(build_interchange(draft(TransactionDraft("278", body))))
    interchange = parse_interchange(data)
    assert interchange_problems(interchange) == []
    _, transaction = next(interchange.transactions())
    assert transaction.trailer.elements == (str(len(body) + 2), "0001")
    assert parse_278(data).events[0].um is not None


def test_the_isa_is_padded_to_its_fixed_width():
    data = write_interchange(build_interchange(draft(TransactionDraft("278", ()))))
    isa = data.decode().split("~")[0]
    assert len(isa) == 105
    assert isa.split("*")[6] == "CAREBRIDGE     " and isa.split("*")[7] == "30"
    assert isa.split("*")[9:11] == ["260115", "1500"] and isa.split("*")[13] == "000000017"


def test_groups_and_transaction_sets_are_numbered_and_counted():
    body = body_of("stupidedi_referral-request-for-review.edi")
    built = build_interchange(
        draft(TransactionDraft("278", body), TransactionDraft("278", body), groups=2)
    )
    assert built.trailer.elements == ("2", "000000017")
    assert [g.header.element(6) for g in built.groups] == ["100", "101"]
    assert [g.trailer.elements for g in built.groups] == [("2", "100"), ("2", "101")]
    assert [t.control_number for t in built.groups[0].transactions] == ["0001", "0002"]
    assert interchange_problems(built) == []


def test_other_delimiters_and_line_breaks_are_honoured():
    delimiters = Delimiters("|", "^", "", "\n")
    built = build_interchange(draft(TransactionDraft("278", ())), delimiters=delimiters)
    data = write_interchange(built)
    assert data.count(b"\n") == 6 and data.split(b"|")[11] == b"U"
    assert write_interchange(parse_interchange(data)) == data
    crlf = build_interchange(draft(TransactionDraft("278", ())), line_break="\r\n")
    assert write_interchange(crlf).count(b"~\r\n") == 6


def test_a_value_holding_a_delimiter_is_refused_where_it_stands():
    body = (Segment.of("BHT", "0007", "13", "REF*1", "20260115", "1500"),)
    with pytest.raises(X12Error) as caught:
        build_interchange(draft(TransactionDraft("278", body)))
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.element_position) == (
        ProblemCode.INVALID_VALUE,
        "BHT",
        3,
    )


def test_a_sender_wider_than_the_isa_is_refused():
    too_wide = replace(draft(), sender=PartyId("X" * 16))
    with pytest.raises(X12Error) as caught:
        build_interchange(too_wide)
    assert caught.value.codes() == [ProblemCode.INVALID_VALUE]


VALUE = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="*:^~"),
    max_size=12,
)
SEGMENT = st.builds(
    lambda segment_id, values: Segment.of(segment_id, *values),
    st.sampled_from(["REF", "MSG", "NTE", "DTP", "ZZ1"]),
    st.lists(VALUE, min_size=1, max_size=6),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(SEGMENT, max_size=8), min_size=1, max_size=3), st.integers(0, 999_999_999))
def test_any_built_interchange_has_sound_counts_and_reads_back_unchanged(bodies, control):
    transactions = tuple(TransactionDraft("278", tuple(body)) for body in bodies)
    built = build_interchange(replace(draft(*transactions), control_number=control))
    data = write_interchange(built)
    again = parse_interchange(data)
    assert interchange_problems(again) == []
    assert write_interchange(again) == data
    assert [t.body for _, t in again.transactions()] == [t.body for _, t in built.transactions()]
