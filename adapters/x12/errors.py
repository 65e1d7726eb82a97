"""One error style for the X12 codec: every problem found in a message is an `X12Problem`
with an exact location, and they travel together in one `X12Error`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ProblemCode(StrEnum):
    """What went wrong; the 999 and TA1 builders map each code to an X12 error code."""

    # interchange level (answered with a TA1)
    INVALID_ENCODING = "INVALID_ENCODING"
    INVALID_ISA = "INVALID_ISA"
    INVALID_DELIMITERS = "INVALID_DELIMITERS"
    MISSING_TERMINATOR = "MISSING_TERMINATOR"
    INVALID_SEGMENT = "INVALID_SEGMENT"
    UNEXPECTED_SEGMENT = "UNEXPECTED_SEGMENT"
    MISSING_TRAILER = "MISSING_TRAILER"
    CONTROL_NUMBER_MISMATCH = "CONTROL_NUMBER_MISMATCH"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    # element level (answered with IK3/IK4 in a 999)
    REQUIRED_ELEMENT_MISSING = "REQUIRED_ELEMENT_MISSING"
    TOO_MANY_ELEMENTS = "TOO_MANY_ELEMENTS"
    INVALID_CODE = "INVALID_CODE"
    INVALID_DATE = "INVALID_DATE"
    INVALID_TIME = "INVALID_TIME"
    INVALID_VALUE = "INVALID_VALUE"
    # a well-formed identifier naming nothing the receiver knows (a pushed 278 response for
    # a request we never sent): the 999 has no code of its own for it
    UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
    # transaction level
    REQUIRED_SEGMENT_MISSING = "REQUIRED_SEGMENT_MISSING"
    INVALID_HIERARCHY = "INVALID_HIERARCHY"
    UNSUPPORTED_TRANSACTION = "UNSUPPORTED_TRANSACTION"


@dataclass(frozen=True, slots=True)
class X12Problem:
    """`segment_position` counts segments from 1 across the whole interchange (ISA is 1);
    `element_position` and `component_position` count from 1 within the segment."""

    code: ProblemCode
    message: str
    segment_position: int | None = None
    segment_id: str | None = None
    element_position: int | None = None
    component_position: int | None = None
    loop: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = [f"segment {self.segment_position}"] if self.segment_position else []
        if self.segment_id:
            where.append(self.segment_id)
        if self.element_position:
            where.append(f"element {self.element_position:02d}")
        if self.component_position:
            where.append(f"component {self.component_position}")
        if self.loop:
            where.append(f"loop {self.loop}")
        return f"{self.code}: {self.message}" + (f" ({', '.join(where)})" if where else "")


class X12Error(Exception):
    """Every problem found in one message, reported at once."""

    def __init__(self, problems: Iterable[X12Problem]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("X12Error needs at least one problem")
        super().__init__("; ".join(str(problem) for problem in self.problems))

    def codes(self) -> list[ProblemCode]:
        return [problem.code for problem in self.problems]


def raise_if_any(problems: Iterable[X12Problem]) -> None:
    found = tuple(problems)
    if found:
        raise X12Error(found)
