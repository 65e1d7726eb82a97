"""Segments and delimiters: bytes to segments and back, byte for byte.

The delimiters come from the fixed-width ISA segment. A UTF-8 byte order mark and the line
breaks after segment terminators are kept (`Document.bom`, `Segment.trailer`) so that writing a
parsed message gives back the same bytes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from adapters.x12.errors import ProblemCode, X12Error, X12Problem

BOM = "\ufeff"
ISA_LENGTH = 106  # "ISA", 16 fixed-width elements with their separators, the terminator
# Offset of each ISA element separator; ISA01..ISA16 lie between consecutive offsets.
ISA_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
LINE_BREAKS = "\r\n"


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str = "*"
    component: str = ":"
    repetition: str = "^"  # "" when ISA11 is "U" (before 00501: no repetition separator)
    segment: str = "~"


DEFAULT_DELIMITERS = Delimiters()


class Segment(NamedTuple):
    """One segment as written: `elements[0]` is element 01. `position` counts from 1 in the
    interchange; `trailer` is the line break that followed the terminator, if any.

    Immutable like the frozen dataclasses elsewhere, but a named tuple: one is built per
    segment read, and a frozen dataclass's `__init__` costs three times as much."""

    id: str
    elements: tuple[str, ...]
    position: int = 0
    trailer: str = ""

    @classmethod
    def of(cls, segment_id: str, *elements: str) -> Segment:
        """A new segment; trailing empty elements are dropped, as X12 requires."""
        values = list(elements)
        while values and values[-1] == "":
            values.pop()
        return cls(segment_id, tuple(values))

    def element(self, number: int) -> str:
        """Element `number` (from 1), or "" when the segment stops before it."""
        return self.elements[number - 1] if 0 < number <= len(self.elements) else ""


@dataclass(frozen=True, slots=True)
class Document:
    delimiters: Delimiters
    segments: tuple[Segment, ...]
    bom: bool = False


def components(value: str, delimiters: Delimiters) -> tuple[str, ...]:
    return tuple(value.split(delimiters.component)) if value else ()


def repetitions(value: str, delimiters: Delimiters) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(value.split(delimiters.repetition)) if delimiters.repetition else (value,)


def decode(data: bytes | str) -> tuple[str, bool]:
    """Text without its byte order mark, and whether there was one."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise X12Error(
                [X12Problem(ProblemCode.INVALID_ENCODING, f"Not UTF-8 at byte {error.start}")]
            ) from None
    else:
        text = data
    if text.startswith(BOM):
        return text[1:], True
    return text, False


def read_delimiters(text: str) -> Delimiters:
    """The four delimiters, from the fixed positions of the ISA segment."""
    if len(text) < ISA_LENGTH or not text.startswith("ISA"):
        raise X12Error([_isa_problem("The interchange does not start with a complete ISA")])
    element = text[3]
    if "".join(map(text.__getitem__, ISA_SEPARATOR_OFFSETS)) != element * 16:
        number, offset = next(
            (n, o) for n, o in enumerate(ISA_SEPARATOR_OFFSETS, 1) if text[o] != element
        )
        message = f"ISA{number:02d} has the wrong width (no separator at column {offset + 1})"
        raise X12Error([_isa_problem(message, number)])
    key = element + text[104] + text[82] + text[105]
    found = _SEEN_DELIMITERS.get(key)
    if found is None:
        repetition = "" if text[82] == "U" else text[82]
        found = Delimiters(element, text[104], repetition, text[105])
        _check_distinct(found)
        if len(_SEEN_DELIMITERS) < 64:  # partners use a handful; random input must not grow it
            _SEEN_DELIMITERS[key] = found
    return found


_SEEN_DELIMITERS: dict[str, Delimiters] = {}


def _check_distinct(found: Delimiters) -> None:
    chosen = [found.element, found.component, found.segment] + (
        [found.repetition] if found.repetition else []
    )
    if len(set(chosen)) != len(chosen) or any(c.isalnum() or c == " " for c in chosen):
        message = f"Delimiters must be distinct and not letters, digits or space: {chosen!r}"
        raise X12Error([X12Problem(ProblemCode.INVALID_DELIMITERS, message, 1, "ISA")])


def _isa_problem(message: str, element: int | None = None) -> X12Problem:
    return X12Problem(ProblemCode.INVALID_ISA, message, 1, "ISA", element)


def read_segments(data: bytes | str) -> Document:
    """Split a message into segments; raises `X12Error` listing every malformed segment."""
    text, bom = decode(data)
    delimiters = read_delimiters(text)
    pieces = text.split(delimiters.segment)
    breaks = LINE_BREAKS.replace(delimiters.segment, "")
    tail = pieces.pop()
    if any(mark in text for mark in breaks):
        segments = _split_with_breaks(pieces, delimiters.element, breaks)
    else:
        segments = _split(pieces, delimiters.element)
    problems = _id_problems(segments)
    if tail.strip(breaks):
        message = "Data after the last segment terminator"
        problems.append(X12Problem(ProblemCode.MISSING_TERMINATOR, message, len(pieces) + 1))
    elif tail:
        segments[-1] = segments[-1]._replace(trailer=segments[-1].trailer + tail)
    if problems:
        raise X12Error(problems)
    return Document(delimiters, tuple(segments), bom)


# Segment ids already found valid (two or three capitals or digits): each is checked once.
_VALID_IDS: set[str] = set()


def _id_problems(segments: list[Segment]) -> list[X12Problem]:
    new = {segment.id for segment in segments} - _VALID_IDS
    if not new:
        return []
    bad = set()
    for segment_id in new:
        shape = 2 <= len(segment_id) <= 3 and segment_id.isalnum() and segment_id.isascii()
        if shape and (segment_id.isupper() or segment_id.isdigit()):
            _VALID_IDS.add(segment_id)
        else:
            bad.add(segment_id)
    return [_bad_segment(s.position, s.id) for s in segments if s.id in bad]


def _split(pieces: list[str], element: str) -> list[Segment]:
    """The hot loop: no line breaks to look for."""
    make = tuple.__new__
    return [
        make(Segment, (segment_id, tuple(rest.split(element)) if sep else (), number, ""))
        for number, (segment_id, sep, rest) in enumerate(
            (piece.partition(element) for piece in pieces), start=1
        )
    ]


def _split_with_breaks(pieces: list[str], element: str, breaks: str) -> list[Segment]:
    """Line breaks after a terminator start the next piece; they belong to the segment
    before as its trailer."""
    segments: list[Segment] = []
    for number, piece in enumerate(pieces, start=1):
        body = piece.lstrip(breaks)
        if len(body) != len(piece) and segments:
            segments[-1] = segments[-1]._replace(trailer=piece[: len(piece) - len(body)])
        values = body.split(element)
        segments.append(Segment(values[0], tuple(values[1:]), number))
    return segments


def _bad_segment(number: int, segment_id: str) -> X12Problem:
    shown = segment_id[:10]
    message = "Empty segment" if not segment_id else f"Not a segment identifier: {shown!r}"
    return X12Problem(ProblemCode.INVALID_SEGMENT, message, number, shown or None)


def write_segments(
    segments: Iterable[Segment], delimiters: Delimiters, *, bom: bool = False
) -> bytes:
    """The bytes of `segments`, each followed by the terminator and its trailer."""
    element, terminator = delimiters.element, delimiters.segment
    parts = [BOM] if bom else []
    for segment in segments:
        if segment.elements:
            parts.append(segment.id + element + element.join(segment.elements))
        else:
            parts.append(segment.id)
        parts.append(terminator + segment.trailer)
    return "".join(parts).encode("utf-8")
