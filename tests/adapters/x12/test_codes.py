"""Code lists are data: each governs one element, and every code the samples use is listed."""

from __future__ import annotations

from adapters.x12 import codes
from adapters.x12.envelope import parse_interchange
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample


def test_hcr01_offers_exactly_the_x217_actions():
    assert set(codes.HCR_ACTIONS) == {"A1", "A2", "A3", "A4", "A6", "C", "CT", "NA"}
    assert codes.HCR_ACTIONS["A4"] == "Pended"
    assert set(codes.HCR_ACTIONS) >= codes.ACTIONS_WITH_REVIEW_NUMBER


def test_the_278_header_and_event_lists():
    assert set(codes.TRANSACTION_PURPOSES) == {"01", "11", "13"}
    assert set(codes.TRANSACTION_TYPES) == {"18", "19", "RU"}
    assert set(codes.REQUEST_CATEGORIES) == {"AR", "HS", "IN", "SC"}
    assert set(codes.CERTIFICATION_TYPES) == {"1", "2", "3", "4", "I", "R", "S"}
    assert set(codes.HIERARCHY_LEVELS) == {"20", "21", "22", "23", "EV", "SS"}


def test_reject_reasons_and_follow_ups_have_descriptions():
    assert codes.REJECT_REASONS["15"] == "Required application data missing"
    assert codes.FOLLOW_UP_ACTIONS["C"] == "Please correct and resubmit"
    assert all(d for d in codes.REJECT_REASONS.values())


def test_every_code_the_samples_use_is_listed():
    lists = {**codes.CODE_LISTS_278, **codes.CODE_LISTS_999}
    for name in SAMPLE_NAMES:
        for segment in parse_interchange(sample(name)).segments():
            for (segment_id, number), listed in lists.items():
                value = segment.element(number)
                if segment.id == segment_id and value:
                    assert value in listed, (name, segment_id, number, value)


def test_the_999_and_ta1_lists():
    assert codes.ELEMENT_ERRORS["7"] == "Invalid code value"
    assert codes.TRANSACTION_ERRORS["4"].startswith("Number of included segments")
    assert codes.INTERCHANGE_NOTES["001"].startswith("The interchange control number")
    assert set(codes.INTERCHANGE_ACKNOWLEDGMENTS) == {"A", "E", "R"}


def test_every_component_code_the_samples_use_is_listed():
    for name in SAMPLE_NAMES:
        interchange = parse_interchange(sample(name))
        separator = interchange.delimiters.component
        for segment in interchange.segments():
            for (segment_id, number, component), listed in codes.COMPONENT_CODE_LISTS_278.items():
                if segment.id != segment_id:
                    continue
                for n in range(1, len(segment.elements) + 1) if number == 0 else (number,):
                    parts = segment.element(n).split(separator)
                    if segment.element(n):
                        assert parts[component - 1] in listed, (name, segment_id, n, parts)
