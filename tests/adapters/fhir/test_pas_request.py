"""Our PAS Request and Inquiry Bundles parse back with fhir.resources R4B and carry every field
the domain sent; our Response Bundles read back as the answer they were built from."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from fhir.resources.R4B.bundle import Bundle

from adapters.fhir.pas import (
    dump,
    from_pas_response,
    to_inquiry_bundle,
    to_pas_bundle,
    to_pas_response,
)
from adapters.fhir.pas_codes import Ext, System
from domain.authorizations.lifecycle import ReviewAction
from domain.partners.ports import AnswerKind, LineAnswer, PartnerAnswer, PartnerLine, PartnerRequest

KEY = uuid.UUID("0b5e8a52-93f6-4bd4-8d1a-6a0d4c6a3d11")
REQUEST = PartnerRequest(
    request_id=uuid.UUID("6f1c1f7e-08a4-4c43-b0a0-1d27f4f1b9a2"),
    number="PA-2026-000042",
    priority="EXPEDITED",
    category="OUTPATIENT_SERVICE",
    member_id="CHP-1001",
    patient_family_name="Lopez",
    patient_given_name="Maria",
    patient_birth_date=date(1980, 5, 1),
    diagnoses=("M5416", "G8929"),
    lines=(
        PartnerLine(
            1,
            "CPT",
            "72148",
            ("26",),
            Decimal(1),
            "UNIT",
            date(2026, 2, 1),
            date(2026, 2, 28),
            "11",
        ),
        PartnerLine(2, "HCPCS", "E0601", (), Decimal("2.5"), "ITEM", None, None, None),
    ),
    payer_identifier="COSV1",
    payer_name="Cosville Health Plan",
    requester_name="Northside Wellness Clinic",
    requester_npi="1234567893",
    requesting_provider_name="Dr Ada Park",
    requesting_provider_npi="1922334455",
    servicing_provider_name="Dr Ben Ode",
    servicing_provider_npi="1811223344",
    patient_sex="FEMALE",
    submitted_at=datetime(2026, 1, 15, 15, 0, tzinfo=UTC),
)


def _parsed(bundle: Bundle) -> tuple[Bundle, dict]:
    back = Bundle.model_validate_json(dump(bundle))
    return back, {e.fullUrl: e.resource for e in back.entry}


def _resolve(by_url, ref):
    return by_url[ref.reference]


def test_request_bundle_carries_every_field_the_domain_sent():
    bundle, by_url = _parsed(to_pas_bundle(REQUEST, bundle_id=KEY))
    assert bundle.identifier.value == f"urn:uuid:{KEY}" and bundle.type == "collection"
    claim = bundle.entry[0].resource
    assert claim.get_resource_type() == "Claim" and claim.use == "preauthorization"
    assert claim.status == "active"
    assert (claim.identifier[0].system, claim.identifier[0].value) == (
        System.REQUEST_NUMBER,
        "PA-2026-000042",
    )
    assert claim.priority.coding[0].code == "stat"
    assert [d.diagnosisCodeableConcept.coding[0].code for d in claim.diagnosis] == [
        "M5416",
        "G8929",
    ]

    patient = _resolve(by_url, claim.patient)
    assert (patient.name[0].family, patient.name[0].given, patient.birthDate, patient.gender) == (
        "Lopez",
        ["Maria"],
        date(1980, 5, 1),
        "female",
    )
    coverage = _resolve(by_url, claim.insurance[0].coverage)
    assert coverage.subscriberId == "CHP-1001" and _resolve(by_url, coverage.beneficiary) is patient
    payer = _resolve(by_url, claim.insurer)
    assert (payer.name, payer.identifier[0].value) == ("Cosville Health Plan", "COSV1")
    assert _resolve(by_url, coverage.payor[0]) is payer
    requester = _resolve(by_url, claim.provider)
    assert (requester.name, requester.identifier[0].value) == (
        "Northside Wellness Clinic",
        "1234567893",
    )
    team = {m.role.coding[0].code: _resolve(by_url, m.provider) for m in claim.careTeam}
    assert (team["referring"].name[0].text, team["referring"].identifier[0].value) == (
        "Dr Ada Park",
        "1922334455",
    )
    assert (team["primary"].name[0].text, team["primary"].identifier[0].value) == (
        "Dr Ben Ode",
        "1811223344",
    )

    first, second = claim.item
    assert (
        first.sequence,
        first.productOrService.coding[0].system,
        first.productOrService.coding[0].code,
    ) == (1, System.CPT, "72148")
    assert [m.coding[0].code for m in first.modifier] == ["26"]
    assert (first.quantity.value, first.quantity.unit) == (Decimal(1), "UNIT")
    assert (str(first.servicedPeriod.start), str(first.servicedPeriod.end)) == (
        "2026-02-01",
        "2026-02-28",
    )
    assert first.locationCodeableConcept.coding[0].code == "11"
    assert {e.url for e in first.extension} == {Ext.REQUEST_TYPE, Ext.CERTIFICATION_TYPE}
    assert (second.productOrService.coding[0].system, second.productOrService.coding[0].code) == (
        System.HCPCS,
        "E0601",
    )
    assert second.quantity.value == Decimal("2.5") and second.servicedPeriod is None


def test_a_resend_with_the_same_key_is_the_same_bundle():
    assert dump(to_pas_bundle(REQUEST, bundle_id=KEY)) == dump(
        to_pas_bundle(REQUEST, bundle_id=KEY)
    )
    assert dump(to_pas_bundle(REQUEST, bundle_id=uuid.uuid4())) != dump(
        to_pas_bundle(REQUEST, bundle_id=KEY)
    )


def test_a_cancel_is_a_claim_update_cancelling_every_item():
    bundle, _ = _parsed(to_pas_bundle(REQUEST, bundle_id=KEY, cancel=True))
    claim = bundle.entry[0].resource
    assert claim.status == "cancelled"
    assert claim.related[0].claim.identifier.value == "PA-2026-000042"
    for item in claim.item:
        certification = next(e for e in item.extension if e.url == Ext.CERTIFICATION_TYPE)
        assert certification.valueCodeableConcept.coding[0].code == "3"


def test_an_inquiry_names_the_request_patient_payer_and_requester():
    bundle, by_url = _parsed(to_inquiry_bundle(REQUEST, bundle_id=KEY))
    claim = bundle.entry[0].resource
    assert "profile-claim-inquiry" in claim.meta.profile[0]
    assert claim.identifier[0].value == "PA-2026-000042"
    assert {
        type(by_url[r.reference]).__name__ for r in (claim.patient, claim.insurer, claim.provider)
    } == {"Patient", "Organization"}


def test_a_response_bundle_reads_back_as_the_answer_it_was_built_from():
    request = to_pas_bundle(REQUEST, bundle_id=KEY)
    now = datetime(2026, 1, 16, tzinfo=UTC)
    for answer in (
        PartnerAnswer(
            AnswerKind.DECIDED,
            "PEND-7",
            (LineAnswer(1, ReviewAction.PENDED), LineAnswer(2, ReviewAction.PENDED)),
        ),
        PartnerAnswer(
            AnswerKind.DECIDED,
            None,
            (
                LineAnswer(
                    1,
                    ReviewAction.CERTIFIED,
                    Decimal(1),
                    date(2026, 2, 1),
                    date(2026, 2, 28),
                    "AUTH-9",
                ),
                LineAnswer(2, ReviewAction.NOT_CERTIFIED, reason_codes=("0U",)),
            ),
        ),
        PartnerAnswer(AnswerKind.REJECTED, reason="Member not found"),
    ):
        response = Bundle.model_validate_json(dump(to_pas_response(request, answer, now=now)))
        assert response.entry[0].resource.get_resource_type() == "ClaimResponse"
        assert response.entry[0].resource.identifier[0].value == "PA-2026-000042"
        # Read back with the time the payer made it (the ClaimResponse's created).
        assert from_pas_response(response) == dataclasses.replace(answer, answered_at=now)
