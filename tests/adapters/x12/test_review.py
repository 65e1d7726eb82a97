"""The 278 review model: the HL tree by loop, and what the mapping to the domain will read
(decisions, authorization numbers, procedures, quantities, dates, diagnoses, patient)."""

from __future__ import annotations

import pytest

from adapters.x12.errors import ProblemCode, X12Error
from adapters.x12.hierarchy import X217_LOOPS, build_tree
from adapters.x12.reader import parse_278
from adapters.x12.typed import BHT, CR1, CR6, CRC, N3, N4, PRV, decode
from adapters.x12.validation import review_problems
from adapters.x12.views import Diagnosis, Procedure
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

REVIEWS = [n for n in SAMPLE_NAMES if n.startswith("stupidedi") and "837" not in n]


def review(name: str):
    return parse_278(sample(f"stupidedi_{name}.edi"))


@pytest.mark.parametrize("name", REVIEWS)
def test_every_278_sample_has_the_five_levels_in_their_loops(name):
    transaction = parse_278(sample(name))
    loops = [node.loop for node in transaction.hierarchy.nodes]
    assert loops[:4] == ["2000A", "2000B", "2000C", "2000E"]
    assert set(loops[4:]) <= {"2000F"}
    assert transaction.umo is not None and transaction.umo.loop == "2010A"
    assert transaction.requester is not None and transaction.requester.loop == "2010B"


def test_the_admission_response_modifies_the_stay_and_certifies_the_service():
    response = review("admission-response-to-request-for-review")
    assert response.is_response and response.header.transaction_type == "18"
    (event,) = response.events
    assert event.decision is not None
    assert (event.decision.action, event.decision.review_number) == ("A6", "AUTH0002")
    assert event.quantity is not None and (
        event.quantity.quantity_qualifier,
        event.quantity.quantity,
    ) == ("DY", "5")
    (service,) = event.services
    assert service.decision is not None
    assert (service.decision.action, service.decision.review_number) == ("A1", "AUTH0002")
    assert service.procedure == Procedure("HC", "33510", (), "")
    assert service.date("472") is not None and service.date("472").start == "20050516"


def test_the_emergency_admission_response_is_pended_with_reason_0u():
    (event,) = review("emergency-admission-response-to-request-for-review").events
    assert event.decision is not None
    assert (event.decision.action, event.decision.review_number, event.decision.reason) == (
        "A4",
        "",
        "0U",
    )
    assert event.reference("NT") == "P20030216001"
    assert [(p.report_type, p.transmission) for p in event.attachments] == [("AS", "VO")]


def test_the_emergency_admission_request_carries_the_event():
    (event,) = review("emergency-admission-request-for-review").events
    assert event.um is not None
    um = event.um
    assert (um.request_category, um.certification_type, um.service_type) == ("AR", "I", "A4")
    assert (um.facility.at(1), um.facility.at(2), um.level_of_service) == ("21", "B", "03")
    assert um.release_of_information == "Y"
    assert [t.reference for t in event.trace_numbers] == ["YZZ099"]
    assert event.date("435") is not None and event.date("435").start == "20050505"
    assert [p.name.entity for p in event.providers] == ["FA", "71", "SJ"]


def test_the_referral_response_certifies_a_period():
    (event,) = review("referral-response-to-request-for-review").events
    assert event.decision is not None and event.decision.review_number == "AUTH0001"
    period = event.date("AAH")
    assert period is not None and period.format == "RD8"
    assert (period.start, period.end) == ("20050502", "20050602")
    assert event.diagnoses == (Diagnosis("BF", "41090"),)
    (trace,) = event.trace_numbers
    assert (trace.trace_type, trace.reference, trace.originator) == ("2", "111099", "9012345678")


def test_transport_services_give_procedure_modifiers_quantity_and_unit():
    response = review("response-to-non-emergency-transportation")
    lines = [(s.procedure, s.requested_quantity) for s in response.services]
    assert lines == [
        (Procedure("HC", "A0428", ("RX",)), ("5", "UN")),
        (Procedure("HC", "A0428", ("PD",)), ("8", "UN")),
        (Procedure("HC", "A0428", ("DR",)), ("14", "UN")),
    ]
    (event,) = response.events
    assert [p.name.entity for p in event.transport] == ["PW", "ND", "R3", "FS"]
    pickup = event.transport[0]
    street, city = pickup.address
    assert street == N3("8652 Starwood Lane") and city == N4("SACRAMENTO", "CA", "95826")


def test_services_nested_under_services_are_still_found_and_flagged():
    request = review("request-for-non-emergency-transportation")
    assert len(request.services) == 3
    problems = review_problems(request)
    assert [(p.code, p.segment_position, p.element_position) for p in problems] == [
        (ProblemCode.INVALID_HIERARCHY, 32, 2),
        (ProblemCode.INVALID_HIERARCHY, 34, 2),
    ]


