"""Segments and delimiters: bytes to segments and back, byte for byte.

The delimiters come from the fixed-width ISA segment. A UTF-8 byte order mark and the line
breaks after segment terminators are kept (`Document.bom`, `Segment.trailer`) so that writing a
parsed message gives back the same bytes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import count, islice, repeat
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from adapters.x12.errors import ProblemCode, X12Error, X12Problem


def read_only(slot: str) -> Any:
    """A read-only attribute that reads the slot `slot` (C-level: no Python frame per read),
    for the slotted classes a reader builds per message."""
    return property(attrgetter(slot))


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


def segment_lists(segments: tuple[Segment, ...]) -> tuple[list[str], Sequence[Sequence[str]]]:
    """The ids of `segments` and each one as its id followed by its elements: what
    `SplitSegments` holds for segments not built yet."""
    return list(map(_ID, segments)), [(s.id, *s.elements) for s in segments]


_ID = itemgetter(0)


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
    key = _ISA_COLUMNS(text)  # every separator column and the three delimiter columns
    found = _SEEN_DELIMITERS.get(key)
    if found is None:
        found = _new_delimiters(text)
        if len(_SEEN_DELIMITERS) < 64:  # partners use a handful; random input must not grow it
            _SEEN_DELIMITERS[key] = found
    return found


def _new_delimiters(text: str) -> Delimiters:
    element = text[3]
    if "".join(map(text.__getitem__, ISA_SEPARATOR_OFFSETS)) != element * 16:
        number, offset = next(
            (n, o) for n, o in enumerate(ISA_SEPARATOR_OFFSETS, 1) if text[o] != element
        )
        message = f"ISA{number:02d} has the wrong width (no separator at column {offset + 1})"
        raise X12Error([_isa_problem(message, number)])
    repetition = "" if text[82] == "U" else text[82]
    found = Delimiters(element, text[104], repetition, text[105])
    _check_distinct(found)
    return found


_ISA_COLUMNS = itemgetter(*ISA_SEPARATOR_OFFSETS, 104, 82, 105)
# Delimiters already read, by the characters of `_ISA_COLUMNS` (only valid ones are kept).
_SEEN_DELIMITERS: dict[tuple[str, ...], Delimiters] = {}


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
    delimiters, split, bom = split_segments(data)
    return Document(delimiters, split.build(), bom)


class SplitSegments:
    """A message split into segments not built yet: each one as the list the split gave (its
    id first, then its elements), the ids on their own, and the trailers. `build` and
    `segment` make `Segment`s where a reader wants them, so checking the ids and the
    envelope, and building the HL tree, cost no segment objects."""

    __slots__ = ("ids", "lists", "trailers")

    def __init__(self, ids: list[str], lists: list[list[str]], trailers: list[str] | None):
        self.ids = ids
        self.lists = lists  # each segment as split: its id, then its elements (01 first)
        self.trailers = trailers  # None: no segment has one

    def __len__(self) -> int:
        return len(self.ids)

    def build(self, start: int = 0, stop: int | None = None) -> tuple[Segment, ...]:
        """The segments ids[start:stop], numbered by their place in the message."""
        trailers = repeat("") if self.trailers is None else self.trailers[start:stop]
        elements = map(tuple, map(_ELEMENTS_OF, self.lists[start:stop]))
        fields = zip(self.ids[start:stop], elements, count(start + 1), trailers)
        return tuple(map(_tuple_new, repeat(Segment), fields))

    def segment(self, index: int) -> Segment:
        """The segment at `index` (from 0), built alone."""
        trailer = "" if self.trailers is None else self.trailers[index]
        row = self.lists[index]
        return _new_segment((row[0], tuple(row[1:]), index + 1, trailer))

    def element(self, index: int, number: int) -> str:
        """Element `number` (from 1) of the segment at `index`, or "" when it stops before."""
        row = self.lists[index]
        return row[number] if 0 < number < len(row) else ""


_ELEMENTS_OF = itemgetter(slice(1, None))  # a split list without its id


def split_segments(data: bytes | str) -> tuple[Delimiters, SplitSegments, bool]:
    """Delimiters, segments (not built yet) and BOM of a message; raises `X12Error` listing
    every malformed segment.

    The hot path: the split is one C-level `map` over all segments and reading the ids one
    comprehension (it indexes faster than a `map` of `itemgetter`); line breaks are looked
    for only when the text holds one."""
    text, bom = decode(data)
    delimiters = read_delimiters(text)
    pieces = text.split(delimiters.segment)
    tail = pieces.pop()
    trailers = None
    if "\n" in text or "\r" in text:
        breaks = LINE_BREAKS.replace(delimiters.segment, "")
        if any(map(text.__contains__, breaks)):
            # Line breaks after a terminator start the next piece; they belong to the segment
            # before as its trailer (a piece is its trailer-to-be followed by its body).
            bodies = list(map(str.lstrip, pieces, repeat(breaks)))
            trailers = list(map(str.removesuffix, islice(pieces, 1, None), islice(bodies, 1, None)))
            trailers.append("")
            pieces = bodies
    lists = list(map(str.split, pieces, repeat(delimiters.element)))
    ids = [row[0] for row in lists]
    problems = [] if _VALID_IDS.issuperset(ids) else _id_problems(ids)
    if tail:
        if tail.strip(LINE_BREAKS.replace(delimiters.segment, "")):
            message = "Data after the last segment terminator"
            problems.append(X12Problem(ProblemCode.MISSING_TERMINATOR, message, len(ids) + 1))
        elif trailers:  # a tail of line breaks only: there are trailers
            trailers[-1] += tail
    if problems:
        raise X12Error(problems)
    return delimiters, SplitSegments(ids, lists, trailers), bom


_tuple_new = tuple.__new__  # _tuple_new(Segment, fields) skips the keyword-handling __new__
_new_segment = partial(_tuple_new, Segment)  # a Segment from one (id, elements, n, trailer)

# Segment ids already found valid (two or three capitals or digits): each is checked once.
_VALID_IDS: set[str] = set()


def _id_problems(ids: list[str]) -> list[X12Problem]:
    bad = set()
    for segment_id in set(ids) - _VALID_IDS:
        shape = 2 <= len(segment_id) <= 3 and segment_id.isalnum() and segment_id.isascii()
        if shape and (segment_id.isupper() or segment_id.isdigit()):
            _VALID_IDS.add(segment_id)
        else:
            bad.add(segment_id)
    return [_bad_segment(n, segment_id) for n, segment_id in enumerate(ids, 1) if segment_id in bad]


def _bad_segment(number: int, segment_id: str) -> X12Problem:
    shown = segment_id[:10]
    message = "Empty segment" if not segment_id else f"Not a segment identifier: {shown!r}"
    return X12Problem(ProblemCode.INVALID_SEGMENT, message, number, shown or None)


def write_segments(
    segments: Iterable[Segment], delimiters: Delimiters, *, bom: bool = False
) -> bytes:
    """The bytes of `segments`, each followed by the terminator and its trailer."""
    element, terminator = delimiters.element, delimiters.segment
    join = element.join
    parts = [BOM] if bom else []
    for segment_id, elements, _, trailer in segments:  # one string built per segment
        if elements:
            parts.append(f"{segment_id}{element}{join(elements)}{terminator}{trailer}")
        else:
            parts.append(f"{segment_id}{terminator}{trailer}")
    return "".join(parts).encode("utf-8")
