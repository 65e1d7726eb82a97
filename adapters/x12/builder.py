"""Building new interchanges: the envelope around transaction bodies, with every count and
control number computed (SE01, SE02, GE01, GE02, IEA01, IEA02) and the ISA padded to width."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.segments import DEFAULT_DELIMITERS, Delimiters, Segment


@dataclass(frozen=True, slots=True)
class PartyId:
    """An interchange sender or receiver: ISA05/ISA06 or ISA07/ISA08 (ZZ = mutually defined)."""

    id: str
    qualifier: str = "ZZ"


@dataclass(frozen=True, slots=True)
class TransactionDraft:
    code: str  # ST01: 278, 999
    body: tuple[Segment, ...]  # the segments between ST and SE
    control_number: str = ""  # ST02; "" numbers the sets 0001, 0002, ... within the group


@dataclass(frozen=True, slots=True)
class GroupDraft:
    functional_id: str  # GS01: HI for a 278, FA for a 999
    sender: str  # GS02
    receiver: str  # GS03
    version: str  # GS08 and ST03: 005010X217, 005010X231A1
    control_number: int  # GS06
    transactions: tuple[TransactionDraft, ...]


@dataclass(frozen=True, slots=True)
class InterchangeDraft:
    sender: PartyId
    receiver: PartyId
    control_number: int  # ISA13
    at: datetime  # ISA09/ISA10 and each GS04/GS05
    groups: tuple[GroupDraft, ...] = ()
    acknowledgments: tuple[Segment, ...] = ()  # TA1 segments
    usage: str = "P"  # ISA15: P production, T test
    acknowledgment_requested: str = "0"  # ISA14


def build_interchange(
    draft: InterchangeDraft,
    *,
    delimiters: Delimiters = DEFAULT_DELIMITERS,
    line_break: str = "",
) -> Interchange:
    """The interchange for `draft`; raises `X12Error` when a value does not fit the envelope
    or contains a delimiter."""
    isa = _isa(draft, delimiters)
    groups = tuple(_group(group, draft.at) for group in draft.groups)
    iea = Segment("IEA", (str(len(groups)), isa.element(13)))
    built = Interchange(isa, draft.acknowledgments, groups, iea, delimiters)
    _check_delimiters(built.segments(), delimiters)
    return _numbered(built, line_break)


def _isa(draft: InterchangeDraft, delimiters: Delimiters) -> Segment:
    problems = [
        X12Problem(ProblemCode.INVALID_VALUE, f"ISA{number:02d} is longer than {width}", 1, "ISA")
        for number, value, width in (
            (6, draft.sender.id, 15),
            (8, draft.receiver.id, 15),
            (13, str(draft.control_number), 9),
        )
        if len(value) > width or not value
    ]
    if problems or draft.control_number < 0:
        raise X12Error(problems or [_bad_control_number()])
    elements = (
        "00", " " * 10, "00", " " * 10,
        draft.sender.qualifier, draft.sender.id.ljust(15),
        draft.receiver.qualifier, draft.receiver.id.ljust(15),
        draft.at.strftime("%y%m%d"), draft.at.strftime("%H%M"),
        delimiters.repetition or "U", "00501", f"{draft.control_number:09d}",
        draft.acknowledgment_requested, draft.usage, delimiters.component,
    )  # fmt: skip
    return Segment("ISA", elements)


def _bad_control_number() -> X12Problem:
    return X12Problem(ProblemCode.INVALID_VALUE, "ISA13 must not be negative", 1, "ISA", 13)


def _group(draft: GroupDraft, at: datetime) -> FunctionalGroup:
    control = str(draft.control_number)
    gs = Segment(
        "GS",
        (
            draft.functional_id, draft.sender, draft.receiver,
            at.strftime("%Y%m%d"), at.strftime("%H%M"), control, "X", draft.version,
        ),
    )  # fmt: skip
    transactions = tuple(
        build_transaction(t, draft.version, t.control_number or f"{number:04d}")
        for number, t in enumerate(draft.transactions, start=1)
    )
    return FunctionalGroup(gs, transactions, Segment("GE", (str(len(transactions)), control)))


def build_transaction(draft: TransactionDraft, version: str, control_number: str) -> TransactionSet:
    """ST, the body, and SE with the segment count (ST and SE included)."""
    st = Segment("ST", (draft.code, control_number, version))
    se = Segment("SE", (str(len(draft.body) + 2), control_number))
    return TransactionSet(st, draft.body, se)


def _check_delimiters(segments: Iterator[Segment], delimiters: Delimiters) -> None:
    reserved = (delimiters.element, delimiters.segment)
    problems = [
        X12Problem(
            ProblemCode.INVALID_VALUE,
            f"{segment.id}{number:02d} contains a delimiter",
            None,
            segment.id,
            number,
        )
        for segment in segments
        if segment.id != "ISA"
        for number, value in enumerate(segment.elements, start=1)
        if any(mark in value for mark in reserved)
    ]
    if problems:
        raise X12Error(problems)


def _numbered(interchange: Interchange, line_break: str) -> Interchange:
    """The same interchange with positions counted from 1 and `line_break` after each segment."""
    again = _Positions(line_break)
    header = again(interchange.header)
    acknowledgments = tuple(map(again, interchange.acknowledgments))
    groups = tuple(
        FunctionalGroup(
            again(g.header),
            tuple(
                TransactionSet(again(t.header), tuple(map(again, t.body)), again(t.trailer))
                for t in g.transactions
            ),
            again(g.trailer),
        )
        for g in interchange.groups
    )
    return Interchange(
        header, acknowledgments, groups, again(interchange.trailer), interchange.delimiters
    )


class _Positions:
    """Numbers segments in the order it is called."""

    def __init__(self, line_break: str) -> None:
        self.line_break = line_break
        self.position = 0

    def __call__(self, segment: Segment) -> Segment:
        self.position += 1
        return Segment(segment.id, segment.elements, self.position, self.line_break)
