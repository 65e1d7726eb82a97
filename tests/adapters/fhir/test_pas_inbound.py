"""Every PAS request example (2.2.1 and 2.0.1) is read into an InboundSubmission, taken in by
the domain, written out again as a PAS Request Bundle and read back: nothing the domain
keeps is lost on the way."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from adapters.fhir.pas import dump, parse_resource, to_pas_bundle
from adapters.fhir.pas_inbound import PasRequestError, from_pas_request
from domain.authorizations.answers import snapshot
from domain.authorizations.inbound import CertificationType, InboundSubmission
from domain.authorizations.intake_records import ordered_services
from domain.authorizations.models import (
    AttachmentKind,
    AuthorizationAttachment,
    AuthorizationRequest,
    RequestCategory,
)
from tests.adapters.fhir.pas_examples import (
    ORIGINALS,
    REQUESTS,
    example_bytes,
    submission_of,
    take_in,
    world_for,
)


def kept(sent: InboundSubmission) -> dict:
    """What the domain keeps of a submission."""
    patient = sent.intake.patient
    coverage = sent.intake.primary_coverage
    services = ordered_services(sent.intake)
    return {
        "patient": (patient.family_name, " ".join(patient.given_names), patient.birth_date),
        "gender": patient.gender or "unknown",
        "member_id": coverage.member_id if coverage else None,
        "payer": sent.payer_identifier,
        "priority": sent.priority,
        "category": sent.category,
        "diagnoses": [d.code.replace(".", "") for d in sent.intake.diagnoses],
        "lines": [
            (
                s.code,
                s.code_system,
                s.quantity or 1,
                s.occurrence.start,
                s.occurrence.end or s.occurrence.start,
                s.facility.place_of_service if s.facility else None,
                s.modifiers,
            )
            for s in services
        ],
        "requesting_npi": services[0].requesting_provider.npi
        if services[0].requesting_provider
        else None,
    }


def test_there_are_request_examples_of_both_versions():
    assert {name.split("/")[0] for name in REQUESTS} == {"v2.0.1", "v2.2.1"}
    assert len(REQUESTS) == 11


@pytest.mark.parametrize("name", REQUESTS)
async def test_every_request_example_round_trips_through_the_domain(name, orgs, uow_factory):
    world = await world_for(orgs, uow_factory, name)
    sent = submission_of(name)
    outcome = await take_in(uow_factory, world.ehr, name)
    async with uow_factory() as uow:
        request = await uow.session.get(AuthorizationRequest, outcome.request.id)
        details = await snapshot(uow, request)
    again = from_pas_request(
        parse_resource(dump(to_pas_bundle(details, bundle_id=uuid.uuid4())), "Bundle")
    )
    before, after = kept(sent), kept(again)
    before.pop("payer"), after.pop("payer")  # ours is the payer id we know it by: the same here
    assert again.payer_identifier == sent.payer_identifier
    assert after == before
    origin = submission_of(ORIGINALS.get(name, name))
    assert outcome.state.sender_reference == origin.sender_reference  # the request's origin


def test_updates_name_their_original_and_drop_cancelled_items():
    update = submission_of("v2.2.1/Bundle-HomecareAuthorizationUpdateBundleExample.json")
    assert update.certification is CertificationType.UPDATE
    assert update.related_reference == "111099"  # the related Claim's identifier
    assert [s.code for s in update.intake.requested_services] == ["G0154", "B4185"]
    old = submission_of("v2.0.1/Bundle-HomecareAuthorizationUpdateBundleExample.json")
    assert (old.certification, old.related_reference) == (CertificationType.UPDATE, "111099")


def test_the_referral_reads_its_parts():
    sent = submission_of("v2.2.1/Bundle-ReferralAuthorizationBundleExample.json")
    service = sent.intake.requested_services[0]
    assert sent.category is RequestCategory.REFERRAL
    assert (service.code, service.facility.place_of_service) == ("3", "11")
    assert service.servicing_provider.npi == "1234567893"  # the careTeam's PractitionerRole
    assert sent.requester.organization.npi == "8189991234"  # Claim.provider
    assert [d.code for d in sent.intake.diagnoses] == ["G89.4"]
    assert sent.trace_number == "111099" and sent.sender_reference == "A12345"


def test_a_cancelled_claim_is_a_cancellation():
    bundle = parse_resource(
        example_bytes("v2.2.1/Bundle-HomecareAuthorizationBundleExample.json"), "Bundle"
    )
    bundle.entry[0].resource.status = "cancelled"
    sent = from_pas_request(bundle)
    assert (sent.certification, sent.related_reference) == (CertificationType.CANCEL, "111099")


@pytest.mark.parametrize(
    ("change", "code", "expression"),
    [
        (lambda b: setattr(b, "type", "transaction"), "value", "Bundle.type"),
        (lambda b: b.entry.reverse(), "structure", "Bundle.entry[0]"),
        (lambda b: setattr(b, "identifier", None), "required", "Bundle.identifier"),
        (
            lambda b: setattr(b.entry[0].resource, "use", "claim"),
            "value",
            "Bundle.entry[0].resource.use",
        ),
        (lambda b: setattr(b.entry[2], "fullUrl", None), "required", "Bundle.entry[2].fullUrl"),
    ],
)
def test_structural_faults_name_the_issue_and_where(change, code, expression):
    bundle = parse_resource(
        example_bytes("v2.2.1/Bundle-HomecareAuthorizationBundleExample.json"), "Bundle"
    )
    change(bundle)
    with pytest.raises(PasRequestError) as raised:
        from_pas_request(bundle)
    assert (raised.value.code, raised.value.expression) == (code, expression)


async def test_an_inline_document_in_supporting_info_is_kept_with_the_request(orgs, uow_factory):
    name = "v2.2.1/Bundle-ReferralAuthorizationBundleExample.json"
    world = await world_for(orgs, uow_factory, name)
    outcome = await take_in(uow_factory, world.ehr, name)
    async with uow_factory() as uow:
        documents = list(
            await uow.session.scalars(
                select(AuthorizationAttachment).where(
                    AuthorizationAttachment.request_id == outcome.request.id
                )
            )
        )
    [document] = documents
    assert document.kind is AttachmentKind.CLINICAL_NOTE  # LOINC 11505-5, a procedure note
    assert document.size_bytes > 0 and len(document.sha256) == 64


def test_a_claim_level_initial_certification_is_a_new_request():
    bundle = parse_resource(
        example_bytes("v2.2.1/Bundle-MedicalServicesAuthorizationBundleExample.json"), "Bundle"
    )
    item_certification = bundle.entry[0].resource.item[0].extension[1]
    bundle.entry[0].resource.extension = [item_certification]  # certificationType I on the Claim
    assert from_pas_request(bundle).certification is CertificationType.NEW
