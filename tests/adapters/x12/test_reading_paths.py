"""The tuned reading path gives exactly what the plain one gives (tests/adapters/x12/reference.py):
the same segments, interchange, HL tree and problems, in the same order, on every sample and
on samples mutated at the segment level and reshaped at the HL level."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.x12.envelope import parse_interchange
from adapters.x12.errors import X12Error
from adapters.x12.hierarchy import X215_LOOPS, X217_LOOPS, build_tree
from adapters.x12.reader import read_messages
from adapters.x12.review import ReviewTree
from adapters.x12.segments import read_segments
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample
from tests.adapters.x12.reference import (
    plain_tree,
    reference_interchange,
    reference_segments,
    reference_tree,
)
from tests.adapters.x12.synthetic import synthetic_interchange

SOURCES = [sample(name) for name in SAMPLE_NAMES] + [synthetic_interchange()]
REVIEWS = [data for data in SOURCES if b"~HL*" in data]
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

HL_VALUES = ["", "1", "2", "3", "4", "5", "9", "20", "21", "22", "23", "EV", "SS", "X"]
ENTITIES = ["", "PW", "45", "FS", "ND", "R3", "X3", "1P", "IL", "QC", "SJ", "71"]


def outcome(read, data):
    """What `read(data)` gives, or the problems of the `X12Error` it raises."""
    try:
        return "read", read(data)
    except X12Error as error:
        return "refused", error.problems


def same_reading(data: bytes) -> None:
    ours = outcome(read_segments, data)
    theirs = outcome(reference_segments, data)
    if ours[0] == "read":
        document = ours[1]
        ours = ("read", (document.delimiters, document.segments, document.bom))
    assert ours == theirs
    assert outcome(parse_interchange, data) == outcome(reference_interchange, data)
    try:
        interchange = parse_interchange(data)
    except X12Error:
        return
    for _, transaction in interchange.transactions():
        body = transaction.body
        for table in (X217_LOOPS, X215_LOOPS):
            assert plain_tree(build_tree(body, table)) == reference_tree(body, table)
    try:
        messages = read_messages(parse_interchange(data))
    except X12Error:
        return
    for message in messages:  # the tree built lazily from the unbuilt body
        if isinstance(message, ReviewTree):
            body = message.transaction.body
            assert plain_tree(message.hierarchy.tree) == reference_tree(
                body, message.hierarchy.table
            )


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_sample_reads_as_the_plain_path_reads_it(name):
    same_reading(sample(name))


def test_line_breaks_a_bom_and_a_tail_read_as_the_plain_path_reads_them():
    data = sample("stupidedi_referral-request-for-review.edi")
    for variant in (
        data.replace(b"~", b"~\r\n"),
        data.replace(b"~", b"~\n")[:-1],
        b"\xef\xbb\xbf" + data.replace(b"~HL", b"~\nHL"),
        data + b"\r\n\r\n",
        data + b"IEA*1",
        data.replace(b"~NM1", b"~nm1").replace(b"~DMG", b"~"),
    ):
        same_reading(variant)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A sample with segments deleted, duplicated, swapped, emptied or changed, line breaks
    after some terminators, and now and then bytes cut or added at the end."""
    segments = draw(st.sampled_from(SOURCES)).split(b"~")
    for _ in range(draw(st.integers(0, 4))):
        index = draw(st.integers(0, len(segments) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "swap", "element", "empty", "eol"]))
        if action == "delete" and len(segments) > 1:
            del segments[index]
        elif action == "duplicate":
            segments.insert(index, segments[index])
        elif action == "swap":
            other = draw(st.integers(0, len(segments) - 1))
            segments[index], segments[other] = segments[other], segments[index]
        elif action == "element":
            elements = segments[index].split(b"*")
            spot = draw(st.integers(0, len(elements) - 1))
            elements[spot] = draw(st.text(alphabet="AZ09 *:^~\n\u00e9", max_size=4)).encode()
            segments[index] = b"*".join(elements)
        elif action == "empty":
            segments[index] = b""
        else:
            segments[index] = draw(st.sampled_from([b"\n", b"\r\n", b"\r"])) + segments[index]
    data = b"~".join(segments)
    if draw(st.integers(0, 3)) == 0:  # now and then, a cut or unreadable end
        data = data[: len(data) - draw(st.integers(0, 3))] + draw(st.binary(max_size=3))
    return data


@st.composite
def reshaped(draw: st.DrawFn) -> bytes:
    """A 278 sample with its HL loops reshaped: HL01/HL02/HL03 and NM101 changed, HL elements
    cut, HL and NM1 segments moved, copied or dropped (the envelope left whole)."""
    segments = draw(st.sampled_from(REVIEWS)).split(b"~")
    head, body, tail = segments[:3], segments[3:-4], segments[-4:]
    for _ in range(draw(st.integers(1, 6))):
        marks = [i for i, s in enumerate(body) if s[:3] in (b"HL*", b"NM1")] or [0]
        index = draw(st.sampled_from(marks))
        action = draw(st.sampled_from(["hl", "entity", "cut", "move", "copy", "drop"]))
        elements = body[index].split(b"*")
        if action == "hl" and elements[0] == b"HL":
            spot = draw(st.integers(1, 3))
            elements += [b""] * (spot + 1 - len(elements))
            elements[spot] = draw(st.sampled_from(HL_VALUES)).encode()
        elif action == "entity" and elements[0] == b"NM1" and len(elements) > 1:
            elements[1] = draw(st.sampled_from(ENTITIES)).encode()
        elif action == "cut":
            elements = elements[: draw(st.integers(1, len(elements)))]
        elif action in ("move", "copy"):
            segment = body[index] if action == "copy" else body.pop(index)
            body.insert(draw(st.integers(0, len(body))), segment)
            continue
        elif action == "drop" and len(body) > 1:
            del body[index]
            continue
        body[index] = b"*".join(elements)
    return b"~".join(head + body + tail)


@FUZZ
@given(mutated())
def test_mutated_messages_read_as_the_plain_path_reads_them(data):
    same_reading(data)


@FUZZ
@given(reshaped())
def test_reshaped_hl_trees_are_the_plain_paths_trees(data):
    same_reading(data)
