"""Typed views of the segments a 278 carries, decoded and encoded by one table-driven codec.

Each class lists its elements in order (element 01 first). A field typed `Composite` is split
into components, `tuple[Composite, ...]` / `tuple[str, ...]` take every remaining element.
Segments without a class stay plain `Segment`s, kept verbatim."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar, get_type_hints

from adapters.x12.segments import Delimiters, Segment


class Composite(tuple[str, ...]):
    """The components of one composite element; `at(n)` is component n (from 1) or ""."""

    __slots__ = ()

    def at(self, number: int) -> str:
        return self[number - 1] if 0 < number <= len(self) else ""


NO_COMPONENTS = Composite()


@dataclass(frozen=True, slots=True)
class BHT:
    ID: ClassVar[str] = "BHT"
    structure: str = ""
    purpose: str = ""
    reference: str = ""
    date: str = ""
    time: str = ""
    transaction_type: str = ""


@dataclass(frozen=True, slots=True)
class HL:
    ID: ClassVar[str] = "HL"
    id: str = ""
    parent_id: str = ""
    level: str = ""
    child_code: str = ""


@dataclass(frozen=True, slots=True)
class TRN:
    ID: ClassVar[str] = "TRN"
    trace_type: str = ""
    reference: str = ""
    originator: str = ""
    secondary_reference: str = ""


@dataclass(frozen=True, slots=True)
class UM:
    ID: ClassVar[str] = "UM"
    request_category: str = ""
    certification_type: str = ""
    service_type: str = ""
    facility: Composite = NO_COMPONENTS  # facility code : qualifier (B = place of service)
    related_causes: Composite = NO_COMPONENTS
    level_of_service: str = ""
    health_condition: str = ""
    prognosis: str = ""
    release_of_information: str = ""
    delay_reason: str = ""


@dataclass(frozen=True, slots=True)
class HCR:
    ID: ClassVar[str] = "HCR"
    action: str = ""
    review_number: str = ""  # the authorization (certification) number
    reason: str = ""  # external code source 886
    second_surgical_opinion: str = ""


@dataclass(frozen=True, slots=True)
class REF:
    ID: ClassVar[str] = "REF"
    qualifier: str = ""
    value: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class DTP:
    ID: ClassVar[str] = "DTP"
    qualifier: str = ""
    format: str = ""  # D8 one date, RD8 a range
    value: str = ""

    @property
    def start(self) -> str:
        return self.value.partition("-")[0]

    @property
    def end(self) -> str:
        return self.value.partition("-")[2] or self.start


@dataclass(frozen=True, slots=True)
class HI:
    ID: ClassVar[str] = "HI"
    codes: tuple[Composite, ...] = ()  # qualifier : code [: date format : date]


@dataclass(frozen=True, slots=True)
class HSD:
    ID: ClassVar[str] = "HSD"
    quantity_qualifier: str = ""
    quantity: str = ""
    unit: str = ""
    sample_selection_modulus: str = ""
    period_qualifier: str = ""
    period_count: str = ""
    delivery_frequency: str = ""
    delivery_time: str = ""


@dataclass(frozen=True, slots=True)
class SV1:
    ID: ClassVar[str] = "SV1"
    procedure: Composite = NO_COMPONENTS  # qualifier : code : modifier 1..4 : description
    charge: str = ""
    unit: str = ""
    quantity: str = ""
    facility_code: str = ""
    service_type: str = ""
    diagnosis_pointer: Composite = NO_COMPONENTS


@dataclass(frozen=True, slots=True)
class SV2:
    ID: ClassVar[str] = "SV2"
    revenue_code: str = ""
    procedure: Composite = NO_COMPONENTS
    charge: str = ""
    unit: str = ""
    quantity: str = ""
    unit_rate: str = ""


@dataclass(frozen=True, slots=True)
class SV3:
    ID: ClassVar[str] = "SV3"
    procedure: Composite = NO_COMPONENTS
    charge: str = ""
    facility_code: str = ""
    oral_cavity: Composite = NO_COMPONENTS
    prosthesis: str = ""
    quantity: str = ""


@dataclass(frozen=True, slots=True)
class PRV:
    ID: ClassVar[str] = "PRV"
    provider_code: str = ""
    reference_qualifier: str = ""
    reference: str = ""  # the taxonomy code when the qualifier is PXC


@dataclass(frozen=True, slots=True)
class NM1:
    ID: ClassVar[str] = "NM1"
    entity: str = ""
    entity_type: str = ""  # 1 person, 2 non-person
    last_name: str = ""  # or the organisation's name
    first_name: str = ""
    middle_name: str = ""
    prefix: str = ""
    suffix: str = ""
    id_qualifier: str = ""
    id: str = ""


@dataclass(frozen=True, slots=True)
class N3:
    ID: ClassVar[str] = "N3"
    address1: str = ""
    address2: str = ""


@dataclass(frozen=True, slots=True)
class N4:
    ID: ClassVar[str] = "N4"
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    location_qualifier: str = ""
    location_id: str = ""
    country_subdivision: str = ""


@dataclass(frozen=True, slots=True)
class PER:
    ID: ClassVar[str] = "PER"
    function: str = ""
    name: str = ""
    qualifier1: str = ""
    number1: str = ""
    qualifier2: str = ""
    number2: str = ""
    qualifier3: str = ""
    number3: str = ""


@dataclass(frozen=True, slots=True)
class DMG:
    ID: ClassVar[str] = "DMG"
    date_format: str = ""
    birth_date: str = ""
    gender: str = ""


@dataclass(frozen=True, slots=True)
class PWK:
    ID: ClassVar[str] = "PWK"
    report_type: str = ""
    transmission: str = ""
    copies: str = ""  # not used in X217
    entity: str = ""  # not used in X217
    id_qualifier: str = ""
    attachment_id: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class MSG:
    ID: ClassVar[str] = "MSG"
    text: str = ""


@dataclass(frozen=True, slots=True)
class AAA:
    ID: ClassVar[str] = "AAA"
    valid: str = ""  # Y / N: was the request valid
    agency_qualifier: str = ""  # not used in X217
    reject_reason: str = ""
    follow_up: str = ""


@dataclass(frozen=True, slots=True)
class CL1:
    ID: ClassVar[str] = "CL1"
    admission_type: str = ""
    admission_source: str = ""
    patient_status: str = ""


@dataclass(frozen=True, slots=True)
class CR1:
    """Ambulance transport information (2000E)."""

    ID: ClassVar[str] = "CR1"
    weight_unit: str = ""
    weight: str = ""
    transport_code: str = ""  # I initial, R return, T transfer, X round trip
    transport_reason: str = ""
    distance_unit: str = ""  # DH miles
    distance: str = ""
    unused7: str = ""
    unused8: str = ""
    round_trip_purpose: str = ""
    stretcher_purpose: str = ""


@dataclass(frozen=True, slots=True)
class CR6:
    """Home health care information (2000E); elements past CR608 stay in the raw segment."""

    ID: ClassVar[str] = "CR6"
    prognosis: str = ""
    start_of_care: str = ""  # CCYYMMDD
    period_format: str = ""  # RD8
    certification_period: str = ""
    diagnosis_date: str = ""
    skilled_nursing_facility: str = ""
    medicare_coverage: str = ""
    certification_type: str = ""


@dataclass(frozen=True, slots=True)
class CRC:
    ID: ClassVar[str] = "CRC"
    category: str = ""
    applies: str = ""  # Y / N
    conditions: tuple[str, ...] = ()


TYPES: tuple[type[Any], ...] = (
    BHT, HL, TRN, UM, HCR, REF, DTP, HI, HSD, SV1, SV2, SV3,
    PRV, NM1, N3, N4, PER, DMG, PWK, MSG, AAA, CL1, CR1, CR6, CRC,
)  # fmt: skip
SEGMENT_TYPES: dict[str, type[Any]] = {cls.ID: cls for cls in TYPES}
T = TypeVar("T")

SIMPLE, COMPOSITE, REST_SIMPLE, REST_COMPOSITE = range(4)
_KINDS = {
    str: SIMPLE,
    Composite: COMPOSITE,
    tuple[str, ...]: REST_SIMPLE,
    tuple[Composite, ...]: REST_COMPOSITE,
}


_LAYOUTS: dict[type[Any], tuple[int, ...]] = {}
_SIMPLE: dict[type[Any], int] = {}  # classes by `_simple_width`


def _simple_width(cls: type[Any]) -> int:
    """The number of fields when every one is a plain element defaulting to "", else 0."""
    fields = dataclasses.fields(cls)
    plain = all(kind == SIMPLE for kind in layout(cls)) and all(f.default == "" for f in fields)
    return len(fields) if plain else 0


def layout(cls: type[Any]) -> tuple[int, ...]:
    """The kind of each field of `cls`, in element order (read from its annotations once)."""
    found = _LAYOUTS.get(cls)
    if found is None:
        hints = get_type_hints(cls)
        found = _LAYOUTS[cls] = tuple(_KINDS[hints[f.name]] for f in dataclasses.fields(cls))
    return found


def decode(cls: type[T], segment: Segment, delimiters: Delimiters) -> T:
    """The typed view of `segment`; elements past the last field are ignored here (the raw
    segment keeps them)."""
    simple = _SIMPLE.get(cls)
    if simple is None:
        simple = _SIMPLE[cls] = _simple_width(cls)
    if simple:  # every field a plain element: the elements as they are, "" for the missing
        return cls(*segment.elements[:simple])
    values: list[Any] = []
    elements = segment.elements
    separator = delimiters.component
    for index, kind in enumerate(layout(cls)):
        if kind >= REST_SIMPLE:
            rest = elements[index:]
            if kind == REST_COMPOSITE:
                values.append(tuple(Composite(v.split(separator)) for v in rest if v))
            else:
                values.append(tuple(rest))
            break
        value = elements[index] if index < len(elements) else ""
        if kind == COMPOSITE:
            values.append(Composite(value.split(separator)) if value else NO_COMPONENTS)
        else:
            values.append(value)
    return cls(*values)


def encode(typed: Any, delimiters: Delimiters) -> Segment:
    """The segment for a typed view, trailing empty elements and components dropped."""
    values: list[str] = []
    for kind, field in zip(layout(type(typed)), dataclasses.fields(typed), strict=True):
        value = getattr(typed, field.name)
        if kind == SIMPLE:
            values.append(value)
        elif kind == COMPOSITE:
            values.append(_join(value, delimiters))
        elif kind == REST_SIMPLE:
            values.extend(value)
        else:
            values.extend(_join(v, delimiters) for v in value)
    return Segment.of(typed.ID, *values)


def _join(components: tuple[str, ...], delimiters: Delimiters) -> str:
    parts = list(components)
    while parts and parts[-1] == "":
        parts.pop()
    return delimiters.component.join(parts)
