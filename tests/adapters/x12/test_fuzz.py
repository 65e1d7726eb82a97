"""Mutated samples (segments deleted, duplicated, swapped, truncated; random bytes) never make
the codec raise anything but `X12Error`, at any level: reading, checking, the typed accessors
and the answer we would send."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.x12.acknowledge import Answer, acknowledge
from adapters.x12.checks import interchange_problems
from adapters.x12.envelope import parse_interchange, write_interchange
from adapters.x12.errors import X12Error
from adapters.x12.reader import Message, read_messages
from adapters.x12.review import ReviewTree
from adapters.x12.validation import message_problems, validate
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample
from tests.adapters.x12.synthetic import AT, synthetic_interchange

SOURCES = [sample(name) for name in SAMPLE_NAMES] + [synthetic_interchange()]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def touch(message: Message) -> list[object]:
    """Read everything the mapping to the domain would read."""
    seen: list[object] = [message_problems(message)]
    if not isinstance(message, ReviewTree):
        return seen
    seen += [message.patient, message.umo, message.requester]
    for level in message.levels:
        seen.append(level.rejections)
        for party in level.parties:
            seen += [party.name, party.address, party.contacts, party.demographics]
    for event in message.events:
        seen += [event.um, event.decision, event.diagnoses, event.dates, event.quantity]
        seen += [event.trace_numbers, event.references, event.attachments, event.transport]
        for service in event.services:
            seen += [service.procedure, service.requested_quantity, service.decision]
    return seen


def exercise(data: bytes) -> None:
    try:
        interchange = parse_interchange(data)
        assert write_interchange(interchange) == data
        interchange_problems(interchange)
        for message in read_messages(interchange):
            touch(message)
    except X12Error:
        pass
    try:
        validate(data)
        write_interchange(acknowledge(data, Answer(1, AT)))
    except X12Error:
        pass


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(SOURCES))
    segments = data.split(b"~")
    for _ in range(draw(st.integers(1, 4))):
        if not segments:
            break
        index = draw(st.integers(0, len(segments) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "element", "empty"]))
        if action == "delete":
            del segments[index]
        elif action == "duplicate":
            segments.insert(index, segments[index])
        elif action == "swap":
            other = draw(st.integers(0, len(segments) - 1))
            segments[index], segments[other] = segments[other], segments[index]
        elif action == "element":
            elements = segments[index].split(b"*")
            spot = draw(st.integers(0, len(elements) - 1))
            elements[spot] = draw(st.binary(max_size=6))
            segments[index] = b"*".join(elements)
        else:
            segments[index] = b""
    return b"~".join(segments)


@FUZZ
@given(mutated())
def test_mutated_segments_raise_only_x12_errors(data):
    exercise(data)


@FUZZ
@given(st.sampled_from(SOURCES), st.data())
def test_truncated_messages_raise_only_x12_errors(data, draw):
    exercise(data[: draw.draw(st.integers(0, len(data)))])


@FUZZ
@given(st.sampled_from(SOURCES), st.data())
def test_random_bytes_raise_only_x12_errors(data, draw):
    at = draw.draw(st.integers(0, len(data)))
    noise = draw.draw(st.binary(min_size=1, max_size=8))
    cut = draw.draw(st.integers(0, 8))
    exercise(data[:at] + noise + data[at + cut :])


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_x12_errors(data):
    exercise(data)
