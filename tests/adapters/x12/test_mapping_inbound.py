"""Every conformance 278 request read as the domain's inbound submission, by the tables."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.x12.mapping_inbound import read_date, to_inbound_submission
from adapters.x12.reader import parse_278
from domain.authorizations.intake import ServiceCodeSystem
from domain.authorizations.models import CertificationType, Priority, RequestCategory
from tests.adapters.x12.conftest import SAMPLE_NAMES, sample

REQUESTS = [n for n in SAMPLE_NAMES if "request-for" in n and "response" not in n]


@pytest.mark.parametrize("name", REQUESTS)
def test_every_sample_request_maps_to_a_new_submission_with_its_trace(name):
    review = parse_278(sample(name))
    submission = to_inbound_submission(review)
    assert submission.certification is CertificationType.NEW
    traces = review.events[0].trace_numbers
    assert submission.sender_reference == (traces[0].reference if traces else review.reference)
    assert submission.payer_identifier == review.umo.identifier
    assert submission.intake.coverages[0].member_id == review.patient.member_id
    assert len(submission.intake.requested_services) == max(1, len(review.services))


def test_the_referral_asks_one_consultation_visit():
    submission = to_inbound_submission(
        parse_278(sample("stupidedi_referral-request-for-review.edi"))
    )
    assert submission.category is RequestCategory.REFERRAL
    assert submission.priority is Priority.STANDARD
    [service] = submission.intake.requested_services
    assert (service.code_system, service.code, service.quantity, service.unit) == (
        ServiceCodeSystem.SERVICE_TYPE,
        "3",
        Decimal(1),
        "visit",
    )
    assert service.facility is not None and service.facility.place_of_service == "11"
    assert submission.intake.patient.family_name == "SMITH"


def test_services_keep_their_procedures_units_and_dates():
    submission = to_inbound_submission(
        parse_278(sample("stupidedi_request-for-medical-services-reservation.edi"))
    )
    [service] = submission.intake.requested_services
    assert (service.code_system, service.code, service.quantity) == (
        ServiceCodeSystem.CPT,
        "99212",
        Decimal(1),
    )
    assert (service.occurrence.start, service.occurrence.end) == (date(2005, 5, 10),) * 2
    assert service.requesting_provider is not None
    assert service.requesting_provider.name == "JAMES GARDNER"


def test_the_emergency_admission_is_an_expedited_admission():
    submission = to_inbound_submission(
        parse_278(sample("stupidedi_emergency-admission-request-for-review.edi"))
    )
    assert submission.category is RequestCategory.INPATIENT_ADMISSION
    assert submission.priority is Priority.EXPEDITED


def test_a_cancellation_names_the_earlier_review_by_its_authorization_number():
    text = sample("stupidedi_referral-request-for-review.edi").decode()
    text = text.replace("UM*SC*I*", "UM*SC*3*").replace(
        "TRN*1*111099*9012345678~", "TRN*1*111100*9012345678~REF*BB*AUTH0001~"
    )
    submission = to_inbound_submission(parse_278(text))
    assert submission.certification is CertificationType.CANCEL
    assert submission.related_reference == "AUTH0001"


def _by_strptime(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date() if text else None
    except ValueError:
        return None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=0, max_size=9),
        st.dates().map(lambda d: d.strftime("%Y%m%d")),
        st.text(max_size=10),
    )
)
def test_read_date_reads_what_strptime_reads(text):
    """Eight ASCII digits are read by position; the rest still by strptime: the same dates."""
    assert read_date(text) == _by_strptime(text)


FULL_WIDTH = "\uff12\uff10\uff10\uff15\uff10\uff15\uff10\uff12"  # 20050502 in full-width digits


@pytest.mark.parametrize(
    "text", ["20050502", "20050230", "20051301", "00000101", "09990101", "2005512", FULL_WIDTH]
)
def test_read_date_on_the_edges(text):
    assert read_date(text) == _by_strptime(text)
