"""The simulated EHR's records, built with fhir.resources R4B models: Northside Wellness Clinic
and two invented patients. Maria Lopez needs an MRI of the lumbar spine (CPT 72148) for lumbar
radiculopathy (ICD-10-CM M54.16); James Whitfield needs 12 visits of physical therapy (CPT 97110)
and 8 of manual therapy (97140) for osteoarthritis of the right knee. Every person, organization,
identifier and NPI here is made up (the NPIs only pass the Luhn check)."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.servicerequest import ServiceRequest

from adapters.simulator.ehr_store import EhrData

NPI = "http://hl7.org/fhir/sid/us-npi"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NUCC = "http://nucc.org/provider-taxonomy"
POS = "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
MRN_SYSTEM = "http://northside-wellness.example/fhir/sid/mrn"
PAYER_ID_SYSTEM = "http://carebridge.example/fhir/sid/payer-id"
MEMBER_SYSTEM = "http://evergreen-health.example/fhir/sid/member"


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _typed_identifier(system: str, value: str, type_code: str) -> dict[str, Any]:
    return {
        "type": {"coding": [{"system": V2_0203, "code": type_code}]},
        "system": system,
        "value": value,
    }


def _ref(key: str, display: str | None = None) -> dict[str, str]:
    return {"reference": key, **({"display": display} if display else {})}


def organizations() -> list[Resource]:
    def org(org_id: str, name: str, npi: str, city: str, **extra: Any) -> Organization:
        return Organization(
            id=org_id,
            active=True,
            identifier=[{"system": NPI, "value": npi}],
            name=name,
            telecom=[{"system": "phone", "value": "555-0100"}],
            address=[
                {
                    "line": ["1 Example Way"],
                    "city": city,
                    "state": "IL",
                    "postalCode": "62704",
                    "country": "US",
                }
            ],
            **extra,
        )

    return [
        org("northside-wellness", "Northside Wellness Clinic", "1990000014", "Springfield"),
        org("lakeside-imaging", "Lakeside Imaging Center", "1990000022", "Springfield"),
        org("harbor-pt", "Harbor Physical Therapy", "1990000030", "Chatham"),
        Organization(
            id="evergreen-health",
            active=True,
            identifier=[{"system": PAYER_ID_SYSTEM, "value": "EVG01"}],
            type=[
                _concept("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer")
            ],
            name="Evergreen Health Plan",
        ),
        Organization(
            id="bluewater-community",
            active=True,
            identifier=[{"system": PAYER_ID_SYSTEM, "value": "BWC02"}],
            name="Bluewater Community Health Plan",
        ),
    ]


def locations() -> list[Resource]:
    def location(loc_id: str, name: str, pos: str, pos_name: str, org: str) -> Location:
        return Location(
            id=loc_id,
            status="active",
            name=name,
            type=[_concept(POS, pos, pos_name)],
            address={
                "line": ["200 Lake Shore Drive"],
                "city": "Springfield",
                "state": "IL",
                "postalCode": "62704",
                "country": "US",
            },
            managingOrganization=_ref(f"Organization/{org}"),
        )

    return [
        location(
            "northside-main", "Northside Wellness Clinic", "11", "Office", "northside-wellness"
        ),
        location(
            "lakeside-mri",
            "Lakeside Imaging Center - MRI Suite",
            "22",
            "On Campus-Outpatient Hospital",
            "lakeside-imaging",
        ),
        location(
            "harbor-pt-clinic", "Harbor Physical Therapy - Chatham", "11", "Office", "harbor-pt"
        ),
    ]


def practitioners() -> list[Resource]:
    def person(
        person_id: str, family: str, given: list[str], npi: str, suffix: str
    ) -> Practitioner:
        name = {"use": "official", "family": family, "given": given, "suffix": [suffix]}
        return Practitioner(
            id=person_id, active=True, name=[name], identifier=[{"system": NPI, "value": npi}]
        )

    def role(
        role_id: str, who: str, org: str, loc: str, taxonomy: tuple[str, str]
    ) -> PractitionerRole:
        return PractitionerRole(
            id=role_id,
            active=True,
            practitioner=_ref(f"Practitioner/{who}"),
            organization=_ref(f"Organization/{org}"),
            location=[_ref(f"Location/{loc}")],
            specialty=[_concept(NUCC, *taxonomy)],
            telecom=[{"system": "phone", "value": "555-0123"}],
        )

    return [
        person("samuel-okafor", "Okafor", ["Samuel"], "2990000012", "MD"),
        person("jonah-reyes", "Reyes", ["Jonah"], "2990000020", "PT"),
        role(
            "okafor-northside",
            "samuel-okafor",
            "northside-wellness",
            "northside-main",
            ("207Q00000X", "Family Medicine"),
        ),
        role(
            "reyes-harbor",
            "jonah-reyes",
            "harbor-pt",
            "harbor-pt-clinic",
            ("225100000X", "Physical Therapist"),
        ),
    ]


def patients() -> list[Resource]:
    def patient(
        patient_id: str, mrn: str, family: str, given: str, gender: str, born: str
    ) -> Patient:
        return Patient(
            id=patient_id,
            active=True,
            identifier=[_typed_identifier(MRN_SYSTEM, mrn, "MR")],
            name=[{"use": "official", "family": family, "given": [given]}],
            gender=gender,
            birthDate=born,
            telecom=[
                {"system": "phone", "value": "555-0142"},
                {"system": "email", "value": f"{given.lower()}@example.org"},
            ],
            address=[
                {
                    "use": "home",
                    "line": ["42 Elm Street", "Apt 3"],
                    "city": "Springfield",
                    "state": "IL",
                    "postalCode": "62704",
                    "country": "US",
                }
            ],
        )

    return [
        patient("maria-lopez", "NWC-100234", "Lopez", "Maria", "female", "1978-04-12"),
        patient("james-whitfield", "NWC-100871", "Whitfield", "James", "male", "1961-09-03"),
    ]


def coverages() -> list[Resource]:
    def coverage(
        cov_id: str, who: str, payer: str, member: str, order: int, group: str
    ) -> Coverage:
        return Coverage(
            id=cov_id,
            status="active",
            identifier=[_typed_identifier(MEMBER_SYSTEM, member, "MB")],
            subscriberId=member,
            beneficiary=_ref(f"Patient/{who}"),
            relationship=_concept(
                "http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self"
            ),
            period={"start": "2026-01-01", "end": "2026-12-31"},
            payor=[_ref(f"Organization/{payer}")],
            order=order,
            **{
                "class": [
                    _class("group", group, f"{group} employer group"),
                    _class("plan", "SILVER-PPO", "Silver PPO"),
                ]
            },
        )

    return [
        coverage(
            "maria-evergreen", "maria-lopez", "evergreen-health", "EVG123456789", 1, "GRP-4410"
        ),
        coverage(
            "james-evergreen", "james-whitfield", "evergreen-health", "EVG987654321", 1, "GRP-4410"
        ),
        coverage(
            "james-bluewater", "james-whitfield", "bluewater-community", "BWC-55512", 2, "GRP-0907"
        ),
    ]


def _class(kind: str, value: str, name: str) -> dict[str, Any]:
    system = "http://terminology.hl7.org/CodeSystem/coverage-class"
    return {"type": {"coding": [{"system": system, "code": kind}]}, "value": value, "name": name}


def conditions() -> list[Resource]:
    def condition(cond_id: str, who: str, codings: list[dict[str, str]], status: str) -> Condition:
        clinical = "http://terminology.hl7.org/CodeSystem/condition-clinical"
        return Condition(
            id=cond_id,
            clinicalStatus={"coding": [{"system": clinical, "code": status}]},
            verificationStatus={
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            category=[
                _concept(
                    "http://terminology.hl7.org/CodeSystem/condition-category",
                    "problem-list-item",
                    "Problem List Item",
                )
            ],
            code={"coding": codings, "text": codings[0]["display"]},
            subject=_ref(f"Patient/{who}"),
            onsetDateTime="2025-11-02",
        )

    def icd(code: str, display: str) -> dict[str, str]:
        return {"system": ICD10CM, "code": code, "display": display}

    return [
        condition(
            "maria-radiculopathy",
            "maria-lopez",
            [
                icd("M54.16", "Radiculopathy, lumbar region"),
                {"system": SNOMED, "code": "128196005", "display": "Lumbar radiculopathy"},
            ],
            "active",
        ),
        condition(
            "maria-back-strain",
            "maria-lopez",
            [
                icd(
                    "S39.012A",
                    "Strain of muscle, fascia and tendon of lower back, initial encounter",
                )
            ],
            "resolved",
        ),
        condition(
            "maria-hypertension",
            "maria-lopez",
            [{"system": SNOMED, "code": "38341003", "display": "Hypertensive disorder"}],
            "active",
        ),
        condition(
            "james-knee-oa",
            "james-whitfield",
            [icd("M17.11", "Unilateral primary osteoarthritis, right knee")],
            "active",
        ),
        condition(
            "james-knee-pain", "james-whitfield", [icd("M25.561", "Pain in right knee")], "active"
        ),
    ]


def service_requests() -> list[Resource]:
    return [
        ServiceRequest(
            id="maria-mri-lumbar",
            status="active",
            intent="order",
            priority="urgent",
            category=[_concept(SNOMED, "363679005", "Imaging")],
            code={
                "coding": [
                    {"system": CPT, "code": "72148", "display": "MRI lumbar spine without contrast"}
                ],
                "text": "MRI lumbar spine",
            },
            quantityQuantity={"value": 1, "unit": "study"},
            subject=_ref("Patient/maria-lopez"),
            occurrencePeriod={"start": "2026-01-20", "end": "2026-02-19"},
            authoredOn="2026-01-14T09:30:00-06:00",
            requester=_ref("PractitionerRole/okafor-northside", "Samuel Okafor, MD"),
            performer=[_ref("Organization/lakeside-imaging", "Lakeside Imaging Center")],
            locationReference=[_ref("Location/lakeside-mri")],
            reasonCode=[_concept(ICD10CM, "M54.16", "Radiculopathy, lumbar region")],
            reasonReference=[_ref("Condition/maria-radiculopathy")],
            note=[{"text": "Progressive left leg weakness over two weeks."}],
        ),
        _therapy("james-pt", "97110", "Therapeutic exercises", 12, "2026-01-19", "2026-04-17"),
        _therapy(
            "james-manual-therapy",
            "97140",
            "Manual therapy techniques",
            8,
            "2026-01-19",
            "2026-03-13",
        ),
        ServiceRequest(
            id="james-knee-xray",
            status="completed",
            intent="order",
            code={"coding": [{"system": CPT, "code": "73562", "display": "X-ray knee, 3 views"}]},
            subject=_ref("Patient/james-whitfield"),
            requester=_ref("PractitionerRole/okafor-northside"),
        ),
    ]


def _therapy(sr_id: str, cpt: str, display: str, visits: int, start: str, end: str) -> Resource:
    return ServiceRequest(
        id=sr_id,
        status="active",
        intent="order",
        priority="routine",
        category=[_concept(SNOMED, "91251008", "Physical therapy procedure")],
        code={"coding": [{"system": CPT, "code": cpt, "display": display}]},
        orderDetail=[_concept(HCPCS, "GP", "Services delivered under a physical therapy plan")],
        quantityQuantity={"value": visits, "unit": "visit"},
        subject=_ref("Patient/james-whitfield"),
        occurrencePeriod={"start": start, "end": end},
        authoredOn="2026-01-12",
        requester=_ref("PractitionerRole/okafor-northside"),
        performer=[_ref("PractitionerRole/reyes-harbor")],
        reasonReference=[_ref("Condition/james-knee-oa")],
    )


def synthetic_ehr() -> EhrData:
    """A fresh copy of the simulated EHR's records."""
    return EhrData(
        [
            *organizations(),
            *locations(),
            *practitioners(),
            *patients(),
            *coverages(),
            *conditions(),
            *service_requests(),
        ]
    )
