"""The EHR intake client against the simulated EHR over real HTTP (uvicorn on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.patient import Patient

from adapters.fhir.ehr import EhrClient, EhrConnection
from adapters.simulator.ehr import EhrSimulator
from domain.authorizations.intake import (
    Address,
    Code,
    EhrError,
    EhrErrorKind,
    EhrIntake,
    EhrSource,
    Identifier,
    PatientRef,
    Period,
    Priority,
    ServiceCodeSystem,
)
from settings import Settings
from tests.adapters.ehr_support import MRN, FakeEhrSource, free_port, serving

MARIA = PatientRef.by_identifier(MRN, "NWC-100234")
JAMES = PatientRef.by_id("james-whitfield")
NPI = "http://hl7.org/fhir/sid/us-npi"


@pytest.fixture
def simulator() -> EhrSimulator:
    return EhrSimulator(bearer_token="ehr-test-token")


@pytest.fixture
async def base_url(simulator: EhrSimulator) -> AsyncIterator[str]:
    async with serving(simulator.app()) as root:
        yield f"{root}/fhir"


@pytest.fixture
def fetch(base_url: str) -> Callable[..., Any]:
    async def fetch_intake(
        patient: PatientRef, service_request_id: str | None = None, **connection: Any
    ) -> EhrIntake:
        settings = {"base_url": base_url, "bearer_token": "ehr-test-token", **connection}
        client: EhrSource
        async with EhrClient(EhrConnection(**settings)) as client:
            return await client.fetch_intake(patient=patient, service_request_id=service_request_id)

    return fetch_intake


async def failure(fetch: Callable[..., Any], *args: Any, **kwargs: Any) -> EhrError:
    with pytest.raises(EhrError) as raised:
        await fetch(*args, **kwargs)
    return raised.value


async def test_maria_lopez_comes_with_demographics_and_identifiers(fetch):
    patient = (await fetch(MARIA, "maria-mri-lumbar")).patient
    assert patient.ehr_id == "maria-lopez"
    assert patient.mrn == "NWC-100234"
    assert patient.identifiers == (Identifier(MRN, "NWC-100234", "MR"),)
    assert (patient.family_name, patient.given_names) == ("Lopez", ("Maria",))
    assert (patient.birth_date, patient.gender) == (date(1978, 4, 12), "female")
    assert patient.address == Address(
        ("42 Elm Street", "Apt 3"), "Springfield", "IL", "62704", "US"
    )
    assert (patient.phone, patient.email) == ("555-0142", "maria@example.org")


async def test_coverage_names_the_payer_member_group_plan_and_period(fetch):
    intake = await fetch(MARIA, "maria-mri-lumbar")
    [coverage] = intake.coverages
    assert intake.primary_coverage == coverage
    assert (coverage.ehr_id, coverage.status) == ("maria-evergreen", "active")
    assert coverage.payer_name == "Evergreen Health Plan"
    assert coverage.payer_identifier == Identifier(
        "http://carebridge.example/fhir/sid/payer-id", "EVG01"
    )
    assert (coverage.member_id, coverage.subscriber_id) == ("EVG123456789", "EVG123456789")
    assert (coverage.group_id, coverage.group_name) == ("GRP-4410", "GRP-4410 employer group")
    assert coverage.plan_name == "Silver PPO"
    assert coverage.period == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert (coverage.relationship, coverage.order) == ("self", 1)


async def test_only_active_conditions_coded_in_icd10cm_are_diagnoses(fetch):
    intake = await fetch(MARIA, "maria-mri-lumbar")
    assert [(d.code, d.display, d.condition_id) for d in intake.diagnoses] == [
        ("M54.16", "Radiculopathy, lumbar region", "maria-radiculopathy")
    ]
    assert intake.conditions_without_icd10 == ("Hypertensive disorder",)


async def test_the_mri_is_an_expedited_cpt_72148_with_dates_quantity_and_reason(fetch):
    [mri] = (await fetch(MARIA, "maria-mri-lumbar")).requested_services
    assert (mri.ehr_id, mri.status) == ("maria-mri-lumbar", "active")
    assert (mri.code, mri.code_system) == ("72148", ServiceCodeSystem.CPT)
    assert mri.display == "MRI lumbar spine without contrast"
    assert (mri.modifiers, mri.quantity, mri.unit) == ((), Decimal(1), "study")
    assert mri.occurrence == Period(date(2026, 1, 20), date(2026, 2, 19))
    assert (mri.priority, mri.ehr_priority) == (Priority.EXPEDITED, "urgent")
    assert mri.category == Code("http://snomed.info/sct", "363679005", "Imaging")
    assert mri.reason_codes == ("M54.16",)
    assert mri.authored_on == date(2026, 1, 14)
    assert mri.note == "Progressive left leg weakness over two weeks."


async def test_the_requesting_provider_is_dr_okafor_at_northside_with_npis(fetch):
    [mri] = (await fetch(MARIA, "maria-mri-lumbar")).requested_services
    requester = mri.requesting_provider
    assert requester is not None and requester.practitioner and requester.organization
    assert (requester.name, requester.npi) == ("Samuel Okafor", "2990000012")
    assert requester.practitioner.ehr_id == "samuel-okafor"
    assert requester.organization.name == "Northside Wellness Clinic"
    assert requester.organization.npi == "1990000014"
    assert requester.specialty == Code(
        "http://nucc.org/provider-taxonomy", "207Q00000X", "Family Medicine"
    )
    assert requester.location and requester.location.place_of_service == "11"
    assert requester.phone == "555-0123"


async def test_the_servicing_provider_and_facility_are_lakeside_imaging(fetch):
    [mri] = (await fetch(MARIA, "maria-mri-lumbar")).requested_services
    servicing = mri.servicing_provider
    assert servicing is not None and servicing.practitioner is None
    assert (servicing.name, servicing.npi) == ("Lakeside Imaging Center", "1990000022")
    assert mri.facility is not None
    assert mri.facility.name == "Lakeside Imaging Center - MRI Suite"
    assert (mri.facility.ehr_id, mri.facility.place_of_service) == ("lakeside-mri", "22")
    assert mri.facility.address and mri.facility.address.city == "Springfield"


async def test_without_a_request_id_every_active_service_request_of_the_patient_comes(fetch):
    intake = await fetch(JAMES)
    assert [(s.ehr_id, s.code) for s in intake.requested_services] == [
        ("james-manual-therapy", "97140"),
        ("james-pt", "97110"),
    ]  # the completed knee X-ray is left out
    pt = intake.requested_services[1]
    assert (pt.quantity, pt.unit, pt.modifiers) == (Decimal(12), "visit", ("GP",))
    assert (pt.priority, pt.ehr_priority) == (Priority.STANDARD, "routine")
    assert pt.occurrence == Period(date(2026, 1, 19), date(2026, 4, 17))
    assert pt.reason_codes == ("M17.11",)
    assert pt.servicing_provider and pt.servicing_provider.name == "Jonah Reyes"
    assert pt.servicing_provider.npi == "2990000020"
    assert pt.facility and pt.facility.name == "Harbor Physical Therapy - Chatham"


async def test_two_coverages_come_in_order_with_the_primary_first_in_order(fetch):
    intake = await fetch(JAMES)
    assert {c.ehr_id: c.order for c in intake.coverages} == {
        "james-evergreen": 1,
        "james-bluewater": 2,
    }
    assert intake.primary_coverage and intake.primary_coverage.member_id == "EVG987654321"
    assert [d.code for d in intake.diagnoses] == ["M17.11", "M25.561"]


async def test_searches_follow_next_links_page_by_page(fetch, simulator):
    whole = await fetch(JAMES)
    simulator.requests.clear()
    paged = await fetch(JAMES, page_size=1)
    assert paged == whole
    assert any("_offset=1" in r for r in simulator.requests if r.startswith("/fhir/Condition"))
    assert any("_offset=1" in r for r in simulator.requests if r.startswith("/fhir/Coverage"))


async def test_includes_bring_providers_along_and_reads_fill_in_without_them(fetch, simulator):
    with_includes = await fetch(MARIA, "maria-mri-lumbar")
    included_requests = len(simulator.requests)
    simulator.requests.clear()
    simulator.faults.ignore_include = True
    assert await fetch(MARIA, "maria-mri-lumbar") == with_includes
    reads = [r for r in simulator.requests if "?" not in r]
    assert sorted(reads) == [
        "/fhir/Location/lakeside-mri",
        "/fhir/Location/northside-main",
        "/fhir/Organization/evergreen-health",
        "/fhir/Organization/lakeside-imaging",
        "/fhir/Organization/northside-wellness",
        "/fhir/Practitioner/samuel-okafor",
        "/fhir/PractitionerRole/okafor-northside",
    ]
    assert included_requests == 5 < len(simulator.requests)


async def test_a_client_that_does_not_ask_for_includes_reads_the_same_intake(fetch, simulator):
    with_includes = await fetch(JAMES)
    simulator.requests.clear()
    assert await fetch(JAMES, use_include=False) == with_includes
    assert simulator.requests and not any("_include" in r for r in simulator.requests)


async def test_a_single_request_is_read_by_id_without_includes(fetch, simulator):
    intake = await fetch(MARIA, "maria-mri-lumbar", use_include=False)
    assert intake.requested_services[0].code == "72148"
    assert "/fhir/ServiceRequest/maria-mri-lumbar" in simulator.requests


@pytest.mark.parametrize(
    ("patient", "request_id", "resource"),
    [
        (PatientRef.by_id("nobody"), None, "Patient/nobody"),
        (PatientRef.by_identifier(MRN, "NWC-999999"), None, f"Patient?identifier={MRN}|NWC-999999"),
        (MARIA, "no-such-order", "ServiceRequest/no-such-order"),
    ],
)
async def test_what_the_ehr_does_not_have_is_not_found(fetch, patient, request_id, resource):
    error = await failure(fetch, patient, request_id)
    assert (error.kind, error.resource, error.retryable) == (
        EhrErrorKind.NOT_FOUND,
        resource,
        False,
    )


async def test_an_unknown_order_read_by_id_is_not_found_with_the_ehrs_outcome(fetch):
    error = await failure(fetch, MARIA, "no-such-order", use_include=False)
    assert (error.kind, error.status) == (EhrErrorKind.NOT_FOUND, 404)
    assert error.issues[0].code == "not-found"


@pytest.mark.parametrize(
    ("patient", "request_id"),
    [
        (PatientRef.by_id("../metadata"), None),
        (MARIA, "x/../../Patient/james-whitfield"),
        (MARIA, ""),
    ],
)
async def test_an_id_no_fhir_resource_can_have_is_not_found_without_asking(
    fetch, simulator, patient, request_id
):
    error = await failure(fetch, patient, request_id)
    assert error.kind == EhrErrorKind.NOT_FOUND
    assert simulator.requests == []


async def test_a_next_link_that_is_not_a_url_is_invalid(fetch, simulator):
    simulator.faults.bundle_mutation = _next_link_to("http://[::1")
    error = await failure(fetch, MARIA)
    assert (error.kind, error.path) == (EhrErrorKind.INVALID_FHIR, "Bundle.link")


def test_the_connection_comes_from_settings():
    settings = Settings(
        ehr_base_url="https://ehr.example/fhir",
        ehr_bearer_token="tok",
        ehr_timeout_seconds=3,
        ehr_page_size=25,
        ehr_max_pages=4,
    )
    assert EhrConnection.from_settings(settings) == EhrConnection(
        base_url="https://ehr.example/fhir",
        bearer_token="tok",
        timeout_seconds=3,
        page_size=25,
        max_pages=4,
    )
    with pytest.raises(ValueError, match="CAREBRIDGE_EHR_BASE_URL"):
        EhrConnection.from_settings(Settings())


async def test_another_patients_service_request_is_refused(fetch):
    error = await failure(fetch, MARIA, "james-pt")
    assert (error.kind, error.resource) == (EhrErrorKind.WRONG_PATIENT, "ServiceRequest/james-pt")


async def test_an_identifier_two_patients_share_is_ambiguous(fetch, simulator):
    twin = simulator.data.get("Patient", "maria-lopez").model_copy(update={"id": "maria-twin"})
    assert isinstance(twin, Patient)
    simulator.data.add(twin)
    error = await failure(fetch, MARIA)
    assert error.kind == EhrErrorKind.AMBIGUOUS


async def test_a_patient_found_without_an_id_is_invalid(fetch, simulator):
    simulator.faults.mutations["Patient/maria-lopez"] = lambda r: {
        k: v for k, v in r.items() if k != "id"
    }
    error = await failure(fetch, MARIA)
    assert (error.kind, error.path) == (EhrErrorKind.INVALID_FHIR, "Patient.id")


async def test_a_named_service_request_comes_whatever_its_status(fetch):
    [xray] = (await fetch(JAMES, "james-knee-xray")).requested_services
    assert (xray.status, xray.code, xray.servicing_provider) == ("completed", "73562", None)


async def test_a_slow_ehr_times_out_and_may_be_retried(fetch, simulator):
    simulator.faults.delay_seconds = 1.0
    error = await failure(fetch, MARIA, timeout_seconds=0.2)
    assert (error.kind, error.retryable) == (EhrErrorKind.TIMEOUT, True)
    assert error.resource == f"Patient?identifier={MRN}|NWC-100234"


async def test_an_ehr_that_is_not_listening_is_unreachable_and_may_be_retried():
    connection = EhrConnection(base_url=f"http://127.0.0.1:{free_port()}/fhir")
    async with EhrClient(connection) as client:
        with pytest.raises(EhrError) as raised:
            await client.fetch_intake(patient=MARIA)
    assert (raised.value.kind, raised.value.retryable) == (EhrErrorKind.UNREACHABLE, True)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
async def test_a_failing_ehr_is_unavailable_and_may_be_retried(fetch, simulator, status):
    simulator.faults.status = status
    error = await failure(fetch, MARIA)
    assert (error.kind, error.status, error.retryable) == (EhrErrorKind.UNAVAILABLE, status, True)
    assert error.issues[0].diagnostics == "The simulated EHR is failing"


async def test_a_wrong_token_is_refused_with_the_ehrs_operation_outcome(fetch):
    error = await failure(fetch, MARIA, bearer_token="wrong")
    assert (error.kind, error.status, error.retryable) == (EhrErrorKind.REFUSED, 401, False)
    assert [(i.severity, i.code) for i in error.issues] == [("error", "login")]
    assert "A valid bearer token is required" in error.message


async def test_an_invalid_resource_names_the_resource_and_the_element(fetch, simulator):
    simulator.faults.mutations["Patient/maria-lopez"] = lambda r: {**r, "birthDate": "12/04/78"}
    error = await failure(fetch, MARIA)
    assert error.kind == EhrErrorKind.INVALID_FHIR
    assert error.resource == f"Patient?identifier={MRN}|NWC-100234"
    assert error.path == "Bundle.entry[0].resource.birthDate"
    by_id = await failure(fetch, PatientRef.by_id("maria-lopez"))
    assert (by_id.resource, by_id.path) == ("Patient/maria-lopez", "Patient.birthDate")


async def test_an_included_provider_that_is_invalid_fails_the_search_that_brought_it(
    fetch, simulator
):
    simulator.faults.mutations["Practitioner/samuel-okafor"] = lambda r: {**r, "name": "Okafor"}
    error = await failure(fetch, MARIA, "maria-mri-lumbar")
    assert error.kind == EhrErrorKind.INVALID_FHIR
    assert error.resource is not None and error.resource.startswith("ServiceRequest?_id=")
    assert error.path is not None and error.path.endswith(".resource.name")


async def test_an_unknown_priority_is_invalid_rather_than_guessed(fetch, simulator):
    simulator.faults.mutations["ServiceRequest/maria-mri-lumbar"] = lambda r: {
        **r,
        "priority": "whenever",
    }
    error = await failure(fetch, MARIA, "maria-mri-lumbar")
    assert (error.kind, error.path) == (EhrErrorKind.INVALID_FHIR, "ServiceRequest.priority")


@pytest.mark.parametrize(
    "body", [b"<html>Service maintenance</html>", b"[]", b'{"resourceType": "Nonsense"}', b"{"]
)
async def test_an_answer_that_is_not_fhir_is_invalid(fetch, simulator, body):
    simulator.faults.body = body
    error = await failure(fetch, MARIA)
    assert (error.kind, error.retryable) == (EhrErrorKind.INVALID_FHIR, False)


async def test_a_read_answered_with_another_resource_type_is_invalid(fetch, simulator):
    simulator.faults.mutations["Patient/maria-lopez"] = lambda r: {
        "resourceType": "Practitioner",
        "id": "maria-lopez",
    }
    error = await failure(fetch, PatientRef.by_id("maria-lopez"))
    assert (error.kind, error.resource) == (EhrErrorKind.INVALID_FHIR, "Patient/maria-lopez")


def _next_link_to(url: str) -> Callable[[dict[str, Any]], Any]:
    def mutate(bundle: dict[str, Any]) -> Any:
        bundle["link"] = [{"relation": "next", "url": url}]
        return bundle

    return mutate


async def test_a_next_link_to_another_server_is_not_followed(fetch, simulator):
    simulator.faults.bundle_mutation = _next_link_to("http://attacker.example/fhir/Patient?p=2")
    error = await failure(fetch, MARIA)
    assert (error.kind, error.path) == (EhrErrorKind.INVALID_FHIR, "Bundle.link")


async def test_a_next_link_back_to_the_same_page_is_not_followed_forever(fetch, simulator):
    def loop_back(bundle: dict[str, Any]) -> Any:
        self_link = next(lk for lk in bundle["link"] if lk["relation"] == "self")
        bundle["link"] = [self_link, {"relation": "next", "url": self_link["url"]}]
        return bundle

    simulator.faults.bundle_mutation = loop_back
    error = await failure(fetch, JAMES)
    assert (error.kind, error.path) == (EhrErrorKind.INVALID_FHIR, "Bundle.link")


async def test_more_pages_than_allowed_is_too_large(fetch):
    error = await failure(fetch, JAMES, page_size=1, max_pages=1)
    assert (error.kind, error.retryable) == (EhrErrorKind.TOO_LARGE, False)


async def test_an_answer_over_the_size_cap_is_too_large(fetch):
    error = await failure(fetch, MARIA, max_response_bytes=200)
    assert error.kind == EhrErrorKind.TOO_LARGE


def test_a_connection_needs_an_absolute_http_url_and_positive_limits():
    for bad in ({"base_url": "ehr.example/fhir"}, {"base_url": "http://e/fhir", "page_size": 0}):
        with pytest.raises(ValueError):
            EhrConnection(**bad)
    assert "token" not in repr(EhrConnection(base_url="http://e/fhir", bearer_token="token"))


async def test_the_fake_ehr_source_answers_like_the_client(fetch):
    intake = await fetch(MARIA, "maria-mri-lumbar")
    fake: EhrSource = FakeEhrSource({(MARIA, "maria-mri-lumbar"): intake})
    assert await fake.fetch_intake(patient=MARIA, service_request_id="maria-mri-lumbar") == intake
    with pytest.raises(EhrError) as raised:
        await fake.fetch_intake(patient=JAMES)
    assert raised.value.kind == EhrErrorKind.NOT_FOUND
