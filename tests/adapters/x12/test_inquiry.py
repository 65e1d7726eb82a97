"""A 278 inquiry (X215) is recognised by its version and read on its own path, never as a
request for review (X217)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from adapters.x12 import reader
from adapters.x12.envelope import parse_interchange
from adapters.x12.errors import ProblemCode, X12Error
from adapters.x12.inquiry import Inquiry278, inquiry_problems
from adapters.x12.reader import READERS, parse_278, parse_278_inquiry, read_messages
from adapters.x12.review import Transaction278
from adapters.x12.validation import message_problems
from tests.adapters.x12.synthetic import INQUIRY_BODY, synthetic_interchange


def test_an_inquiry_is_read_as_an_inquiry():
    inquiry = parse_278_inquiry(synthetic_interchange())
    assert isinstance(inquiry, Inquiry278) and not isinstance(inquiry, Transaction278)
    assert inquiry.version == "005010X215"
    assert inquiry.authorization_numbers == ("SYNAUTH0001",)
    assert inquiry.trace_numbers == ("SYN-TRACE-0001",)
    assert inquiry.patient is not None and inquiry.patient.member_id == "SYNMEMBER01"
    (event,) = inquiry.events
    assert event.date("472") is not None and event.date("472").end == "20260131"
    assert message_problems(inquiry) == []


def test_the_same_body_under_x217_is_a_request_for_review():
    review = parse_278(synthetic_interchange(version="005010X217"))
    assert isinstance(review, Transaction278)
    with pytest.raises(X12Error):
        parse_278_inquiry(synthetic_interchange(version="005010X217"))


def test_the_inquiry_path_never_touches_the_review_reader(monkeypatch):
    def refuse(*args: object) -> Transaction278:
        raise AssertionError("an X215 inquiry reached the X217 reader")

    patched = dict(READERS)
    patched["278", "005010X217"] = refuse
    monkeypatch.setattr(reader, "READERS", MappingProxyType(patched))
    (message,) = read_messages(parse_interchange(synthetic_interchange()))
    assert isinstance(message, Inquiry278)


def test_the_dispatch_is_keyed_on_transaction_code_and_version():
    assert set(READERS) == {
        ("278", "005010X217"),
        ("278", "005010X215"),
        ("999", "005010X231A1"),
    }
    assert READERS["278", "005010X215"] is not READERS["278", "005010X217"]


def test_an_unknown_version_is_refused_at_st01():
    with pytest.raises(X12Error) as caught:
        parse_278(synthetic_interchange(version="005010X216"))
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.segment_position) == (
        ProblemCode.UNSUPPORTED_TRANSACTION,
        "ST",
        3,
    )


def test_an_inquiry_must_name_the_review_it_asks_about():
    body = tuple(s for s in INQUIRY_BODY if s.id not in {"REF", "TRN"})
    inquiry = parse_278_inquiry(synthetic_interchange(body))
    (problem,) = inquiry_problems(inquiry)
    assert (problem.code, problem.loop, problem.segment_position) == (
        ProblemCode.REQUIRED_SEGMENT_MISSING,
        "2000E",
        12,  # its HL
    )
