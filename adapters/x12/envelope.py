"""The interchange envelope: ISA/IEA around GS/GE functional groups around ST/SE transaction
sets (and TA1 acknowledgments, which sit directly in an interchange).

`parse_interchange` checks the nesting only; `checks.interchange_problems` checks the counts,
control numbers, dates and times, so a message with a wrong count can still be read, answered
and written back unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.segments import (
    Delimiters,
    Document,
    Segment,
    read_segments,
    write_segments,
)

ENVELOPE_IDS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE", "TA1"})


@dataclass(frozen=True, slots=True)
class TransactionSet:
    header: Segment  # ST
    body: tuple[Segment, ...]
    trailer: Segment  # SE

    @property
    def code(self) -> str:
        return self.header.element(1)

    @property
    def control_number(self) -> str:
        return self.header.element(2)

    def segments(self) -> Iterator[Segment]:
        yield self.header
        yield from self.body
        yield self.trailer


@dataclass(frozen=True, slots=True)
class FunctionalGroup:
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


@dataclass(frozen=True, slots=True)
class Interchange:
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
    document = read_segments(data)
    ids = list(map(itemgetter(0), document.segments))  # the ids, without attribute lookups
    simple = _one_transaction(document, ids)
    if simple is not None:
        return simple
    reader = _Reader(document.segments, ids)
    interchange = reader.interchange(document.delimiters, document.bom)
    if reader.problems:
        raise X12Error(reader.problems)
    return interchange


def _one_transaction(document: Document, ids: list[str]) -> Interchange | None:
    """The common shape, one group holding one transaction set, without walking it;
    None for any other shape (the reader then walks it and names what is wrong)."""
    shape = ids[1:3] == ["GS", "ST"] and ids[-3:] == ["SE", "GE", "IEA"]
    if not shape or not ENVELOPE_IDS.isdisjoint(ids[3:-3]):
        return None
    segments = document.segments
    if len(segments[0].elements) != 16:
        return None
    transaction = TransactionSet(segments[2], segments[3:-3], segments[-3])
    group = FunctionalGroup(segments[1], (transaction,), segments[-2])
    return Interchange(segments[0], (), (group,), segments[-1], document.delimiters, document.bom)


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
