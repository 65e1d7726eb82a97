"""The 278 Health Care Services Review, request and response (005010X217), as read."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.x12.envelope import TransactionSet
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.hierarchy import X217_LOOPS, Hierarchy, LoopTable, build_hierarchy
from adapters.x12.segments import Delimiters
from adapters.x12.typed import BHT, decode
from adapters.x12.views import NodeView, PartyView, PatientEvent, ServiceLine

X217 = "005010X217"
X215 = "005010X215"


@dataclass(frozen=True, slots=True)
class Patient:
    last_name: str
    first_name: str
    member_id: str  # the subscriber's NM109 (qualifier MI)
    birth_date: str  # CCYYMMDD, "" when not sent
    gender: str
    is_subscriber: bool


@dataclass(frozen=True, slots=True)
class ReviewTree:
    """What the review (X217) and the inquiry (X215) share: the envelope, BHT and HL tree."""

    transaction: TransactionSet
    delimiters: Delimiters
    version: str
    header: BHT
    hierarchy: Hierarchy

    @property
    def control_number(self) -> str:
        return self.transaction.control_number

    @property
    def reference(self) -> str:
        """BHT03, the submitter's reference, echoed in the response."""
        return self.header.reference

    def _view(self, level: str) -> NodeView | None:
        nodes = self.hierarchy.level(level)
        return NodeView(nodes[0], self.delimiters) if nodes else None

    def _party(self, level: str) -> PartyView | None:
        view = self._view(level)
        return view.party() if view else None

    @property
    def umo(self) -> PartyView | None:
        """2010A: the utilization management organization (payer) deciding the request."""
        return self._party("20")

    @property
    def requester(self) -> PartyView | None:
        return self._party("21")

    @property
    def subscriber(self) -> PartyView | None:
        return self._party("22")

    @property
    def dependent(self) -> PartyView | None:
        return self._party("23")

    @property
    def patient(self) -> Patient | None:
        subscriber, dependent = self.subscriber, self.dependent
        person = dependent or subscriber
        if person is None or subscriber is None:
            return None
        name, demographics = person.name, person.demographics
        return Patient(
            name.last_name,
            name.first_name,
            subscriber.identifier,
            demographics.birth_date if demographics else "",
            demographics.gender if demographics else "",
            dependent is None,
        )

    @property
    def events(self) -> tuple[PatientEvent, ...]:
        return tuple(PatientEvent(n, self.delimiters) for n in self.hierarchy.level("EV"))

    @property
    def services(self) -> tuple[ServiceLine, ...]:
        return tuple(s for event in self.events for s in event.services)

    @property
    def levels(self) -> tuple[NodeView, ...]:
        """Every HL loop (for AAA rejects at the payer, requester or subscriber level)."""
        return tuple(NodeView(node, self.delimiters) for node in self.hierarchy.nodes)


@dataclass(frozen=True, slots=True)
class Transaction278(ReviewTree):
    """A request for review (BHT02 13), its response (11) or a cancellation (01)."""

    @property
    def is_response(self) -> bool:
        return self.header.purpose == "11"

    @property
    def is_cancellation(self) -> bool:
        return self.header.purpose == "01"


def read_tree(
    transaction: TransactionSet, delimiters: Delimiters, table: LoopTable
) -> tuple[BHT, Hierarchy]:
    """BHT and HL tree of a 278; raises `X12Error` when either is missing."""
    hierarchy = build_hierarchy(transaction.body, table)
    bht = hierarchy.header[0] if hierarchy.header else None
    problems = []
    if bht is None or bht.id != "BHT":
        where = (*transaction.body, transaction.trailer)[0]  # where BHT should have been
        problems.append(_missing("BHT must follow ST", where.position, "BHT"))
    if not hierarchy.roots:
        problems.append(_missing("A 278 needs HL loops", transaction.trailer.position, "HL"))
    if problems or bht is None:
        raise X12Error(problems)
    return decode(BHT, bht, delimiters), hierarchy


def read_review(
    transaction: TransactionSet, delimiters: Delimiters, version: str = X217
) -> Transaction278:
    header, hierarchy = read_tree(transaction, delimiters, X217_LOOPS)
    return Transaction278(transaction, delimiters, version, header, hierarchy)


def _missing(message: str, position: int, segment_id: str) -> X12Problem:
    return X12Problem(ProblemCode.REQUIRED_SEGMENT_MISSING, message, position or None, segment_id)
