"""Typed accessors over the HL tree: parties, patient events and service lines.

Views decode segments on demand, so reading a message costs only what a caller looks at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from adapters.x12.hierarchy import HLNode, Party
from adapters.x12.segments import Delimiters, Segment
from adapters.x12.typed import (
    AAA,
    DMG,
    DTP,
    HCR,
    HI,
    HSD,
    MSG,
    N3,
    N4,
    NM1,
    PER,
    PRV,
    PWK,
    REF,
    SV1,
    SV2,
    SV3,
    TRN,
    UM,
    decode,
)

T = TypeVar("T")


def all_of(cls: type[T], segments: Iterable[Segment], delimiters: Delimiters) -> tuple[T, ...]:
    wanted: str = getattr(cls, "ID")  # noqa: B009 - every typed class has one
    return tuple(decode(cls, s, delimiters) for s in segments if s.id == wanted)


def first_of(cls: type[T], segments: Iterable[Segment], delimiters: Delimiters) -> T | None:
    """The first segment of `cls` decoded (the others are not: decoding is pure)."""
    wanted: str = getattr(cls, "ID")  # noqa: B009 - every typed class has one
    for segment in segments:
        if segment.id == wanted:
            return decode(cls, segment, delimiters)
    return None


@dataclass(frozen=True, slots=True)
class Diagnosis:
    qualifier: str  # ABK principal / ABF other (ICD-10-CM); BK / BF in ICD-9 examples
    code: str


@dataclass(frozen=True, slots=True)
class Procedure:
    qualifier: str  # HC (HCPCS/CPT), N4, ...
    code: str
    modifiers: tuple[str, ...]
    revenue_code: str = ""  # SV201, institutional services


@dataclass(frozen=True, slots=True)
class PartyView:
    party: Party
    delimiters: Delimiters

    @property
    def loop(self) -> str:
        return self.party.loop

    @property
    def name(self) -> NM1:
        return decode(NM1, self.party.name, self.delimiters)

    @property
    def identifier(self) -> str:
        """NM109 (member id when NM108 is MI, NPI when XX, ...)."""
        return self.name.id

    def first(self, cls: type[T]) -> T | None:
        return first_of(cls, self.party.segments[1:], self.delimiters)

    def all(self, cls: type[T]) -> tuple[T, ...]:
        return all_of(cls, self.party.segments[1:], self.delimiters)

    @property
    def address(self) -> tuple[N3 | None, N4 | None]:
        return self.first(N3), self.first(N4)

    @property
    def contacts(self) -> tuple[PER, ...]:
        return self.all(PER)

    @property
    def specialty(self) -> PRV | None:
        return self.first(PRV)

    @property
    def demographics(self) -> DMG | None:
        return self.first(DMG)

    @property
    def references(self) -> tuple[REF, ...]:
        return self.all(REF)

    @property
    def rejections(self) -> tuple[AAA, ...]:
        return self.all(AAA)


@dataclass(frozen=True, slots=True)
class NodeView:
    """What every HL loop offers: its own segments by type, its parties, decisions, rejects."""

    node: HLNode
    delimiters: Delimiters

    @property
    def loop(self) -> str:
        return self.node.loop

    def first(self, cls: type[T]) -> T | None:
        return first_of(cls, self.node.segments, self.delimiters)

    def all(self, cls: type[T]) -> tuple[T, ...]:
        return all_of(cls, self.node.segments, self.delimiters)

    @property
    def parties(self) -> tuple[PartyView, ...]:
        return tuple(PartyView(party, self.delimiters) for party in self.node.parties)

    def party(self, *entities: str) -> PartyView | None:
        """The first party whose NM101 is one of `entities` (any party when none given)."""
        for view in self.parties:
            if not entities or view.party.name.element(1) in entities:
                return view
        return None

    @property
    def rejections(self) -> tuple[AAA, ...]:
        """AAA segments of the loop and of its parties: the request could not be processed."""
        own = self.all(AAA)
        return own + tuple(r for party in self.parties for r in party.rejections)


@dataclass(frozen=True, slots=True)
class ReviewLoop(NodeView):
    """A patient event (2000E) or service (2000F): UM, HCR, trace numbers, dates..."""

    @property
    def um(self) -> UM | None:
        return self.first(UM)

    @property
    def decision(self) -> HCR | None:
        return self.first(HCR)

    @property
    def trace_numbers(self) -> tuple[TRN, ...]:
        return self.all(TRN)

    @property
    def dates(self) -> tuple[DTP, ...]:
        return self.all(DTP)

    def date(self, qualifier: str) -> DTP | None:
        return next((d for d in self.dates if d.qualifier == qualifier), None)

    @property
    def references(self) -> tuple[REF, ...]:
        return self.all(REF)

    def reference(self, qualifier: str) -> str:
        return next((r.value for r in self.references if r.qualifier == qualifier), "")

    @property
    def quantity(self) -> HSD | None:
        return self.first(HSD)

    @property
    def attachments(self) -> tuple[PWK, ...]:
        return self.all(PWK)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(m.text for m in self.all(MSG))

    @property
    def diagnoses(self) -> tuple[Diagnosis, ...]:
        return tuple(Diagnosis(code.at(1), code.at(2)) for hi in self.all(HI) for code in hi.codes)


@dataclass(frozen=True, slots=True)
class ServiceLine(ReviewLoop):
    """A 2000F service: the procedure requested and how much of it."""

    @property
    def procedure(self) -> Procedure | None:
        sv1, sv2, sv3 = self.first(SV1), self.first(SV2), self.first(SV3)
        line = sv1 or sv3
        composite = line.procedure if line else (sv2.procedure if sv2 else None)
        if composite is None:
            return None
        revenue = sv2.revenue_code if sv2 and not line else ""
        modifiers = tuple(m for m in composite[2:6] if m)
        return Procedure(composite.at(1), composite.at(2), modifiers, revenue)

    @property
    def requested_quantity(self) -> tuple[str, str]:
        """(quantity, unit) from SV1/SV2/SV3, else from HSD; ("", "") when none is given."""
        if sv1 := self.first(SV1):
            return sv1.quantity, sv1.unit
        if sv2 := self.first(SV2):
            return sv2.quantity, sv2.unit
        if sv3 := self.first(SV3):
            return sv3.quantity, "UN" if sv3.quantity else ""
        hsd = self.quantity
        return (hsd.quantity, hsd.quantity_qualifier) if hsd else ("", "")

    @property
    def provider(self) -> PartyView | None:
        return self.party()


@dataclass(frozen=True, slots=True)
class PatientEvent(ReviewLoop):
    """A 2000E patient event with its 2000F services (nested services included)."""

    @property
    def services(self) -> tuple[ServiceLine, ...]:
        return tuple(
            ServiceLine(node, self.delimiters) for node in self.node.walk() if node.level == "SS"
        )

    @property
    def providers(self) -> tuple[PartyView, ...]:
        return tuple(p for p in self.parties if p.loop != "2010EC")

    @property
    def transport(self) -> tuple[PartyView, ...]:
        return tuple(p for p in self.parties if p.loop == "2010EC")
