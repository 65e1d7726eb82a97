"""Checks of a 278 beyond its envelope (SNIP levels 1-2 and the situational rules we rely on):
required elements, element counts, code values, dates, HCR rules and the HL hierarchy. Each
problem names its segment, element and loop, ready for an IK3/IK4 of a 999."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from adapters.x12.ack999 import Acknowledgment999, acknowledgment_problems
from adapters.x12.checks import interchange_problems, is_date, is_time
from adapters.x12.codes import (
    ACTIONS_WITH_REASON,
    ACTIONS_WITH_REVIEW_NUMBER,
    CODE_LISTS_278,
    COMPONENT_CODE_LISTS_278,
)
from adapters.x12.envelope import parse_interchange
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.hierarchy import hierarchy_problems
from adapters.x12.inquiry import Inquiry278, inquiry_problems
from adapters.x12.reader import Message, read_transaction
from adapters.x12.review import ReviewTree
from adapters.x12.segments import DEFAULT_DELIMITERS, Delimiters, Segment

# Segment id -> (required element numbers, most elements allowed). Segments not listed are
# kept as sent and not checked.
ELEMENT_RULES: Mapping[str, tuple[tuple[int, ...], int]] = MappingProxyType(
    {
        "BHT": ((1, 2, 3, 4, 5), 6),
        "HL": ((1, 3, 4), 4),
        "TRN": ((1, 2, 3), 4),
        "AAA": ((1, 3, 4), 4),
        "UM": ((1, 2), 10),
        "HCR": ((1,), 4),
        "REF": ((1, 2), 4),
        "DTP": ((1, 2, 3), 3),
        "HI": ((1,), 12),
        "HSD": ((), 8),
        "CL1": ((), 4),
        "CRC": ((1, 2, 3), 7),
        "PWK": ((1, 2), 9),
        "MSG": ((1,), 3),
        "SV1": ((1,), 21),
        "SV2": ((), 10),
        "SV3": ((1,), 11),
        "NM1": ((1, 2), 12),
        "N3": ((1,), 2),
        "N4": ((1,), 7),
        "PER": ((1,), 9),
        "PRV": ((1, 2, 3), 6),
        "DMG": ((1, 2), 11),
    }
)
DATE_FORMATS: Mapping[str, Callable[[str], bool]] = MappingProxyType(
    {"D8": is_date, "RD8": lambda v: _is_range(v)}
)


def _is_range(value: str) -> bool:
    start, dash, end = value.partition("-")
    return bool(dash) and is_date(start) and is_date(end) and start <= end


def review_problems(review: ReviewTree) -> list[X12Problem]:
    """Every problem of a 278 review or inquiry, in segment order."""
    loops = _loops_by_position(review)
    problems = hierarchy_problems(review.hierarchy)
    for segment in review.transaction.body:
        problems += segment_problems(segment, loops.get(segment.position), review.delimiters)
    problems += _decision_problems(review, loops)
    return sorted(problems, key=lambda p: (p.segment_position or 0, p.element_position or 0))


def segment_problems(
    segment: Segment, loop: str | None, delimiters: Delimiters = DEFAULT_DELIMITERS
) -> list[X12Problem]:
    rules = ELEMENT_RULES.get(segment.id)
    if rules is None:
        return []
    required, most = rules
    problems = [
        _problem(ProblemCode.REQUIRED_ELEMENT_MISSING, "is required", segment, n, loop)
        for n in required
        if not segment.element(n)
    ]
    if len(segment.elements) > most:
        problems.append(
            _problem(
                ProblemCode.TOO_MANY_ELEMENTS, f"is past the last ({most})", segment, most + 1, loop
            )
        )
    for (segment_id, number), codes in CODE_LISTS_278.items():
        value = segment.element(number)
        if segment_id == segment.id and value and value not in codes:
            problems.append(
                _problem(ProblemCode.INVALID_CODE, "is not a valid code", segment, number, loop)
            )
    return problems + _date_problems(segment, loop) + _component_problems(segment, loop, delimiters)


def _component_problems(
    segment: Segment, loop: str | None, delimiters: Delimiters
) -> list[X12Problem]:
    problems = []
    for (segment_id, number, component), codes in COMPONENT_CODE_LISTS_278.items():
        if segment_id != segment.id:
            continue
        numbers = range(1, len(segment.elements) + 1) if number == 0 else (number,)
        for n in numbers:
            value = segment.element(n)
            parts = value.split(delimiters.component)
            code = parts[component - 1] if len(parts) >= component else ""
            if value and code not in codes:
                kind = ProblemCode.INVALID_CODE if code else ProblemCode.REQUIRED_ELEMENT_MISSING
                says = "is not a valid code" if code else "is required"
                problems.append(_problem(kind, says, segment, n, loop, component, code))
    return problems


def _date_problems(segment: Segment, loop: str | None) -> list[X12Problem]:
    checks: list[tuple[int, Callable[[str], bool], ProblemCode]] = []
    if segment.id == "DTP":
        valid = DATE_FORMATS.get(segment.element(2))
        if valid is None:
            return [_problem(ProblemCode.INVALID_CODE, "is not D8 or RD8", segment, 2, loop)]
        checks.append((3, valid, ProblemCode.INVALID_DATE))
    elif segment.id == "BHT":
        checks += [(4, is_date, ProblemCode.INVALID_DATE), (5, is_time, ProblemCode.INVALID_TIME)]
    elif segment.id == "DMG" and segment.element(1) == "D8":
        checks.append((2, is_date, ProblemCode.INVALID_DATE))
    return [
        _problem(code, "is not valid", segment, number, loop)
        for number, valid, code in checks
        if segment.element(number) and not valid(segment.element(number))
    ]


# HCR elements a response must fill for some HCR01 actions: (element, actions needing it)
HCR_RULES = ((2, ACTIONS_WITH_REVIEW_NUMBER), (3, ACTIONS_WITH_REASON))


def _decision_problems(review: ReviewTree, loops: dict[int, str]) -> list[X12Problem]:
    decisions = [s for s in review.transaction.body if s.id == "HCR"]
    if review.header.purpose != "11":
        message = "HCR only answers a request: it may not appear in one"
        return [
            X12Problem(ProblemCode.UNEXPECTED_SEGMENT, message, s.position or None, "HCR",
                       loop=loops.get(s.position))
            for s in decisions
        ]  # fmt: skip
    return [
        _problem(ProblemCode.REQUIRED_ELEMENT_MISSING,
                 f"is required when HCR01 is {s.element(1)}", s, number, loops.get(s.position))
        for s in decisions
        for number, actions in HCR_RULES
        if s.element(1) in actions and not s.element(number)
    ]  # fmt: skip


def _loops_by_position(review: ReviewTree) -> dict[int, str]:
    loops: dict[int, str] = {}
    for node in review.hierarchy.nodes:
        loops[node.hl.position] = node.loop
        for segment in node.segments:
            loops[segment.position] = node.loop
        for party in node.parties:
            for segment in party.segments:
                loops[segment.position] = party.loop
    return loops


def _problem(
    code: ProblemCode,
    says: str,
    segment: Segment,
    number: int,
    loop: str | None,
    component: int | None = None,
    value: str | None = None,
) -> X12Problem:
    """A problem of element `number` (or of its `component`, whose `value` is then given)."""
    value = segment.element(number) if value is None else value
    where = f"{segment.id}{number:02d}" + (f"-{component}" if component else "")
    message = f"{where} {says}" + (f": {value!r}" if value else "")
    return X12Problem(
        code,
        message,
        segment.position or None,
        segment.id,
        number,
        component,
        loop=loop or None,
        value=value or None,
    )


def validate(data: bytes | str) -> list[X12Problem]:
    """Every problem of an interchange at every level: nesting, envelope, each message."""
    try:
        interchange = parse_interchange(data)
    except X12Error as error:
        return list(error.problems)
    problems = interchange_problems(interchange)
    for group, transaction in interchange.transactions():
        try:
            message = read_transaction(group, transaction, interchange.delimiters)
        except X12Error as error:
            problems += error.problems
            continue
        problems += message_problems(message)
    return problems


def message_problems(message: Message) -> list[X12Problem]:
    """The checks that fit the kind of message (one table of checks per reader's output)."""
    if isinstance(message, Acknowledgment999):
        return acknowledgment_problems(message)
    problems = review_problems(message)
    if isinstance(message, Inquiry278):
        problems += inquiry_problems(message)
    return problems
