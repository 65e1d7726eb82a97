"""The 278 Health Care Services Review, request and response (005010X217), as read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from adapters.x12.envelope import TransactionSet
from adapters.x12.errors import ProblemCode, X12Error, X12Problem
from adapters.x12.hierarchy import X217_LOOPS, Hierarchy, LoopTable
from adapters.x12.segments import Delimiters, Segment
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


class ReviewTree:
    """What the review (X217) and the inquiry (X215) share: the envelope, BHT and HL tree.

    Immutable (read-only attributes), compared by its parts. `header` may be given as the
    BHT segment, or None for the transaction's first segment, decoded when first read; the
    hierarchy builds its tree when first read."""

    __slots__ = ("_delimiters", "_header", "_hierarchy", "_transaction", "_version")

    def __init__(
        self,
        transaction: TransactionSet,
        delimiters: Delimiters,
        version: str,
        header: BHT | Segment | None,
        hierarchy: Hierarchy,
    ) -> None:
        self._transaction = transaction
        self._delimiters = delimiters
        self._version = version
        self._header = header
        self._hierarchy = hierarchy

    @property
    def transaction(self) -> TransactionSet:
        return self._transaction

    @property
    def delimiters(self) -> Delimiters:
        return self._delimiters

    @property
    def version(self) -> str:
        return self._version

    @property
    def header(self) -> BHT:
        header = self._header
        if not isinstance(header, BHT):
            bht = header or self._transaction.body_segment(0)
            header = self._header = decode(BHT, bht, self._delimiters)
        return header

    @property
    def hierarchy(self) -> Hierarchy:
        return self._hierarchy

    def _parts(self) -> tuple[TransactionSet, Delimiters, str, BHT, Hierarchy]:
        return self._transaction, self._delimiters, self._version, self.header, self._hierarchy

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, ReviewTree)
        return self._parts() == other._parts()

    def __hash__(self) -> int:
        return hash(self._parts())

    def __repr__(self) -> str:
        names = ("transaction", "delimiters", "version", "header", "hierarchy")
        fields = ", ".join(f"{k}={v!r}" for k, v in zip(names, self._parts(), strict=True))
        return f"{type(self).__name__}({fields})"

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


class Transaction278(ReviewTree):
    """A request for review (BHT02 13), its response (11) or a cancellation (01)."""

    __slots__ = ()

    @property
    def is_response(self) -> bool:
        return self.header.purpose == "11"

    @property
    def is_cancellation(self) -> bool:
        return self.header.purpose == "01"


def read_tree(transaction: TransactionSet, table: LoopTable) -> Hierarchy:
    """The HL tree of a 278 (its first segment is its BHT); raises `X12Error` when BHT or a
    root HL is missing. Only the ids and the HL02s are read here (from the split lists, no
    segment built): the tree is built from the same lists when first looked at, the BHT
    decoded when first read (`ReviewTree.header`)."""
    lists = ids, rows = transaction.body_lists()
    if ids and ids[0] == "BHT" and "HL" in ids:
        row = rows[ids.index("HL")]  # the first HL is the root, as a rule
        if len(row) < 3 or not row[2] or _has_root(ids, rows):
            hierarchy = _new_object(Hierarchy)  # Hierarchy(transaction, table, lists)
            hierarchy._body, hierarchy._table, hierarchy._lists = transaction, table, lists
            hierarchy._tree = None
            return hierarchy
    problems = []
    if not ids or ids[0] != "BHT":
        where = transaction.body_segment(0) if ids else transaction.trailer
        problems.append(_missing("BHT must follow ST", where.position, "BHT"))
    if not _has_root(ids, rows):
        problems.append(_missing("A 278 needs HL loops", transaction.trailer.position, "HL"))
    raise X12Error(problems)


def _has_root(ids: list[str], rows: Sequence[Sequence[str]]) -> bool:
    """Whether an HL without a parent (HL02) stands in the body: the tree's roots."""
    index = -1
    while True:
        try:
            index = ids.index("HL", index + 1)  # the first is the root, as a rule
        except ValueError:
            return False
        row = rows[index]  # "HL", HL01, HL02, ...
        if len(row) < 3 or not row[2]:
            return True


def read_review(
    transaction: TransactionSet, delimiters: Delimiters, version: str = X217
) -> Transaction278:
    review = _new_object(Transaction278)  # Transaction278(transaction, ..., None, hierarchy)
    review._hierarchy = read_tree(transaction, X217_LOOPS)
    review._transaction, review._delimiters, review._version = transaction, delimiters, version
    review._header = None
    return review


_new_object = object.__new__


def _missing(message: str, position: int, segment_id: str) -> X12Problem:
    return X12Problem(ProblemCode.REQUIRED_SEGMENT_MISSING, message, position or None, segment_id)
