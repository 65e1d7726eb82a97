"""The 999 Implementation Acknowledgment (005010X231A1) and the TA1, as read and checked."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.x12.codes import ACKNOWLEDGMENT_CODES, CODE_LISTS_999
from adapters.x12.envelope import Interchange, TransactionSet
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.segments import Delimiters, Segment

X231A1 = "005010X231A1"
REJECTED_CODES = frozenset({"M", "R", "W", "X"})


@dataclass(frozen=True, slots=True)
class ElementError:
    ik4: Segment
    contexts: tuple[Segment, ...]  # CTX

    @property
    def position(self) -> str:
        """IK401: element position, ":component" and ":repetition" when given."""
        return self.ik4.element(1)

    @property
    def code(self) -> str:
        return self.ik4.element(3)

    @property
    def bad_value(self) -> str:
        return self.ik4.element(4)


@dataclass(frozen=True, slots=True)
class SegmentError:
    ik3: Segment
    contexts: tuple[Segment, ...]
    elements: tuple[ElementError, ...]

    @property
    def segment_id(self) -> str:
        return self.ik3.element(1)

    @property
    def position(self) -> str:
        """IK302: the segment's position in its transaction set (ST is 1)."""
        return self.ik3.element(2)

    @property
    def loop(self) -> str:
        return self.ik3.element(3)

    @property
    def code(self) -> str:
        return self.ik3.element(4)


@dataclass(frozen=True, slots=True)
class TransactionResponse:
    ak2: Segment
    segment_errors: tuple[SegmentError, ...]
    ik5: Segment

    @property
    def transaction_code(self) -> str:
        return self.ak2.element(1)

    @property
    def control_number(self) -> str:
        return self.ak2.element(2)

    @property
    def code(self) -> str:
        return self.ik5.element(1)

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(code for code in self.ik5.elements[1:6] if code)

    @property
    def accepted(self) -> bool:
        return self.code in {"A", "E"}


@dataclass(frozen=True, slots=True)
class Acknowledgment999:
    transaction: TransactionSet
    delimiters: Delimiters
    version: str
    ak1: Segment
    responses: tuple[TransactionResponse, ...]
    ak9: Segment

    @property
    def group_control_number(self) -> str:
        """AK102: the GS06 of the group acknowledged."""
        return self.ak1.element(2)

    @property
    def code(self) -> str:
        return self.ak9.element(1)

    @property
    def counts(self) -> tuple[int, int, int]:
        """AK902..AK904: transaction sets included, received, accepted."""
        return _int(self.ak9.element(2)), _int(self.ak9.element(3)), _int(self.ak9.element(4))


def _int(value: str) -> int:
    return int(value) if value.isdigit() else -1


def read_999(
    transaction: TransactionSet, delimiters: Delimiters, version: str = X231A1
) -> Acknowledgment999:
    """The 999's loops; raises `X12Error` when AK1, an IK5 or AK9 is missing or misplaced."""
    body = transaction.body
    problems: list[X12Problem] = []
    ak1 = _expect(body, 0, "AK1", problems)
    index, responses = 1, []
    while index < len(body) and body[index].id == "AK2":
        response, index = _response(body, index, problems)
        responses.append(response)
    ak9 = _expect(body, index, "AK9", problems)
    for extra in body[index + 1 :]:
        problems.append(_segment_problem(ProblemCode.UNEXPECTED_SEGMENT, "After AK9", extra))
    if problems:
        raise X12Error(problems)
    return Acknowledgment999(transaction, delimiters, version, ak1, tuple(responses), ak9)


def _response(
    body: tuple[Segment, ...], index: int, problems: list[X12Problem]
) -> tuple[TransactionResponse, int]:
    ak2, index = body[index], index + 1
    errors: list[SegmentError] = []
    while index < len(body) and body[index].id == "IK3":
        ik3, index = body[index], index + 1
        contexts, index = _contexts(body, index)
        elements: list[ElementError] = []
        while index < len(body) and body[index].id == "IK4":
            ik4 = body[index]
            element_contexts, index = _contexts(body, index + 1)
            elements.append(ElementError(ik4, element_contexts))
        errors.append(SegmentError(ik3, contexts, tuple(elements)))
    ik5 = _expect(body, index, "IK5", problems)
    return TransactionResponse(ak2, tuple(errors), ik5), index + (ik5.id == "IK5")


