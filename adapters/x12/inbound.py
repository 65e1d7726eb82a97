"""What a trading partner sends us, read once: the payload of a CORE envelope becomes one 278
request for review (005010X217), one 278 inquiry (005010X215, told apart by GS08/ST03 and
never read as a review), one pushed 278 response (005010X217) to a request of ours, or the
acknowledgment that refuses it (a TA1 when its interchange envelope is broken, else a 999 with
every segment and element in error)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from adapters.x12.acknowledge import Answer, acknowledge, ta1_interchange
from adapters.x12.checks import interchange_problems
from adapters.x12.envelope import Interchange, parse_interchange, write_interchange
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.inquiry import Inquiry278
from adapters.x12.mapping import X12Parties
from adapters.x12.reader import Message, read_messages
from adapters.x12.review import Transaction278
from adapters.x12.segments import Segment
from adapters.x12.validation import message_problems


@dataclass(frozen=True, slots=True)
class Acknowledgment:
    """The TA1 or 999 interchange that answers an input we refuse (its text, and which)."""

    text: str
    is_ta1: bool


@dataclass(frozen=True, slots=True)
class Received:
    """A valid message, with the interchange it came in (for the parties of the answer)."""

    message: Transaction278 | Inquiry278
    interchange: Interchange


def control_number_for(key: str) -> int:
    """ISA13 of our answer, derived from what it answers (the PayloadID): the same request
    sent again gets the same control number, and no counter is shared between processes."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 999_999_999 + 1


REQUEST_EXPECTED = "Send one 278 request (005010X217) or inquiry (005010X215) per interchange"
RESPONSE_EXPECTED = "Send one 278 response (005010X217) per interchange"


def read_inbound(payload: str, *, answer: Answer) -> Received | Acknowledgment:
    """The one request or inquiry of `payload`, or the acknowledgment refusing it: any
    problem at any level, more than one transaction set, a request that is itself a
    response, or a transaction set we do not take (a 999 is never acknowledged)."""
    return _read_one(payload, answer, _is_request, REQUEST_EXPECTED)


def read_pushed_response(payload: str, *, answer: Answer) -> Received | Acknowledgment:
    """The one 278 response to a request for review (005010X217, BHT02 11) of `payload`, or
    the acknowledgment refusing it, on the same grounds as `read_inbound`: a request, an
    inquiry or its response is not a pushed answer."""
    return _read_one(payload, answer, _is_review_response, RESPONSE_EXPECTED)


def _is_request(message: Message) -> bool:
    return isinstance(message, Transaction278 | Inquiry278) and not message.is_response


def _is_review_response(message: Message) -> bool:
    return isinstance(message, Transaction278) and message.is_response


def _read_one(
    payload: str, answer: Answer, wanted: Callable[[Message], bool], expected: str
) -> Received | Acknowledgment:
    try:
        interchange = parse_interchange(payload)
        problems = interchange_problems(interchange)
        messages = read_messages(interchange)
    except X12Error:
        return refusal(payload, answer)
    for message in messages:
        problems += message_problems(message)
    if problems:  # the acknowledgment finds them again, each at its place
        return refusal(payload, answer)
    found = messages[0] if len(messages) == 1 else None
    if found is None or not wanted(found):
        return refusal(payload, answer, _not_taken(interchange, expected))
    assert isinstance(found, Transaction278 | Inquiry278)  # what `wanted` takes
    events = _event_problems(found)
    if events:
        return refusal(payload, answer, events)
    return Received(found, interchange)


def _event_problems(message: Transaction278 | Inquiry278) -> list[X12Problem]:
    """A request or inquiry is about one patient event (2000E): none is nothing to review,
    and a second one is refused rather than dropped."""
    events = message.events
    if not events:
        se = message.transaction.trailer
        text = "A 278 request or inquiry needs a patient event (HL EV, loop 2000E)"
        return [X12Problem(ProblemCode.REQUIRED_SEGMENT_MISSING, text, se.position, "HL")]
    return [
        X12Problem(
            ProblemCode.UNEXPECTED_SEGMENT,
            "One patient event per 278 is taken: send each in its own transaction set",
            event.node.hl.position,
            "HL",
            loop=event.loop,
        )
        for event in events[1:]
    ]


def _not_taken(interchange: Interchange, expected: str) -> list[X12Problem]:
    """Well-formed, yet not the one message taken here: an unsupported transaction set."""
    return [
        X12Problem(
            ProblemCode.UNSUPPORTED_TRANSACTION,
            expected,
            transaction.header.position,
            "ST",
            1,
        )
        for _, transaction in interchange.transactions()
    ]


def refusal(
    payload: str, answer: Answer, problems: list[X12Problem] | None = None
) -> Acknowledgment:
    """The TA1 or 999 for `payload`. A payload whose ISA cannot even be read gets a TA1 for
    an interchange of unknown parties; `problems` found beyond what `acknowledge` sees (one
    request per interchange) reject the transaction sets too."""
    try:
        interchange = acknowledge(payload, answer, refused=problems or ())
    except X12Error:
        interchange = _unreadable(answer)
    return Acknowledgment(write_interchange(interchange).decode(), not interchange.groups)


def acceptance(payload: str, answer: Answer) -> Acknowledgment:
    """The 999 for a payload read without a problem: it accepts every transaction set."""
    return refusal(payload, answer)


def _unreadable(answer: Answer) -> Interchange:
    unknown = Segment.of(
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "UNKNOWN".ljust(15), "ZZ",
        "UNKNOWN".ljust(15), "000101", "0000", "^", "00501", "000000000", "0", "P", ":",
    )  # fmt: skip
    return ta1_interchange(unknown, "022", answer)


def answer_parties(received: Received, *, control_number: int, at: datetime) -> X12Parties:
    """Back to the sender: the received ISA's receiver and sender, swapped."""
    isa = received.interchange.header
    usage = isa.element(15) if isa.element(15) in {"P", "T"} else "P"
    return X12Parties(isa.element(8).strip(), isa.element(6).strip(), control_number, at, usage)
