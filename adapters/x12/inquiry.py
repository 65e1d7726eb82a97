"""The 278 Health Care Services Review Inquiry and Response (005010X215): it asks for the
status of a review already requested (by authorization number, trace number or member and
dates) and never requests a new one, so it has its own reader and its own checks."""

from __future__ import annotations

from adapters.x12.envelope import TransactionSet
from adapters.x12.errors import ProblemCode, X12Problem
from adapters.x12.hierarchy import X215_LOOPS
from adapters.x12.review import X215, ReviewTree, read_tree
from adapters.x12.segments import Delimiters

# REF qualifiers an inquiry identifies the review by.
REVIEW_REFERENCES = ("BB", "NT")  # authorization number, administrative reference number


class Inquiry278(ReviewTree):
    """A status inquiry (BHT02 13) or its response (11)."""

    __slots__ = ()

    @property
    def is_response(self) -> bool:
        return self.header.purpose == "11"

    @property
    def authorization_numbers(self) -> tuple[str, ...]:
        """Every REF*BB (and REF*NT) of the events and services asked about."""
        loops = [*self.events, *self.services]
        return tuple(
            r.value for loop in loops for r in loop.references if r.qualifier in REVIEW_REFERENCES
        )

    @property
    def trace_numbers(self) -> tuple[str, ...]:
        return tuple(t.reference for event in self.events for t in event.trace_numbers)


def read_inquiry(
    transaction: TransactionSet, delimiters: Delimiters, version: str = X215
) -> Inquiry278:
    hierarchy = read_tree(transaction, X215_LOOPS)
    return Inquiry278(transaction, delimiters, version, None, hierarchy)


def inquiry_problems(inquiry: Inquiry278) -> list[X12Problem]:
    """X215 rules beyond the shared 278 checks: an inquiry names the review it asks about."""
    problems = []
    if not inquiry.is_response and not (inquiry.authorization_numbers or inquiry.trace_numbers):
        for event in inquiry.events:
            hl = event.node.hl
            message = "An inquiry names the review it asks about (REF*BB, REF*NT or TRN)"
            problems.append(
                X12Problem(
                    ProblemCode.REQUIRED_SEGMENT_MISSING,
                    message,
                    hl.position or None,
                    "REF",
                    loop=event.loop,
                )
            )
    return problems
