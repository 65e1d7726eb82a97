"""The intake mapper on real-world shapes: the Da Vinci PAS example resources (2.2.1 and 2.0.1,
standalone and inside Bundles), and the variants FHIR allows for references, quantities,
dates and priorities."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.servicerequest import ServiceRequest

from adapters.fhir.ehr_index import ResourceIndex
from adapters.fhir.ehr_mapping import (
    coverage_from_fhir,
    diagnosis_from_fhir,
    facility_from_fhir,
    organization_from_fhir,
    patient_from_fhir,
    practitioner_from_fhir,
    provider_from_reference,
    to_date,
)
from adapters.fhir.ehr_services import service_from_fhir
from domain.authorizations.intake import (
    Address,
    Identifier,
    IntakeCoverage,
    IntakeFacility,
    IntakeOrganization,
    IntakePatient,
    IntakePractitioner,
    IntakeProvider,
    Period,
    Priority,
    RequestedService,
    ServiceCodeSystem,
)
from tests.adapters.ehr_support import pas_example, pas_resources

BASE = "https://ehr.example/fhir"
NPI = "http://hl7.org/fhir/sid/us-npi"


def index_of(*resources: Any) -> ResourceIndex:
    index = ResourceIndex(BASE)
    index.add(resources)
    return index


def test_the_pas_beneficiary_maps_to_demographics_and_identifiers():
    patient = patient_from_fhir(
        Patient.model_validate(pas_example("Patient-BeneficiaryExample.json"))
    )
    assert patient == IntakePatient(
        ehr_id="BeneficiaryExample",
        identifiers=(Identifier("http://example.org/MIN", "12345678902"),),
        family_name="SMITH",
        given_names=("JESSE",),
        birth_date=date(1947, 1, 18),
        gender="female",
        address=Address(country="US"),
    )


def test_the_pas_practitioner_and_organizations_keep_names_npis_and_addresses():
    susan = practitioner_from_fhir(
        Practitioner.model_validate(pas_example("Practitioner-ReferralPractitionerExample.json"))
    )
    assert (susan.name, susan.npi) == ("SUSAN WATSON", "1234567893")
    umo = organization_from_fhir(
        Organization.model_validate(pas_example("Organization-UMOExample.json"))
    )
    assert (umo.name, umo.npi) == ("DR. JOE SMITH CORPORATION", "8189991234")
    assert umo.address == Address(("111 1ST STREET",), "SAN DIEGO", "CA", "92101", "US")


def test_the_pas_coverage_takes_the_member_id_from_subscriber_id_and_the_payer_from_payor():
    insurer = Organization.model_validate(pas_example("Organization-InsurerExample.json"))
    coverage = Coverage.model_validate(pas_example("Coverage-InsuranceExample.json"))
    mapped = coverage_from_fhir(coverage, index_of(insurer))
    assert mapped == IntakeCoverage(
        ehr_id="InsuranceExample",
        status="active",
        payer_name="MARYLAND CAPITAL INSURANCE COMPANY",
        payer_identifier=Identifier(NPI, "1234567893"),
        member_id="1122334455",  # its MB identifier has a type but no value
        subscriber_id="1122334455",
        group_id=None,
        group_name=None,
        plan_name=None,
        period=Period(),
        relationship="self",
        order=None,
    )


def test_a_pas_practitioner_role_is_the_practitioner_at_the_location():
    role = PractitionerRole.model_validate(
        pas_example("PractitionerRole-ReferralPractitionerRoleExample.json")
    )
    index = index_of(
        role,
        Practitioner.model_validate(pas_example("Practitioner-ReferralPractitionerExample.json")),
        Location.model_validate(pas_example("Location-ReferralLocationExample.json")),
    )
    reference = {"reference": "PractitionerRole/ReferralPractitionerRoleExample"}
    provider = provider_from_reference(_ref(reference), None, index)
    assert provider is not None and provider.location is not None
    assert (provider.name, provider.npi, provider.phone) == (
        "SUSAN WATSON",
        "1234567893",
        "4029993456",
    )
    assert provider.organization is None
    assert (provider.location.name, provider.location.address.city) == (
        "REFERRAL CLINIC",
        "SAN DIEGO",
    )


def test_the_pas_referral_request_is_an_x12_service_type_consultation():
    request = ServiceRequest.model_validate(
        pas_example("ServiceRequest-ReferralRequestExample.json")
    )
    service = service_from_fhir(request, index_of())
    assert (service.code, service.code_system, service.display) == (
        "3",
        ServiceCodeSystem.SERVICE_TYPE,
        "Consultation",
    )
    assert (service.quantity, service.unit, service.priority) == (
        Decimal(1),
        "visit",
        Priority.STANDARD,
    )
    assert service.requesting_provider is None and service.facility is None


MODELS: dict[str, Any] = {
    "Patient": (Patient, patient_from_fhir),
    "Practitioner": (Practitioner, practitioner_from_fhir),
    "Organization": (Organization, organization_from_fhir),
    "Location": (Location, facility_from_fhir),
    "Coverage": (Coverage, lambda r: coverage_from_fhir(r, index_of())),
    "ServiceRequest": (ServiceRequest, lambda r: service_from_fhir(r, index_of())),
}
RESULT_TYPES = (
    IntakePatient,
    IntakePractitioner,
    IntakeOrganization,
    IntakeFacility,
    IntakeCoverage,
    RequestedService,
)
EXAMPLES = [
    pytest.param(kind, body, id=where) for kind in MODELS for where, body in pas_resources(kind)
]


def test_the_conformance_material_has_every_kind_of_resource_the_intake_reads():
    assert {kind for kind, *_ in (p.values for p in EXAMPLES)} == set(MODELS)
    assert len(EXAMPLES) >= 40


@pytest.mark.parametrize(("kind", "body"), EXAMPLES)
def test_every_pas_example_resource_maps_to_an_intake_value(kind, body):
    model, mapper = MODELS[kind]
    mapped = mapper(model.model_validate(body))
    assert isinstance(mapped, RESULT_TYPES)
    assert mapped.ehr_id == body.get("id", mapped.ehr_id)


def _ref(body: dict[str, Any]) -> Any:
    return ServiceRequest.model_validate(
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/p"},
            "requester": body,
        }
    ).requester


def test_a_logical_reference_gives_the_name_and_npi_it_carries():
    reference = _ref({"type": "Practitioner", "display": "Dr. Ada Lovelace",
                      "identifier": {"system": NPI, "value": "2990000038"}})  # fmt: skip
    provider = provider_from_reference(reference, None, index_of())
    assert provider == IntakeProvider(
        practitioner=IntakePractitioner(
            None, None, (), "2990000038", (Identifier(NPI, "2990000038"),), "Dr. Ada Lovelace"
        ),
        organization=None,
    )
    assert (provider.name, provider.npi) == ("Dr. Ada Lovelace", "2990000038")


def test_contained_and_absolute_references_are_followed():
    request = ServiceRequest.model_validate(
        {
            "resourceType": "ServiceRequest",
            "id": "sr",
            "status": "active",
            "intent": "order",
            "subject": {"reference": "Patient/p"},
            "contained": [
                {"resourceType": "Practitioner", "id": "doc", "name": [{"text": "Dr. Who"}]}
            ],
            "requester": {"reference": "#doc"},
            "performer": [{"reference": f"{BASE}/Organization/org/_history/3"}],
        }
    )
    index = index_of(Organization(id="org", name="Lakeside Imaging Center"))
    service = service_from_fhir(request, index)
    assert service.requesting_provider and service.requesting_provider.name == "Dr. Who"
    assert (
        service.servicing_provider and service.servicing_provider.name == "Lakeside Imaging Center"
    )


def _service(**elements: Any) -> RequestedService:
    body = {"resourceType": "ServiceRequest", "id": "sr", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/p"}, **elements}  # fmt: skip
    return service_from_fhir(ServiceRequest.model_validate(body), index_of())


@pytest.mark.parametrize(
    ("elements", "quantity", "unit"),
    [
        ({"quantityQuantity": {"value": 12, "code": "visit"}}, Decimal(12), "visit"),
        (
            {"quantityRange": {"low": {"value": 6}, "high": {"value": 10, "unit": "visit"}}},
            Decimal(10),
            "visit",
        ),
        (
            {
                "quantityRatio": {
                    "numerator": {"value": 3, "unit": "visit"},
                    "denominator": {"value": 1, "unit": "wk"},
                }
            },
            Decimal(3),
            "visit",
        ),
        ({}, None, None),
    ],
)
def test_the_requested_amount_is_a_quantity_a_range_top_or_a_ratio_numerator(
    elements, quantity, unit
):
    service = _service(**elements)
    assert (service.quantity, service.unit) == (quantity, unit)


@pytest.mark.parametrize(
    ("elements", "period"),
    [
        (
            {"occurrenceDateTime": "2026-03-02T10:00:00Z"},
            Period(date(2026, 3, 2), date(2026, 3, 2)),
        ),
        ({"occurrenceDateTime": "2026-02"}, Period(date(2026, 2, 1), date(2026, 2, 28))),
        (
            {"occurrencePeriod": {"start": "2026", "end": "2027"}},
            Period(date(2026, 1, 1), date(2027, 12, 31)),
        ),
        (
            {"occurrenceTiming": {"repeat": {"boundsPeriod": {"start": "2026-01-05"}}}},
            Period(date(2026, 1, 5), None),
        ),
        ({}, Period()),
    ],
)
def test_occurrence_becomes_inclusive_dates(elements, period):
    assert _service(**elements).occurrence == period


@pytest.mark.parametrize(
    ("priority", "expected"),
    [(None, Priority.STANDARD), ("routine", Priority.STANDARD), ("urgent", Priority.EXPEDITED),
     ("asap", Priority.EXPEDITED), ("stat", Priority.EXPEDITED)],
)  # fmt: skip
def test_fhir_priority_maps_to_standard_or_expedited(priority, expected):
    elements = {"priority": priority} if priority else {}
    assert _service(**elements).priority == expected


def test_cpt_is_preferred_over_hcpcs_and_modifiers_come_from_order_detail():
    service = _service(
        code={"coding": [
            {"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "G0283"},
            {"system": "http://snomed.info/sct", "code": "229070002"},
            {"system": "http://www.ama-assn.org/go/cpt", "code": "97014", "display": "E-stim"},
        ]},
        orderDetail=[{"coding": [
            {"system": "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "code": "GP"},
            {"system": "http://snomed.info/sct", "code": "7771000"},
        ]}, {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": "59"}]}],
    )  # fmt: skip
    assert (service.code, service.code_system, service.display) == (
        "97014",
        ServiceCodeSystem.CPT,
        "E-stim",
    )
    assert service.modifiers == ("GP", "59")


def test_an_order_coded_only_in_snomed_keeps_its_text_and_no_billing_code():
    service = _service(
        code={"coding": [{"system": "http://snomed.info/sct", "code": "1"}], "text": "MRI"}
    )
    assert (service.code, service.code_system, service.display) == (None, None, "MRI")


@pytest.mark.parametrize(
    ("clinical", "verification", "is_diagnosis"),
    [("active", None, True), ("recurrence", "confirmed", True), (None, None, True),
     ("resolved", None, False), ("active", "refuted", False), ("active", "entered-in-error", False)],
)  # fmt: skip
def test_a_diagnosis_is_an_active_condition_that_is_not_refuted(
    clinical, verification, is_diagnosis
):
    body: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "c",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.16"}],
                 "text": "Lumbar radiculopathy"},
    }  # fmt: skip
    if clinical:
        body["clinicalStatus"] = {"coding": [{"code": clinical}]}
    if verification:
        body["verificationStatus"] = {"coding": [{"code": verification}]}
    diagnosis = diagnosis_from_fhir(Condition.model_validate(body))
    assert (diagnosis is not None) == is_diagnosis
    if diagnosis:
        assert (diagnosis.code, diagnosis.display) == ("M54.16", "Lumbar radiculopathy")


@pytest.mark.parametrize(
    ("value", "end", "expected"),
    [("2026-02-14", False, date(2026, 2, 14)), ("2024-02", True, date(2024, 2, 29)),
     ("2026", False, date(2026, 1, 1)), ("2026-13", False, None), ("soon", False, None),
     ("2026-02-30", False, None), ("2026-02-14T10:00:00Z", True, date(2026, 2, 14)),
     (None, False, None)],
)  # fmt: skip
def test_partial_dates_widen_to_the_first_or_last_day(value, end, expected):
    assert to_date(value, end=end) == expected


def test_a_partial_birth_date_is_unknown_rather_than_invented():
    patient = Patient.model_validate({"resourceType": "Patient", "id": "p", "birthDate": "1961"})
    assert patient_from_fhir(patient).birth_date is None


def test_references_to_other_servers_are_not_resolved():
    index = index_of(Organization(id="org", name="Ours"))
    assert index.key(_ref({"reference": "https://elsewhere.example/fhir/Organization/org"})) is None
    assert index.key(_ref({"reference": "Organization/org"})) == "Organization/org"
    assert index.key(_ref({"reference": f"{BASE}/Organization/org"})) == "Organization/org"
