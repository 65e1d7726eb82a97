"""Envelope checks: counts, control numbers, dates and times of ISA/IEA, GS/GE and ST/SE.

Each problem names the segment (its position in the interchange) and the element at fault."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet
from adapters.x12.errors import ProblemCode, X12Problem, raise_if_any
from adapters.x12.segments import Segment


def interchange_problems(interchange: Interchange) -> list[X12Problem]:
    """Every envelope problem of `interchange`, in the order of the segments."""
    isa, iea = interchange.header, interchange.trailer
    problems = _format_problems(isa, ISA_FORMATS)
    problems += _format_problems(iea, {1: _digits(1, 5)})
    problems += _count(iea, 1, len(interchange.groups), "functional groups")
    problems += _same(iea, 2, isa, 13)
    seen: set[str] = set()
    for group in interchange.groups:
        problems += group_problems(group)
        if group.control_number in seen:
            message = f"Group control number {group.control_number} used twice"
            problems.append(_problem(ProblemCode.INVALID_VALUE, message, group.header, 6))
        seen.add(group.control_number)
    return sorted(problems, key=lambda p: (p.segment_position or 0, p.element_position or 0))


def validate_interchange(interchange: Interchange) -> Interchange:
    """`interchange` itself when its envelope is sound; raises `X12Error` otherwise."""
    raise_if_any(interchange_problems(interchange))
    return interchange


def group_problems(group: FunctionalGroup) -> list[X12Problem]:
    gs, ge = group.header, group.trailer
    problems = _format_problems(gs, {4: _date8, 5: _time, 6: _digits(1, 9)})
    problems += _count(ge, 1, len(group.transactions), "transaction sets")
    problems += _same(ge, 2, gs, 6)
    seen: set[str] = set()
    for transaction in group.transactions:
        problems += transaction_problems(transaction)
        if transaction.control_number in seen:
            message = f"Transaction set control number {transaction.control_number} used twice"
            problems.append(_problem(ProblemCode.INVALID_VALUE, message, transaction.header, 2))
        seen.add(transaction.control_number)
    return problems


def transaction_problems(transaction: TransactionSet) -> list[X12Problem]:
    st, se = transaction.header, transaction.trailer
    problems = _format_problems(st, {1: _digits(3, 3), 2: _alnum(4, 9)})
    problems += _count(se, 1, len(transaction.body) + 2, "segments")
    problems += _same(se, 2, st, 2)
    return problems


Check = tuple[Callable[[str], bool], ProblemCode]


def _format_problems(segment: Segment, formats: dict[int, Check]) -> list[X12Problem]:
    problems = []
    for number, (valid, code) in formats.items():
        value = segment.element(number)
        if not value:
            message = f"{segment.id}{number:02d} is required"
            problems.append(
                _problem(ProblemCode.REQUIRED_ELEMENT_MISSING, message, segment, number)
            )
        elif not valid(value):
            message = f"{segment.id}{number:02d} is not valid: {value!r}"
            problems.append(_problem(code, message, segment, number, value))
    return problems


def _count(segment: Segment, number: int, actual: int, what: str) -> list[X12Problem]:
    stated = segment.element(number)
    if stated == str(actual):
        return []
    message = f"{segment.id}{number:02d} says {stated or 'nothing'}, there are {actual} {what}"
    return [_problem(ProblemCode.COUNT_MISMATCH, message, segment, number, stated)]


def _same(trailer: Segment, number: int, header: Segment, header_number: int) -> list[X12Problem]:
    stated, expected = trailer.element(number), header.element(header_number)
    if stated == expected:
        return []
    message = (
        f"{trailer.id}{number:02d} {stated!r} differs from "
        f"{header.id}{header_number:02d} {expected!r}"
    )
    return [_problem(ProblemCode.CONTROL_NUMBER_MISMATCH, message, trailer, number, stated)]


def _problem(
    code: ProblemCode, message: str, segment: Segment, element: int, value: str | None = None
) -> X12Problem:
    return X12Problem(code, message, segment.position or None, segment.id, element, value=value)


def is_date(value: str) -> bool:
    """CCYYMMDD and a real calendar day."""
    if len(value) != 8 or not value.isdigit():
        return False
    try:
        date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return False
    return True


def is_time(value: str) -> bool:
    """HHMM, HHMMSS, HHMMSSD or HHMMSSDD, each part in range."""
    if len(value) not in (4, 6, 7, 8) or not value.isdigit():
        return False
    try:
        time(int(value[:2]), int(value[2:4]), int(value[4:6] or 0))
    except ValueError:
        return False
    return True


def _digits(low: int, high: int) -> Check:
    return (lambda v: low <= len(v) <= high and v.isdigit()), ProblemCode.INVALID_VALUE


def _alnum(low: int, high: int) -> Check:
    return (lambda v: low <= len(v) <= high and v.isalnum()), ProblemCode.INVALID_VALUE


def _one_of(*values: str) -> Check:
    return (lambda v: v in values), ProblemCode.INVALID_CODE


_date8: Check = (is_date, ProblemCode.INVALID_DATE)
_time: Check = (is_time, ProblemCode.INVALID_TIME)
_date6: Check = (lambda v: len(v) == 6 and is_date("20" + v), ProblemCode.INVALID_DATE)
_time4: Check = (lambda v: len(v) == 4 and is_time(v), ProblemCode.INVALID_TIME)
ISA_FORMATS: dict[int, Check] = {
    9: _date6,
    10: _time4,
    12: _one_of("00501"),
    13: _digits(9, 9),
    14: _one_of("0", "1"),
    15: _one_of("P", "T", "I"),
}
