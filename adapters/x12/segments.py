"""Segments and delimiters: bytes to segments and back, byte for byte.

The delimiters come from the fixed-width ISA segment. A UTF-8 byte order mark and the line
breaks after segment terminators are kept (`Document.bom`, `Segment.trailer`) so that writing a
parsed message gives back the same bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment as written: `elements[0]` is element 01. `position` counts from 1 in the
    interchange; `trailer` is the line break that followed the terminator, if any."""

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
    for number, offset in enumerate(ISA_SEPARATOR_OFFSETS, start=1):
        if text[offset] != element:
            message = f"ISA{number:02d} has the wrong width (no separator at column {offset + 1})"
            raise X12Error([_isa_problem(message, number)])
    repetition = "" if text[82] == "U" else text[82]
    found = Delimiters(element, text[104], repetition, text[105])
    _check_distinct(found)
    return found


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
    segments: list[Segment] = []
    problems: list[X12Problem] = []
    element = delimiters.element
    for number, piece in enumerate(pieces[:-1], start=1):
        body = piece.lstrip(breaks) if breaks else piece
        if len(body) != len(piece):
            segments[-1] = _with_trailer(segments[-1], piece[: len(piece) - len(body)])
        values = body.split(element)
        segment_id = values[0]
        if not (2 <= len(segment_id) <= 3 and segment_id.isalnum() and segment_id.isupper()):
            problems.append(_bad_segment(number, segment_id))
        segments.append(Segment(segment_id, tuple(values[1:]), number))
    tail = pieces[-1]
    if tail.strip(breaks):
        message = "Data after the last segment terminator"
        problems.append(X12Problem(ProblemCode.MISSING_TERMINATOR, message, len(pieces)))
    elif tail:
        segments[-1] = _with_trailer(segments[-1], tail)
    if problems:
        raise X12Error(problems)
    return Document(delimiters, tuple(segments), bom)


def _with_trailer(segment: Segment, trailer: str) -> Segment:
    return Segment(segment.id, segment.elements, segment.position, trailer)


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


def renumber(segments: Sequence[Segment], start: int = 1) -> tuple[Segment, ...]:
    """The same segments with positions counted from `start` (for messages being built)."""
    return tuple(
        Segment(s.id, s.elements, number, s.trailer) for number, s in enumerate(segments, start)
    )
