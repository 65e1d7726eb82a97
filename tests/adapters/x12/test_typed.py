"""Typed segments: one table-driven codec decodes and encodes every one of them."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.x12.envelope import parse_interchange
from adapters.x12.segments import DEFAULT_DELIMITERS, Segment
from adapters.x12.typed import HCR, HI, SEGMENT_TYPES, SV1, UM, Composite, decode, encode
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

D = DEFAULT_DELIMITERS


def typed_segments():
    for name in SAMPLE_NAMES:
        interchange = parse_interchange(sample(name))
        for segment in interchange.segments():
            cls = SEGMENT_TYPES.get(segment.id)
            if cls is not None:
                yield name, segment, cls, interchange.delimiters


@pytest.mark.parametrize(("name", "segment", "cls", "delimiters"), list(typed_segments()))
def test_every_typed_segment_of_the_samples_encodes_back_to_itself(name, segment, cls, delimiters):
    again = encode(decode(cls, segment, delimiters), delimiters)
    assert (again.id, again.elements) == (segment.id, segment.elements)


def test_composites_are_split_and_missing_elements_are_empty():
    sv1 = decode(SV1, Segment("SV1", ("HC:A0428:RX", "", "UN", "5")), D)
    assert sv1.procedure == ("HC", "A0428", "RX") and sv1.procedure.at(3) == "RX"
    assert sv1.procedure.at(4) == "" and sv1.diagnosis_pointer == ()
    assert (sv1.unit, sv1.quantity, sv1.service_type) == ("UN", "5", "")


def test_repeated_composites_take_every_remaining_element():
    hi = decode(HI, Segment("HI", ("ABK:J449", "ABF:E119:D8:20250101")), D)
    assert hi.codes == (("ABK", "J449"), ("ABF", "E119", "D8", "20250101"))


def test_a_new_segment_is_encoded_without_trailing_empties():
    assert encode(HCR("A1", "AUTH9"), D) == Segment("HCR", ("A1", "AUTH9"))
    um = UM("HS", "I", "", Composite(("11", "B", "")))
    assert encode(um, D) == Segment("UM", ("HS", "I", "", "11:B"))


def test_every_typed_class_is_frozen_and_named_by_its_segment_id():
    for segment_id, cls in SEGMENT_TYPES.items():
        assert segment_id == cls.ID
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(cls(), dataclasses.fields(cls)[0].name, "x")