def _contexts(body: tuple[Segment, ...], index: int) -> tuple[tuple[Segment, ...], int]:
    start = index
    while index < len(body) and body[index].id == "CTX":
        index += 1
    return body[start:index], index


def _expect(
    body: tuple[Segment, ...], index: int, wanted: str, problems: list[X12Problem]
) -> Segment:
    if index < len(body) and body[index].id == wanted:
        return body[index]
    found = body[index] if index < len(body) else None
    message = f"{wanted} expected" + (f", found {found.id}" if found else " before SE")
    problems.append(
        X12Problem(
            ProblemCode.REQUIRED_SEGMENT_MISSING,
            message,
            found.position if found else None,
            found.id if found else wanted,
        )
    )
    return Segment(wanted, ())


def acknowledgment_problems(ack: Acknowledgment999) -> list[X12Problem]:
    """Code values and the agreement of AK9 with the IK5s it sums up."""
    problems = _code_problems(ack)
    received = len(ack.responses)
    accepted = sum(response.accepted for response in ack.responses)
    _, stated_received, stated_accepted = ack.counts
    if stated_received != received:
        message = f"AK903 says {stated_received} received, there are {received} AK2 loops"
        problems.append(_element_problem(ProblemCode.COUNT_MISMATCH, message, ack.ak9, 3))
    if stated_accepted != accepted:
        message = f"AK904 says {stated_accepted} accepted, {accepted} IK5 accept"
        problems.append(_element_problem(ProblemCode.COUNT_MISMATCH, message, ack.ak9, 4))
    group_errors = [code for code in ack.ak9.elements[4:9] if code]
    expected = "R" if group_errors else group_code(ack.responses)
    if ack.code in ACKNOWLEDGMENT_CODES and ack.code != expected:
        message = f"AK901 is {ack.code!r}, the IK5s sum up to {expected!r}"
        problems.append(_element_problem(ProblemCode.INVALID_CODE, message, ack.ak9, 1))
    for response in ack.responses:
        if response.code in REJECTED_CODES and not response.error_codes:
            message = "IK502 is required when the transaction set is rejected"
            problems.append(
                _element_problem(ProblemCode.REQUIRED_ELEMENT_MISSING, message, response.ik5, 2)
            )
    return problems


def group_code(responses: tuple[TransactionResponse, ...]) -> str:
    """AK901 from the IK501s: A all accepted, E accepted with errors noted, P some, R none."""
    accepted = [response for response in responses if response.accepted]
    if responses and len(accepted) == len(responses):
        return "E" if any(response.code == "E" for response in responses) else "A"
    return "P" if accepted else "R"


def _code_problems(ack: Acknowledgment999) -> list[X12Problem]:
    problems = []
    for segment in ack.transaction.body:
        for (segment_id, number), codes in CODE_LISTS_999.items():
            value = segment.element(number)
            if segment.id == segment_id and value not in codes:
                message = f"{segment_id}{number:02d} {value!r} is not a known code"
                problems.append(
                    _element_problem(ProblemCode.INVALID_CODE, message, segment, number)
                )
    return problems


def _segment_problem(code: ProblemCode, message: str, segment: Segment) -> X12Problem:
    return X12Problem(code, message, segment.position or None, segment.id)


def _element_problem(code: ProblemCode, message: str, segment: Segment, number: int) -> X12Problem:
    return X12Problem(
        code, message, segment.position or None, segment.id, number, value=segment.element(number)
    )


@dataclass(frozen=True, slots=True)
class TA1:
    """An interchange acknowledgment: which interchange, accepted or not, and why."""

    control_number: str  # TA101 = the acknowledged ISA13
    date: str  # TA102 = its ISA09
    time: str  # TA103 = its ISA10
    acknowledgment: str  # TA104: A, E, R
    note: str  # TA105, INTERCHANGE_NOTES


def read_ta1s(interchange: Interchange) -> tuple[TA1, ...]:
    return tuple(TA1(*(s.element(n) for n in range(1, 6))) for s in interchange.acknowledgments)
