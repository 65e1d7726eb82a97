"""The interchange envelope: ISA/IEA around GS/GE functional groups around ST/SE transaction
sets (and TA1 acknowledgments, which sit directly in an interchange).

`parse_interchange` checks the nesting only; `checks.interchange_problems` checks the counts,
control numbers, dates and times, so a message with a wrong count can still be read, answered
and written back unchanged."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import chain
from operator import attrgetter, itemgetter, methodcaller
from typing import Any

from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.segments import (
    Delimiters,
    Segment,
    SplitSegments,
    read_only,
    segment_lists,
    split_segments,
    write_segments,
)

ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


def held_segment(slot: str) -> Any:
    """A read-only segment attribute of an envelope object, read from the slot `slot`: the
    slot holds the segment, or (as `parse_interchange` leaves it) its index in the object's
    `_split`, built and kept on first read. A property (the segment read by a C-level
    `attrgetter`), as cheap to read as can be once built: the writer reads six per
    interchange."""
    read = attrgetter(slot)

    def get(owner: Any) -> Segment:
        held: Segment | int = read(owner)
        if held.__class__ is int:  # two threads may both build it: the same segment either way
            held = owner._split.segment(held)
            setattr(owner, slot, held)
        return held  # type: ignore[return-value]

    return property(get)


class _ComparedByParts:
    """Equality, hash and repr by the attributes named in `_FIELDS`, read as a caller reads
    them (segments not built yet are built first)."""

    __slots__ = ()
    _FIELDS: tuple[str, ...] = ()

    def _parts(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, _ComparedByParts)
        return self._parts() == other._parts()

    def __hash__(self) -> int:
        return hash(self._parts())

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._FIELDS)
        return f"{type(self).__name__}({shown})"


class TransactionSet(_ComparedByParts):
    """ST, body, SE; immutable (read-only attributes). `parse_interchange` leaves the body's
    segments, ST and SE unbuilt until first read (`body_ids` and `body_segment` do not build
    the body), so reading only the envelope or a few segments costs no objects for the rest."""

    __slots__ = ("_body", "_header", "_split", "_start", "_stop", "_trailer")
    _FIELDS = ("header", "body", "trailer")

    header: Segment = held_segment("_header")  # ST
    trailer: Segment = held_segment("_trailer")  # SE

    def __init__(self, header: Segment, body: tuple[Segment, ...], trailer: Segment) -> None:
        self._header: Segment | int = header
        self._body: tuple[Segment, ...] | None = body
        self._trailer: Segment | int = trailer
        self._split: SplitSegments | None = None
        self._start = self._stop = 0

    @property
    def body(self) -> tuple[Segment, ...]:
        body = self._body
        if body is None:  # two threads may both build it: the same segments either way
            split = self._split
            assert split is not None
            body = self._body = split.build(self._start, self._stop)
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
        if self._body is None and split is not None and 0 <= index < self._stop - self._start:
            return split.segment(self._start + index)
        return self.body[index]

    def body_element(self, index: int, number: int) -> str:
        """Element `number` (from 1) of the body's segment at `index`, or "" when the segment
        stops before it; without building any segment."""
        split = self._split
        if split is not None and 0 <= index < self._stop - self._start:
            return split.element(self._start + index, number)
        return self.body[index].element(number)

    def header_elements(self) -> Sequence[str]:
        """ST's elements (ST01 first), without building ST when it is not built yet."""
        held = self._header
        if isinstance(held, int):
            assert self._split is not None
            return self._split.lists[held][1:]
        return held.elements

    @property
    def code(self) -> str:
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        return self.header.element(2)

    def segments(self) -> Iterator[Segment]:
        return chain((self.header,), self.body, (self.trailer,))


_new_object = object.__new__
# segments() of each: C-level `chain`s of C-level `chain`s, which the writer reads through
# without a generator frame per segment
_SEGMENTS = methodcaller("segments")


class FunctionalGroup(_ComparedByParts):
    """GS, transaction sets, GE; immutable (read-only attributes), compared by its parts.
    `parse_interchange` leaves GS and GE unbuilt until first read."""

    __slots__ = ("_header", "_split", "_trailer", "_transactions")
    _FIELDS = ("header", "transactions", "trailer")

    header: Segment = held_segment("_header")  # GS
    trailer: Segment = held_segment("_trailer")  # GE
    transactions: tuple[TransactionSet, ...] = read_only("_transactions")

    def __init__(
        self, header: Segment, transactions: tuple[TransactionSet, ...], trailer: Segment
    ) -> None:
        self._header: Segment | int = header
        self._transactions = transactions
        self._trailer: Segment | int = trailer
        self._split: SplitSegments | None = None

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
        transactions = map(_SEGMENTS, self.transactions)
        return chain((self.header,), *transactions, (self.trailer,))


class Interchange(_ComparedByParts):
    """ISA, TA1s, groups, IEA; immutable (read-only attributes), compared by its parts.
    `parse_interchange` leaves ISA and IEA unbuilt until first read."""

    __slots__ = ("_acknowledgments", "_bom", "_delimiters", "_groups", "_header", "_split",
                 "_trailer")  # fmt: skip
    _FIELDS = ("header", "acknowledgments", "groups", "trailer", "delimiters", "bom")

    header: Segment = held_segment("_header")  # ISA
    trailer: Segment = held_segment("_trailer")  # IEA
    acknowledgments: tuple[Segment, ...] = read_only("_acknowledgments")  # TA1s, before any GS
    groups: tuple[FunctionalGroup, ...] = read_only("_groups")
    delimiters: Delimiters = read_only("_delimiters")
    bom: bool = read_only("_bom")

    def __init__(
        self,
        header: Segment,
        acknowledgments: tuple[Segment, ...],
        groups: tuple[FunctionalGroup, ...],
        trailer: Segment,
        delimiters: Delimiters,
        bom: bool = False,
    ) -> None:
        self._header: Segment | int = header
        self._acknowledgments = acknowledgments
        self._groups = groups
        self._trailer: Segment | int = trailer
        self._delimiters = delimiters
        self._bom = bom
        self._split: SplitSegments | None = None

    @property
    def control_number(self) -> str:
        return self.header.element(13)

    def segments(self) -> Iterator[Segment]:
        groups = map(_SEGMENTS, self.groups)
        return chain((self.header,), self.acknowledgments, *groups, (self.trailer,))

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
    # ST and SE, GS and GE, ISA and IEA held as their indices: built when first read
    transaction = _new_object(TransactionSet)
    transaction._header, transaction._trailer, transaction._body = 2, stop, None
    transaction._split, transaction._start, transaction._stop = split, 3, stop
    group = _new_object(FunctionalGroup)
    group._header, group._trailer, group._split = 1, stop + 1, split
    group._transactions = (transaction,)
    interchange = _new_object(Interchange)
    interchange._header, interchange._trailer, interchange._split = 0, stop + 2, split
    interchange._acknowledgments, interchange._groups = (), (group,)
    interchange._delimiters, interchange._bom = delimiters, bom
    return interchange


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
