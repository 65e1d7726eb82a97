"""The interchange envelope: ISA/IEA around GS/GE functional groups around ST/SE transaction
sets (and TA1 acknowledgments, which sit directly in an interchange).

`parse_interchange` checks the nesting only; `checks.interchange_problems` checks the counts,
control numbers, dates and times, so a message with a wrong count can still be read, answered
and written back unchanged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from operator import itemgetter
from typing import NamedTuple

from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.segments import (
    Delimiters,
    Segment,
    SplitSegments,
    segment_lists,
    split_segments,
    write_segments,
)

ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


class TransactionSet:
    """ST, body, SE; immutable (read-only attributes). `parse_interchange` leaves the body's
    segments unbuilt until `body` is first read (`body_ids` and `body_segment` do not build
    it), so reading only the envelope or a few segments costs no objects for the rest."""

    __slots__ = ("_body", "_header", "_split", "_start", "_stop", "_trailer")

    def __init__(self, header: Segment, body: tuple[Segment, ...], trailer: Segment) -> None:
        self._header = header
        self._body: tuple[Segment, ...] | None = body
        self._trailer = trailer
        self._split: SplitSegments | None = None
        self._start = self._stop = 0

    @property
    def header(self) -> Segment:  # ST
        return self._header

    @property
    def trailer(self) -> Segment:  # SE
        return self._trailer

    @property
    def body(self) -> tuple[Segment, ...]:
        body = self._body
        if body is None:  # two threads may both build it: the same segments either way
            split = self._split
            assert split is not None
            body = self._body = split.build(self._start, self._stop)
            self._split = None  # the split's lists are no longer needed here
        return body

    def body_lists(self) -> tuple[list[str], Sequence[Sequence[str]]]:
        """The ids of the body's segments and each one as its id followed by its elements,
        without building the body when it is not built yet: what `Hierarchy` builds the
        tree from."""
        split = self._split
        if split is not None:
            start, stop = self._start, self._stop
            return split.ids[start:stop], split.lists[start:stop]
        return segment_lists(self.body)

    def body_ids(self) -> list[str]:
        """The ids of the body's segments, in order."""
        split = self._split
        if split is not None:
            return split.ids[self._start : self._stop]
        return list(map(itemgetter(0), self.body))

    def body_segment(self, index: int) -> Segment:
        """The body's segment at `index` (from 0), without building the others."""
        split = self._split
        if split is not None and 0 <= index < self._stop - self._start:
            return split.segment(self._start + index)
        return self.body[index]

    def body_element(self, index: int, number: int) -> str:
        """Element `number` (from 1) of the body's segment at `index`, or "" when the segment
        stops before it; without building any segment."""
        split = self._split
        if split is not None and 0 <= index < self._stop - self._start:
            return split.element(self._start + index, number)
        return self.body[index].element(number)

    @property
    def code(self) -> str:
        return self._header.element(1)

    @property
    def control_number(self) -> str:
        return self._header.element(2)

    def segments(self) -> Iterator[Segment]:
        yield self._header
        yield from self.body
        yield self._trailer

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, TransactionSet)
        return (self._header, self.body, self._trailer) == (
            other._header,
            other.body,
            other._trailer,
        )

    def __hash__(self) -> int:
        return hash((self._header, self.body, self._trailer))

    def __repr__(self) -> str:
        parts = f"header={self._header!r}, body={self.body!r}, trailer={self._trailer!r}"
        return f"TransactionSet({parts})"


def _unbuilt(
    header: Segment, split: SplitSegments, start: int, stop: int, trailer: Segment
) -> TransactionSet:
    """A transaction set whose body is split[start:stop], built on first use."""
    made = _new_object(TransactionSet)
    made._header, made._trailer, made._body = header, trailer, None
    made._split, made._start, made._stop = split, start, stop
    return made


_new_object = object.__new__


class FunctionalGroup(NamedTuple):
    """GS, transaction sets, GE. A named tuple, like `Segment`: one is built per message."""

    header: Segment  # GS
    transactions: tuple[TransactionSet, ...]
    trailer: Segment  # GE

    @property
    def functional_id(self) -> str:
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        return self.header.element(6)

    @property
    def version(self) -> str:
        return self.header.element(8)

    def segments(self) -> Iterator[Segment]:
        yield self.header
        for transaction in self.transactions:
            yield from transaction.segments()
        yield self.trailer


class Interchange(NamedTuple):
    """ISA, TA1s, groups, IEA. A named tuple, like `Segment`: one is built per message."""

    header: Segment  # ISA
    acknowledgments: tuple[Segment, ...]  # TA1 segments, before any group
    groups: tuple[FunctionalGroup, ...]
    trailer: Segment  # IEA
    delimiters: Delimiters
    bom: bool = False

    @property
    def control_number(self) -> str:
        return self.header.element(13)

    def segments(self) -> Iterator[Segment]:
        yield self.header
        yield from self.acknowledgments
        for group in self.groups:
            yield from group.segments()
        yield self.trailer

    def transactions(self) -> Iterator[tuple[FunctionalGroup, TransactionSet]]:
        for group in self.groups:
            for transaction in group.transactions:
                yield group, transaction


