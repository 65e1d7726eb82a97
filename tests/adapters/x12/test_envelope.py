"""Every sample reads into ISA/GS/ST structure and writes back byte for byte; broken nesting
is reported at the segment where it shows."""

from __future__ import annotations

import pytest

from adapters.x12.envelope import TransactionSet, parse_interchange, write_interchange
from adapters.x12.errors import ProblemCode, X12Error
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

REFERRAL = "stupidedi_referral-request-for-review.edi"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_is_written_back_byte_for_byte(name):
    data = sample(name)
    assert write_interchange(parse_interchange(data)) == data


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_has_one_group_with_one_transaction_set(name):
    interchange = parse_interchange(sample(name))
    assert len(interchange.groups) == 1
    assert len(interchange.groups[0].transactions) == 1
    assert [s.position for s in interchange.segments()] == list(
        range(1, len(list(interchange.segments())) + 1)
    )


def test_the_999_with_a_byte_order_mark_keeps_it():
    data = sample("stupidedi_response-to-functional-group-containing-3-837s.edi")
    interchange = parse_interchange(data)
    assert data.startswith(b"\xef\xbb\xbf") and interchange.bom
    assert interchange.groups[0].functional_id == "FA"


def test_line_breaks_after_terminators_are_kept_and_the_last_may_be_missing():
    accepted = parse_interchange(sample("imsweb_x12_999_accepted.txt"))
    rejected = parse_interchange(sample("imsweb_x12_999_rejected.txt"))
    assert accepted.header.trailer == "\n" and accepted.trailer.trailer == ""
    assert rejected.trailer.trailer == "\n"


def test_the_transaction_set_knows_its_code_and_control_number():
    interchange = parse_interchange(sample("stupidedi_referral-request-for-review.edi"))
    group, transaction = next(interchange.transactions())
    assert (group.control_number, group.version) == ("20213", "005010X217")
    assert (transaction.code, transaction.control_number) == ("278", "0001")
    assert interchange.control_number == "000010216"


def test_a_missing_se_and_ge_are_reported_where_the_next_envelope_segment_stands():
    data = sample("stupidedi_referral-request-for-review.edi")
    broken = data.replace(b"SE*16*0001~GE*1*20213~", b"")
    with pytest.raises(X12Error) as caught:
        parse_interchange(broken)
    assert [(p.code, p.segment_id, p.segment_position) for p in caught.value.problems] == [
        (ProblemCode.MISSING_TRAILER, "IEA", 18),
        (ProblemCode.MISSING_TRAILER, "IEA", 18),
    ]
    assert "SE missing" in caught.value.problems[0].message


def test_segments_outside_any_transaction_set_are_unexpected():
    data = sample("stupidedi_referral-request-for-review.edi")
    broken = data.replace(b"GE*1*20213~", b"GE*1*20213~BHT*0007~")
    with pytest.raises(X12Error) as caught:
        parse_interchange(broken)
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.segment_position) == (
        ProblemCode.UNEXPECTED_SEGMENT,
        "BHT",
        20,
    )


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_a_body_read_before_it_is_built_reads_as_the_built_body(name):
    """`parse_interchange` builds a transaction set's body on first use; its ids, segments
    and elements read before that are the built body's."""
    (_, transaction), *_ = parse_interchange(sample(name)).transactions()
    ids = transaction.body_ids()
    first = [transaction.body_segment(i) for i in range(len(ids))]
    elements = [
        [transaction.body_element(i, n) for n in range(len(s.elements) + 2)]
        for i, s in enumerate(first)
    ]
    body = transaction.body
    assert ids == [s.id for s in body] and first == list(body)
    assert elements == [[s.element(n) for n in range(len(s.elements) + 2)] for s in body]
    assert transaction.body_ids() == ids and transaction.body_segment(0) == body[0]
    again = TransactionSet(transaction.header, body, transaction.trailer)
    assert again == transaction and hash(again) == hash(transaction)


def test_a_transaction_set_is_read_only():
    (_, transaction), *_ = parse_interchange(sample(REFERRAL)).transactions()
    with pytest.raises(AttributeError):
        transaction.header = transaction.trailer  # type: ignore[misc]