def test_home_health_lists_diagnoses_frequency_and_two_services():
    request = review("request-for-home-health-care")
    (event,) = request.events
    assert event.diagnoses == (Diagnosis("BF", "1831"), Diagnosis("BF", "2630"))
    hsd = event.quantity
    assert hsd is not None
    assert (hsd.quantity_qualifier, hsd.quantity, hsd.unit, hsd.period_qualifier, hsd.period_count) == (
        "VS", "3", "WK", "34", "2",
    )  # fmt: skip
    assert [s.procedure.code for s in request.services if s.procedure] == ["G0154", "B4184"]
    assert [s.requested_quantity for s in request.services] == [("", ""), ("", "")]


def test_the_patient_is_the_subscriber_with_member_id_and_demographics():
    request = review("request-for-medical-services-reservation")
    assert request.patient is not None
    patient = request.patient
    assert (patient.last_name, patient.first_name, patient.member_id) == (
        "SMITH",
        "JOE",
        "12345689001",
    )
    assert (patient.birth_date, patient.gender, patient.is_subscriber) == ("19580322", "M", True)
    assert request.header.transaction_type == "RU"


def test_the_requesting_provider_specialty_is_read_from_the_service_provider():
    (service,) = review("admission-request-for-review").services
    assert service.provider is not None
    assert service.provider.specialty == PRV("PE", "PXC", "203BS0133X")
    assert service.provider.identifier == "987654321"


def test_requests_carry_no_decision():
    for name in ("admission-request-for-review", "referral-request-for-review"):
        transaction = review(name)
        assert not transaction.is_response
        assert all(e.decision is None for e in transaction.events)
        assert all(s.decision is None for s in transaction.services)


def test_a_278_without_bht_is_refused_with_its_place():
    data = sample("stupidedi_referral-request-for-review.edi").replace(
        b"BHT*0007*13*A12345*20050502*1101~", b""
    )
    with pytest.raises(X12Error) as caught:
        parse_278(data)
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.segment_position) == (
        ProblemCode.REQUIRED_SEGMENT_MISSING,
        "BHT",
        4,
    )


def test_a_999_is_not_a_278():
    with pytest.raises(X12Error) as caught:
        parse_278(sample("imsweb_x12_999_rejected.txt"))
    assert caught.value.codes() == [ProblemCode.UNSUPPORTED_TRANSACTION]


def test_transport_and_home_health_details_are_typed():
    (transport,) = review("request-for-non-emergency-transportation").events
    cr1 = transport.first(CR1)
    assert cr1 is not None
    assert (cr1.transport_code, cr1.transport_reason, cr1.distance_unit, cr1.distance) == (
        "X", "D", "DH", "27",
    )  # fmt: skip
    assert cr1.round_trip_purpose.startswith("TRIP FROM HOME")
    assert transport.first(CRC) == CRC("07", "Y", ("09",))
    (home,) = review("request-for-home-health-care").events
    cr6 = home.first(CR6)
    assert cr6 is not None
    assert (cr6.prognosis, cr6.period_format, cr6.certification_period) == (
        "1", "RD8", "20050502-20050801",
    )  # fmt: skip


@pytest.mark.parametrize("name", REVIEWS)
def test_the_tree_built_on_first_use_is_the_tree_of_the_body(name):
    transaction = parse_278(sample(name))
    body = transaction.transaction.body
    assert transaction.hierarchy.tree == build_tree(body, X217_LOOPS)
    assert transaction.header == decode(BHT, body[0], transaction.delimiters)
    assert transaction == parse_278(sample(name))


REFERRAL = "stupidedi_referral-request-for-review.edi"


def test_a_278_without_a_root_hl_is_refused_at_its_se():
    data = sample(REFERRAL).replace(b"HL*1**20*1~", b"HL*1*9*20*1~")
    with pytest.raises(X12Error) as caught:
        parse_278(data)
    (problem,) = caught.value.problems
    assert (problem.code, problem.segment_id, problem.segment_position) == (
        ProblemCode.REQUIRED_SEGMENT_MISSING,
        "HL",
        18,
    )
    with pytest.raises(X12Error) as caught:
        parse_278(data.replace(b"HL*", b"XX*"))
    assert caught.value.codes() == [ProblemCode.REQUIRED_SEGMENT_MISSING]


def test_an_hl01_used_twice_and_an_unknown_parent_are_located():
    data = sample(REFERRAL).replace(b"HL*3*2*22*1~", b"HL*2*2*22*1~")
    data = data.replace(b"HL*4*3*EV*0~", b"HL*4*7*EV*0~")
    problems = parse_278(data).hierarchy.problems
    assert [(p.segment_position, p.element_position, p.value) for p in problems] == [
        (7, 1, "2"),  # the first HL 2: the tree is built from the end
        (11, 2, "7"),  # HL 4 under an HL 7 that does not come before it
    ]
