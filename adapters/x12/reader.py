"""Reading messages: each transaction set goes to the reader for its (ST01, version), so a
278 inquiry (X215) never takes the path of a review request (X217)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TypeVar

from adapters.x12.ack999 import X231A1, Acknowledgment999, read_999
from adapters.x12.envelope import FunctionalGroup, Interchange, TransactionSet, parse_interchange
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.inquiry import Inquiry278, read_inquiry
from adapters.x12.review import X215, X217, Transaction278, read_review
from adapters.x12.segments import Delimiters

Message = Transaction278 | Inquiry278 | Acknowledgment999
Reader = Callable[[TransactionSet, Delimiters, str], Message]
M = TypeVar("M", Transaction278, Inquiry278, Acknowledgment999)

READERS: Mapping[tuple[str, str], Reader] = MappingProxyType(
    {
        ("278", X217): read_review,
        ("278", X215): read_inquiry,
        ("999", X231A1): read_999,
    }
)


def version_of(group: FunctionalGroup, transaction: TransactionSet) -> str:
    """ST03 (the implementation convention), else the group's GS08."""
    st = transaction.header.elements
    return (st[2] if len(st) > 2 else "") or group.version


def read_transaction(
    group: FunctionalGroup, transaction: TransactionSet, delimiters: Delimiters
) -> Message:
    elements = transaction.header_elements()  # ST's, ST not built
    version = (elements[2] if len(elements) > 2 else "") or group.version  # as version_of
    reader = READERS.get((elements[0] if elements else "", version))  # by ST01
    if reader is None:
        st = transaction.header
        message = f"Transaction set {transaction.code} {version} is not supported"
        raise X12Error(
            [X12Problem(ProblemCode.UNSUPPORTED_TRANSACTION, message, st.position, "ST", 1)]
        )
    return reader(transaction, delimiters, version)


def read_messages(interchange: Interchange) -> list[Message]:
    """Every transaction set of the interchange, each read by its own reader; the problems of
    all of them are raised together."""
    messages: list[Message] = []
    problems: list[X12Problem] = []
    for group in interchange.groups:
        for transaction in group.transactions:
            try:
                messages.append(read_transaction(group, transaction, interchange.delimiters))
            except X12Error as error:
                problems.extend(error.problems)
    if problems:
        raise X12Error(problems)
    return messages


def parse_one(data: bytes | str, kind: type[M]) -> M:
    """The only transaction set of `data`, which must be a `kind`."""
    messages = read_messages(parse_interchange(data))
    if len(messages) == 1 and isinstance(messages[0], kind):
        return messages[0]
    found = ", ".join(type(m).__name__ for m in messages) or "no transaction set"
    message = f"Expected one {kind.__name__}, found {found}"
    raise X12Error([X12Problem(ProblemCode.UNSUPPORTED_TRANSACTION, message)])


def parse_278(data: bytes | str) -> Transaction278:
    return parse_one(data, Transaction278)


def parse_review_response(data: bytes | str) -> Transaction278 | Inquiry278:
    """A 278 response: to a request for review (X217) or to an inquiry (X215)."""
    messages = read_messages(parse_interchange(data))
    if len(messages) == 1 and isinstance(messages[0], Transaction278 | Inquiry278):
        return messages[0]
    found = ", ".join(type(m).__name__ for m in messages) or "no transaction set"
    message = f"Expected one 278 response, found {found}"
    raise X12Error([X12Problem(ProblemCode.UNSUPPORTED_TRANSACTION, message)])


def parse_278_inquiry(data: bytes | str) -> Inquiry278:
    return parse_one(data, Inquiry278)


def parse_999(data: bytes | str) -> Acknowledgment999:
    return parse_one(data, Acknowledgment999)