def parse_interchange(data: bytes | str) -> Interchange:
    """One interchange from bytes (or text); raises `X12Error` listing every nesting problem."""
    delimiters, split, bom = split_segments(data)
    simple = _one_transaction(split, delimiters, bom)
    if simple is not None:
        return simple
    reader = _Reader(split.build(), split.ids)
    interchange = reader.interchange(delimiters, bom)
    if reader.problems:
        raise X12Error(reader.problems)
    return interchange


def _one_transaction(split: SplitSegments, delimiters: Delimiters, bom: bool) -> Interchange | None:
    """The common shape, one group holding one transaction set, without walking it (and with
    its body not built yet); None for any other shape (the reader then walks it and names
    what is wrong)."""
    ids = split.ids
    stop = len(ids) - 3
    if (
        stop < 3
        or ids[1] != "GS"
        or ids[2] != "ST"
        or ids[stop] != "SE"
        or ids[stop + 1] != "GE"
        or ids[stop + 2] != "IEA"
        or len(split.lists[0]) != 17  # ISA and its 16 elements
        or not ENVELOPE_IDS.isdisjoint(ids[3:stop])
    ):
        return None
    one = split.segment
    transaction = _unbuilt(one(2), split, 3, stop, one(stop))
    group = _new_group((one(1), (transaction,), one(stop + 1)))
    return _new_interchange((one(0), (), (group,), one(stop + 2), delimiters, bom))


_new_group = partial(tuple.__new__, FunctionalGroup)
_new_interchange = partial(tuple.__new__, Interchange)


def write_interchange(interchange: Interchange) -> bytes:
    return write_segments(interchange.segments(), interchange.delimiters, bom=interchange.bom)


class _Reader:
    """Walks the segment list once, collecting every nesting problem on the way."""

    def __init__(self, segments: tuple[Segment, ...], ids: list[str]) -> None:
        self.segments = segments
        self.ids = ids
        self.index = 0
        self.problems: list[X12Problem] = []

    def peek(self) -> str:
        return self.ids[self.index] if self.index < len(self.ids) else ""

    def take(self) -> Segment:
        segment = self.segments[self.index]
        self.index += 1
        return segment

    def interchange(self, delimiters: Delimiters, bom: bool) -> Interchange:
        isa = self.take()
        if len(isa.elements) != 16:
            self.fail(ProblemCode.INVALID_ISA, "ISA must have 16 elements", isa)
        acknowledgments = []
        while self.peek() == "TA1":
            acknowledgments.append(self.take())
        groups = []
        while self.skip_until({"GS", "IEA"}) == "GS":
            groups.append(self.group())
        iea = self.trailer("IEA", "ISA", isa)
        while self.index < len(self.segments):
            self.fail(ProblemCode.UNEXPECTED_SEGMENT, "Segment after IEA", self.take())
        return Interchange(isa, tuple(acknowledgments), tuple(groups), iea, delimiters, bom)

    def group(self) -> FunctionalGroup:
        gs = self.take()
        transactions = []
        while self.skip_until({"ST", "GE", "GS", "IEA"}) == "ST":
            transactions.append(self.transaction())
        return FunctionalGroup(gs, tuple(transactions), self.trailer("GE", "GS", gs))

    def transaction(self) -> TransactionSet:
        st = self.take()
        start = self.index
        self.index = self.body_end(start)
        body = self.segments[start : self.index]
        return TransactionSet(st, body, self.trailer("SE", "ST", st))

    def body_end(self, start: int) -> int:
        """Index of the SE closing the body at `start`, or of the envelope segment that
        stands where the SE should be (one C-level search in the common case)."""
        ids = self.ids
        try:
            end = ids.index("SE", start)
        except ValueError:
            end = len(ids)
        if ENVELOPE_IDS.isdisjoint(ids[start:end]):
            return end
        return next(i for i in range(start, end) if ids[i] in ENVELOPE_IDS)

    def trailer(self, wanted: str, opened_by: str, opener: Segment) -> Segment:
        if self.peek() == wanted:
            return self.take()
        found = self.peek() or "the end of the data"
        message = f"{wanted} missing: the {opened_by} at segment {opener.position} ends at {found}"
        at = self.segments[self.index] if self.index < len(self.segments) else None
        self.problems.append(
            X12Problem(
                ProblemCode.MISSING_TRAILER,
                message,
                at.position if at else None,
                at.id if at else None,
            )
        )
        return Segment(wanted, ())

    def skip_until(self, wanted: set[str]) -> str:
        """Reports (and steps over) segments found where only `wanted` may stand."""
        while self.index < len(self.segments) and self.peek() not in wanted:
            segment = self.take()
            expected = " or ".join(sorted(wanted))
            self.fail(ProblemCode.UNEXPECTED_SEGMENT, f"{expected} expected", segment)
        return self.peek()

    def fail(self, code: ProblemCode, message: str, segment: Segment) -> None:
        self.problems.append(X12Problem(code, message, segment.position, segment.id))
