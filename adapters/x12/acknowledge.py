"""Answering what we received: a TA1 when the interchange envelope is broken, otherwise one
999 per functional group, with IK3/IK4 for every segment and element in error and IK5/AK9
codes that sum them up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from adapters.x12.ack999 import X231A1
from adapters.x12.builder import (
    GroupDraft,
    InterchangeDraft,
    PartyId,
    TransactionDraft,
    build_interchange,
)
from adapters.x12.checks import interchange_problems, transaction_problems
from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet, parse_interchange
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.reader import read_transaction
from adapters.x12.segments import DEFAULT_DELIMITERS, Delimiters, Segment, decode, read_delimiters
from adapters.x12.validation import message_problems

P = ProblemCode
ELEMENT_ERRORS: Mapping[ProblemCode, str] = MappingProxyType(  # IK403
    {
        P.REQUIRED_ELEMENT_MISSING: "1",
        P.TOO_MANY_ELEMENTS: "3",
        P.INVALID_CODE: "7",
        P.INVALID_DATE: "8",
        P.INVALID_TIME: "9",
        P.INVALID_VALUE: "I12",
        P.UNKNOWN_REFERENCE: "I12",  # implementation pattern match failure
        P.INVALID_HIERARCHY: "I12",
        P.COUNT_MISMATCH: "I12",
    }
)
SEGMENT_ERRORS: Mapping[ProblemCode, str] = MappingProxyType(  # IK304
    {
        P.INVALID_SEGMENT: "1",
        P.UNEXPECTED_SEGMENT: "2",
        P.REQUIRED_SEGMENT_MISSING: "3",
    }
)
# (segment id, problem) -> IK502 code, for problems of the ST/SE envelope itself
TRANSACTION_ERRORS: Mapping[tuple[str, ProblemCode], str] = MappingProxyType(
    {
        ("ST", P.UNSUPPORTED_TRANSACTION): "1",
        ("SE", P.MISSING_TRAILER): "2",
        ("SE", P.CONTROL_NUMBER_MISMATCH): "3",
        ("SE", P.COUNT_MISMATCH): "4",
        ("ST", P.REQUIRED_ELEMENT_MISSING): "7",
        ("ST", P.INVALID_VALUE): "7",
    }
)
GROUP_ERRORS: Mapping[ProblemCode, str] = MappingProxyType(  # AK905
    {P.CONTROL_NUMBER_MISMATCH: "4", P.COUNT_MISMATCH: "5"}
)
# TA105 by (segment id, element) first, then by problem code
INTERCHANGE_NOTES: Mapping[tuple[str, int | None], str] = MappingProxyType(
    {
        ("IEA", 2): "001",
        ("IEA", 1): "021",
        ("ISA", 9): "014",
        ("ISA", 10): "015",
        ("ISA", 12): "017",
        ("ISA", 13): "018",
        ("ISA", 14): "019",
        ("ISA", 15): "020",
    }
)
NOTES_BY_PROBLEM: Mapping[ProblemCode, str] = MappingProxyType(
    {P.INVALID_DELIMITERS: "026", P.MISSING_TERMINATOR: "023", P.INVALID_ENCODING: "024"}
)
INTERCHANGE_SEGMENTS = frozenset({"ISA", "IEA", "GS", "GE"})


@dataclass(frozen=True, slots=True)
class Answer:
    """The control number and time of our answer; its parties are the received ones swapped.
    Acknowledgments (GS01 FA) are never acknowledged: do not pass a 999 here."""

    control_number: int  # ISA13; group n of the answer gets GS06 = control_number + n
    at: datetime


def acknowledge(
    data: bytes | str, answer: Answer, *, refused: Sequence[X12Problem] = ()
) -> Interchange:
    """TA1 or 999s for `data`; raises `X12Error` only when not even its ISA can be read.
    `refused`: problems the receiver found beyond the checks, rejecting their transactions."""
    try:
        received = parse_interchange(data)
    except X12Error as error:
        return ta1_interchange(_raw_isa(data, error), interchange_note(error.problems), answer)
    envelope = interchange_problems(received)
    broken = [p for p in envelope if p.segment_id in {"ISA", "IEA", "GS"}]
    if broken:
        note = interchange_note(broken)
        return ta1_interchange(received.header, note, answer, received.delimiters)
    return build_999(received, envelope, answer, refused)


def build_999(
    received: Interchange,
    envelope: Sequence[X12Problem],
    answer: Answer,
    refused: Sequence[X12Problem] = (),
) -> Interchange:
    """One 999 per functional group of `received`, in one interchange back to its sender;
    `refused` are problems the receiver found beyond the checks (each in its transaction)."""
    groups = tuple(
        GroupDraft(
            "FA",
            group.header.element(3),
            group.header.element(2),
            X231A1,
            answer.control_number + offset,
            (
                TransactionDraft(
                    "999", acknowledge_group(group, envelope, received.delimiters, refused)
                ),
            ),
        )
        for offset, group in enumerate(received.groups)
    )
    isa = received.header
    draft = InterchangeDraft(
        *_back_to_sender(isa),
        answer.control_number,
        answer.at,
        groups,
        (ta1(isa, "000"),) if isa.element(14) == "1" else (),
        usage=isa.element(15) or "P",
    )
    return build_interchange(draft, delimiters=received.delimiters)


def acknowledge_group(
    group: FunctionalGroup,
    envelope: Sequence[X12Problem],
    delimiters: Delimiters,
    refused: Sequence[X12Problem] = (),
) -> tuple[Segment, ...]:
    """The body of a 999 for `group`: AK1, an AK2..IK5 loop per transaction set, AK9."""
    body = [Segment.of("AK1", group.functional_id, group.control_number, group.version)]
    accepted = 0
    for transaction in group.transactions:
        start, end = transaction.header.position, transaction.trailer.position
        problems = transaction_problems(transaction) + _content_problems(
            group, transaction, delimiters
        )
        problems += [p for p in refused if start <= (p.segment_position or 0) <= end]
        loop, ok = _transaction_response(group, transaction, problems, delimiters)
        body += loop
        accepted += ok
    ge = group.trailer.position
    found = [GROUP_ERRORS.get(p.code) for p in envelope if p.segment_position == ge]
    group_codes = [code for code in found if code][:5]
    received = len(group.transactions)
    code = "R" if group_codes or not accepted else ("A" if accepted == received else "P")
    counts = (group.trailer.element(1) or str(received), str(received), str(accepted))
    body.append(Segment.of("AK9", code, *counts, *group_codes))
    return tuple(body)


def _content_problems(
    group: FunctionalGroup, transaction: TransactionSet, delimiters: Delimiters
) -> list[X12Problem]:
    try:
        message = read_transaction(group, transaction, delimiters)
    except X12Error as error:
        return list(error.problems)
    return message_problems(message)


def _transaction_response(
    group: FunctionalGroup,
    transaction: TransactionSet,
    problems: Sequence[X12Problem],
    delimiters: Delimiters,
) -> tuple[list[Segment], bool]:
    st = transaction.header
    loop = [Segment.of("AK2", st.element(1), st.element(2), st.element(3))]
    codes = [
        TRANSACTION_ERRORS[key]
        for p in problems
        if (key := (p.segment_id or "", p.code)) in TRANSACTION_ERRORS
    ]
    in_body = [p for p in problems if (p.segment_id or "", p.code) not in TRANSACTION_ERRORS]
    loop += _segment_errors(in_body, st.position, delimiters)
    if in_body:
        codes.append("5")
    unique = list(dict.fromkeys(codes))[:5]
    loop.append(Segment.of("IK5", "R" if unique else "A", *unique))
    return loop, not unique


def _segment_errors(
    problems: Sequence[X12Problem], start: int, delimiters: Delimiters
) -> list[Segment]:
    """IK3 per segment in error (in segment order), each followed by its IK4s."""
    by_segment: dict[tuple[int, str], list[X12Problem]] = {}
    for problem in problems:
        key = (problem.segment_position or 0, problem.segment_id or "")
        by_segment.setdefault(key, []).append(problem)
    segments = []
    for (position, segment_id), found in sorted(by_segment.items()):
        elements = [p for p in found if p.element_position and p.code in ELEMENT_ERRORS]
        plain = [p for p in found if p not in elements]
        code = SEGMENT_ERRORS.get(plain[0].code, "8") if plain else "8"
        relative = str(position - start + 1) if position >= start else ""
        # IK303 is at most 4 characters: the standard's loop id (2000), not the TR3's (2000E).
        loop = (found[0].loop or "")[:4]
        segments.append(Segment.of("IK3", segment_id, relative, loop, code))
        segments += [_ik4(p, delimiters) for p in elements]
    return segments


def _ik4(problem: X12Problem, delimiters: Delimiters) -> Segment:
    position = str(problem.element_position)
    if problem.component_position:
        position += delimiters.component + str(problem.component_position)
    bad = problem.value if problem.code is not P.REQUIRED_ELEMENT_MISSING else ""
    return Segment.of("IK4", position, "", ELEMENT_ERRORS[problem.code], (bad or "")[:99])


def interchange_note(problems: Sequence[X12Problem]) -> str:
    """TA105 for the gravest interchange-level problem: ISA/IEA first, then delimiters and
    truncation, then a bad GS (024); 022 (invalid control structure) when none fits."""
    notes = [INTERCHANGE_NOTES.get((p.segment_id or "", p.element_position)) for p in problems]
    notes += [NOTES_BY_PROBLEM.get(p.code) for p in problems]
    notes += ["024" for p in problems if p.segment_id == "GS"]
    return next((note for note in notes if note), "022")


def ta1(isa: Segment, note: str) -> Segment:
    """TA1 for the interchange `isa` heads: accepted on note 000, rejected otherwise."""
    code = "A" if note == "000" else "R"
    return Segment.of("TA1", isa.element(13), isa.element(9), isa.element(10), code, note)


def ta1_interchange(
    isa: Segment, note: str, answer: Answer, delimiters: Delimiters = DEFAULT_DELIMITERS
) -> Interchange:
    """An interchange holding only the TA1 (IEA01 = 0 groups)."""
    draft = InterchangeDraft(
        *_back_to_sender(isa),
        answer.control_number,
        answer.at,
        acknowledgments=(ta1(isa, note),),
        usage=isa.element(15) if isa.element(15) in {"P", "T"} else "P",
    )
    return build_interchange(draft, delimiters=delimiters)


def _back_to_sender(isa: Segment) -> tuple[PartyId, PartyId]:
    """(our sender, our receiver): the received ISA's receiver and sender, swapped."""
    return (
        PartyId(isa.element(8).strip() or "UNKNOWN", isa.element(7) or "ZZ"),
        PartyId(isa.element(6).strip() or "UNKNOWN", isa.element(5) or "ZZ"),
    )


def _raw_isa(data: bytes | str, error: X12Error) -> Segment:
    """The ISA of a message that did not parse, read from its fixed columns."""
    try:
        text, _ = decode(data)
        delimiters = read_delimiters(text)
    except X12Error:
        raise error from None
    elements = text[4:105].split(delimiters.element)
    return Segment("ISA", tuple(elements), 1)
