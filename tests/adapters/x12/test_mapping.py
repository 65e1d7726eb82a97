"""The 278 <-> domain mapping on the conformance samples, and our own requests and responses
read back by the codec and its checks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from adapters.x12.mapping import (
    MappingError,
    X12Parties,
    review_decisions,
    to_278_request,
    to_partner_answer,
)
from adapters.x12.mapping_payer import Rejection, read_review_request, to_278_response
from adapters.x12.reader import parse_278
from adapters.x12.validation import validate
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import (
    AnswerKind,
    LineAnswer,
    PartnerLine,
    PartnerParty,
    PartnerRequest,
)
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

A1, A4, A6 = ReviewAction.CERTIFIED, ReviewAction.PENDED, ReviewAction.MODIFIED
AT = datetime(2026, 1, 15, 15, 0, tzinfo=UTC)
FEB_1 = date(2026, 2, 1)
PARTIES = X12Parties("CAREBRIDGE", "PAYER01", 17, AT)
RESPONSES = {
    "stupidedi_admission-response-to-request-for-review.edi": [(A1, "AUTH0002")],
    "stupidedi_emergency-admission-response-to-request-for-review.edi": [(A4, None)],
    "stupidedi_referral-response-to-request-for-review.edi": [(A1, "AUTH0001")],
    "stupidedi_response-to-medical-services-reservation.edi": [(A1, "6735172961")],
    "stupidedi_response-to-non-emergency-transportation.edi": [(A1, "2005010796321")] * 3,
}
REQUESTS = [n for n in SAMPLE_NAMES if "request" in n and "response" not in n]


def test_every_278_response_sample_is_covered():
    responses = {n for n in SAMPLE_NAMES if "response" in n and "837" not in n}
    assert responses == set(RESPONSES)


@pytest.mark.parametrize("name", sorted(RESPONSES))
def test_a_278_response_sample_maps_to_the_payers_decisions(name):
    answer = to_partner_answer(parse_278(sample(name)))
    assert answer.kind is AnswerKind.DECIDED
    got = [(line.review_action, line.authorization_number) for line in answer.lines]
    assert got == RESPONSES[name]
    assert [line.sequence for line in answer.lines] == list(range(1, len(got) + 1))


def test_the_admission_response_modifies_the_stay_and_certifies_the_surgery():
    name = "stupidedi_admission-response-to-request-for-review.edi"
    [event] = parse_278(sample(name)).events
    decisions = review_decisions(event)
    assert decisions.event is not None and decisions.event.review_action is A6
    assert decisions.event.approved_quantity == Decimal(5)  # HSD*DY*5: 5 of the 7 days asked
    [service] = decisions.services
    assert service is not None and service.review_action is A1
    assert service.approved_start == date(2005, 5, 16)


def test_the_emergency_response_is_pended_with_the_payers_reference():
    name = "stupidedi_emergency-admission-response-to-request-for-review.edi"
    answer = to_partner_answer(parse_278(sample(name)))
    [line] = answer.lines
    assert line.review_action is A4 and line.reason_codes == ("0U",)
    assert answer.payer_reference == "P20030216001"
    assert line.approved_start is None  # nothing is certified yet


def test_the_referral_response_certifies_the_period_asked():
    name = "stupidedi_referral-response-to-request-for-review.edi"
    [line] = to_partner_answer(parse_278(sample(name))).lines
    assert (line.approved_start, line.approved_end) == (date(2005, 5, 2), date(2005, 6, 2))
    assert line.approved_quantity == Decimal(1)


def partner_request(**changes: object) -> PartnerRequest:
    values: dict[str, object] = {
        "request_id": uuid.uuid4(),
        "number": "PA-2026-000042",
        "priority": "EXPEDITED",
        "category": "OUTPATIENT_SERVICE",
        "member_id": "CHP-1001",
        "patient_family_name": "Lopez",
        "patient_given_name": "Maria",
        "patient_birth_date": date(1980, 5, 1),
        "patient_sex": "FEMALE",
        "diagnoses": ("M54.16", "M51.26"),
        "lines": (
            PartnerLine(
                1, "CPT", "72148", ("26",), Decimal(1), "UNIT", FEB_1, date(2026, 2, 28), "11"
            ),
            PartnerLine(2, "HCPCS", "E0114", (), Decimal(2), "ITEM", FEB_1, None, None),
        ),
        "payer": PartnerParty("Cosville Health Plan", "COSV1"),
        "requester": PartnerParty("Northside Wellness Clinic", "1234567893"),
        "servicing_provider": PartnerParty("Dr Watson", "1982736450"),
    }
    return PartnerRequest(**(values | changes))  # type: ignore[arg-type]


def test_a_partner_request_becomes_a_valid_278_request():
    data = to_278_request(partner_request(), PARTIES, originator="9CAREBRIDG")
    assert validate(data) == []
    review = parse_278(data)
    assert not review.is_response and review.reference == "PA-2026-000042"
    assert (review.umo.name.id_qualifier, review.umo.identifier) == ("PI", "COSV1")
    assert (review.requester.name.entity, review.requester.identifier) == ("1P", "1234567893")
    assert review.patient.member_id == "CHP-1001"
    assert (review.patient.birth_date, review.patient.gender) == ("19800501", "F")
    [event] = review.events
    assert [(t.trace_type, t.reference) for t in event.trace_numbers] == [("1", "PA-2026-000042")]
    assert (event.um.request_category, event.um.service_type, event.um.level_of_service) == (
        "HS",
        "1",
        "U",
    )
    assert [(d.qualifier, d.code) for d in event.diagnoses] == [("ABK", "M5416"), ("ABF", "M5126")]
    assert (event.date("AAH").start, event.date("AAH").end) == ("20260201", "20260228")
    assert event.party("SJ").identifier == "1982736450"
    first, second = event.services
    assert first.procedure.code == "72148" and first.procedure.modifiers == ("26",)
    assert first.requested_quantity == ("1", "UN")
    assert first.date("472").value == "20260201-20260228"
    assert first.um.facility.at(1) == "11"
    assert second.procedure.code == "E0114" and second.requested_quantity == ("2", "UN")


def test_an_admission_is_sent_on_sv2_with_its_admission_date():
    line = PartnerLine(1, "CPT", "33510", (), Decimal(3), "DAY", date(2026, 3, 2), None, None)
    request = partner_request(category="INPATIENT_ADMISSION", lines=(line,))
    data = to_278_request(request, PARTIES, originator="9CAREBRIDG")
    assert validate(data) == []
    [event] = parse_278(data).events
    assert event.um.request_category == "AR" and event.date("435").value == "20260302"
    [service] = event.services
    assert service.procedure.code == "33510" and service.requested_quantity == ("3", "DA")


def test_a_request_the_278_cannot_carry_lists_every_gap():
    request = partner_request(
        payer=PartnerParty("Cosville", None),
        member_id=None,
        lines=(PartnerLine(1, "BENEFIT", None, (), Decimal(1), "UNIT", None, None, None),),
    )
    with pytest.raises(MappingError) as raised:
        to_278_request(request, PARTIES, originator="9CAREBRIDG")
    assert len(raised.value.problems) == 3


@pytest.mark.parametrize("name", REQUESTS)
def test_a_payer_answers_every_request_sample_with_a_valid_278_response(name):
    review = parse_278(sample(name))
    asked = read_review_request(review)
    count = max(len(asked.services), 1)
    lines = tuple(LineAnswer(n, A1, authorization_number=f"AUTH{n}") for n in range(1, count + 1))
    data = to_278_response(review, PARTIES, lines=lines)
    # The response echoes the request: it adds no problem the request did not have (the
    # transportation sample nests its services, which the TR3 does not allow).
    assert {p.message for p in validate(data)} <= {p.message for p in validate(sample(name))}
    answer = to_partner_answer(parse_278(data))
    assert answer.kind is AnswerKind.DECIDED
    assert [(a.review_action, a.authorization_number) for a in answer.lines] == [
        (A1, f"AUTH{n}") for n in range(1, count + 1)
    ]


def test_the_payer_reads_the_trace_and_services_of_our_request():
    data = to_278_request(partner_request(), PARTIES, originator="9CAREBRIDG")
    asked = read_review_request(parse_278(data))
    assert (asked.trace_number, asked.member_id) == ("PA-2026-000042", "CHP-1001")
    assert [(s.sequence, s.procedure_code, s.quantity) for s in asked.services] == [
        (1, "72148", "1"),
        (2, "E0114", "2"),
    ]


def test_a_pended_answer_round_trips_as_a4_with_the_payers_reference():
    review = parse_278(to_278_request(partner_request(), PARTIES, originator="9CAREBRIDG"))
    lines = (LineAnswer(1, A4), LineAnswer(2, A4))
    data = to_278_response(review, PARTIES, lines=lines, payer_reference="CASE-7")
    assert validate(data) == []
    answer = to_partner_answer(parse_278(data))
    assert [a.review_action for a in answer.lines] == [A4, A4]
    assert answer.payer_reference == "CASE-7"
    assert parse_278(data).header.transaction_type == "19"  # further updates to follow


def test_a_certified_answer_carries_its_period_and_a_denial_its_reason():
    review = parse_278(to_278_request(partner_request(), PARTIES, originator="9CAREBRIDG"))
    lines = (
        LineAnswer(1, A1, Decimal(1), date(2026, 2, 1), date(2026, 2, 28), "AUTH-9"),
        LineAnswer(2, ReviewAction.NOT_CERTIFIED, reason_codes=("0A",)),
    )
    answer = to_partner_answer(parse_278(to_278_response(review, PARTIES, lines=lines)))
    first, second = answer.lines
    assert (first.approved_start, first.approved_end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert first.authorization_number == "AUTH-9"
    assert (second.review_action, second.reason_codes) == (ReviewAction.NOT_CERTIFIED, ("0A",))


def test_a_rejection_is_answered_with_aaa_and_read_as_rejected_with_its_reason():
    review = parse_278(to_278_request(partner_request(), PARTIES, originator="9CAREBRIDG"))
    data = to_278_response(review, PARTIES, rejection=Rejection("75", "C"))
    assert validate(data) == []
    answer = to_partner_answer(parse_278(data))
    assert answer.kind is AnswerKind.REJECTED and answer.lines == ()
    assert answer.reason == "AAA 75: Subscriber/insured not found"
