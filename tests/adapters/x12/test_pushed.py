"""Pushed 278 responses, read on the public TR3 responses: the answer is the poll path's
(`to_partner_answer`) with the partner's time (BHT04/BHT05), our traces are the referenced
ones (TRN*2) with our originator, and a response naming nothing of ours is pointed at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.x12.acknowledge import Answer
from adapters.x12.errors import ProblemCode
from adapters.x12.inbound import Acknowledgment, Received, read_pushed_response
from adapters.x12.mapping import to_partner_answer
from adapters.x12.pushed import made_at, read_pushed, unknown_payer, unknown_request
from adapters.x12.reader import parse_278, parse_999
from adapters.x12.typed import BHT
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind
from tests.adapters.x12.conftest import sample

REFERRAL_RESPONSE = "stupidedi_referral-response-to-request-for-review.edi"
PENDED_RESPONSE = "stupidedi_emergency-admission-response-to-request-for-review.edi"
ANSWER = Answer(42, datetime(2026, 1, 15, 10, 0, tzinfo=UTC))


def test_a_pushed_response_means_what_the_same_polled_response_means():
    response = parse_278(sample(REFERRAL_RESPONSE))
    pushed = read_pushed(response, originator="9012345678")
    polled = to_partner_answer(response)
    assert pushed.answer.kind is AnswerKind.DECIDED
    assert pushed.answer.lines == polled.lines
    assert pushed.answer.lines[0].review_action is ReviewAction.CERTIFIED
    assert pushed.answer.lines[0].authorization_number == "AUTH0001"
    assert pushed.answer.answered_at == datetime(2005, 5, 2, 11, 2, tzinfo=UTC)
    assert polled.answered_at is None  # the poll path applies answers as they come
    assert pushed.traces == ("111099",)


def test_a_pended_response_names_the_payers_reference_too():
    pushed = read_pushed(parse_278(sample(PENDED_RESPONSE)), originator="9876543210")
    assert pushed.traces == ("YZZ099",)
    assert pushed.answer.payer_reference == "P20030216001"
    assert [line.review_action for line in pushed.answer.lines] == [ReviewAction.PENDED]


def test_another_originators_trace_is_not_ours():
    pushed = read_pushed(parse_278(sample(REFERRAL_RESPONSE)), originator="CAREBRIDGE")
    assert pushed.traces == ()
    assert read_pushed(parse_278(sample(REFERRAL_RESPONSE)), originator="").traces == ("111099",)


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("1102", datetime(2005, 5, 2, 11, 2, tzinfo=UTC)),
        ("110230", datetime(2005, 5, 2, 11, 2, 30, tzinfo=UTC)),
        ("1102307", datetime(2005, 5, 2, 11, 2, 30, 700_000, tzinfo=UTC)),
        ("11023075", datetime(2005, 5, 2, 11, 2, 30, 750_000, tzinfo=UTC)),
        ("2599", None),
    ],
)
def test_the_answers_time_is_bht04_and_bht05_to_the_precision_given(time, expected):
    assert made_at(BHT("0007", "11", "REF", "20050502", time)) == expected


def test_an_unknown_request_is_pointed_at_each_identifier_it_gives():
    response = parse_278(sample(PENDED_RESPONSE))
    problems = unknown_request(response)
    assert [(p.code, p.segment_id, p.element_position, p.loop, p.value) for p in problems] == [
        (ProblemCode.UNKNOWN_REFERENCE, "TRN", 2, "2000E", "YZZ099"),
        (ProblemCode.UNKNOWN_REFERENCE, "REF", 2, "2000E", "P20030216001"),
    ]
    [payer] = unknown_payer(response)
    assert (payer.segment_id, payer.element_position, payer.value) == ("NM1", 9, "789312")


def test_a_response_without_a_trace_is_missing_one():
    data = sample(REFERRAL_RESPONSE).replace(b"TRN*2*111099*9012345678~", b"")
    data = data.replace(b"SE*18*0001", b"SE*17*0001")
    [problem] = unknown_request(parse_278(data))
    assert (problem.code, problem.segment_id) == (ProblemCode.REQUIRED_SEGMENT_MISSING, "TRN")


def test_only_a_278_response_is_read_as_a_pushed_answer():
    read = read_pushed_response(sample(REFERRAL_RESPONSE).decode(), answer=ANSWER)
    assert isinstance(read, Received) and read.message.is_response
    request = sample("stupidedi_referral-request-for-review.edi").decode()
    refused = read_pushed_response(request, answer=ANSWER)
    assert isinstance(refused, Acknowledgment) and not refused.is_ta1
    [transaction] = parse_999(refused.text).responses
    assert (transaction.code, transaction.error_codes) == ("R", ("1",))
