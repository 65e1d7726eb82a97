"""PAS Request Bundle -> InboundSubmission, the one place a partner's `$submit` is read: the
Claim (items, diagnoses, supportingInfo, insurance, careTeam) and what it references (Patient,
Coverage, Practitioner(Role), Organization, Location, ServiceRequest / DeviceRequest /
MedicationRequest, DocumentReference / Binary attachments), through the EHR intake readers
of `ehr_mapping`. Structural faults raise `PasRequestError` (an OperationOutcome issue: code
and FHIRPath); business checks are the domain's. docs/fhir.md has the mapping table."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.binary import Binary
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claim import Claim, ClaimCareTeam, ClaimItem
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.location import Location
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from adapters.fhir import ehr_codes
from adapters.fhir.ehr_index import ResourceIndex
from adapters.fhir.ehr_mapping import (
    coverage_from_fhir,
    facility_from_fhir,
    organization_from_fhir,
    patient_from_fhir,
    period_of,
    provider_from_reference,
    to_date,
)
from adapters.fhir.pas_codes import CATEGORIES, Ext, System
from adapters.fhir.pas_elements import code_of, first
from domain.authorizations.documents import Document
from domain.authorizations.inbound import CertificationType, InboundChannel, InboundSubmission
from domain.authorizations.intake import (
    EhrIntake,
    IntakeCoverage,
    IntakeDiagnosis,
    IntakeFacility,
    IntakeProvider,
    Period,
    Priority,
    RequestedService,
    ServiceCodeSystem,
)
from domain.authorizations.models import AttachmentKind, RequestCategory
from domain.authorizations.models import Priority as RequestPriority

_SD = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
INFO_CANCELLED = (f"{_SD}/modifierextension-infoCancelled", f"{_SD}/extension-infoCancelled")
INFO_CHANGED = f"{_SD}/extension-infoChanged"
REQUESTED_SERVICE = f"{_SD}/extension-requestedService"
CANCEL_CODES = frozenset({"3"})  # X12 1322: 3 = cancel
INITIAL = "I"
# FHIR request priority (and processpriority) -> the request's priority.
PRIORITIES: dict[str, Priority] = {
    **ehr_codes.PRIORITIES,
    "normal": Priority.STANDARD,
    "deferred": Priority.STANDARD,
}
# careTeam roles (claimcareteamrole, X12 98) naming the provider who asks for the service.
REQUESTING_ROLES = frozenset({"referring", "supervisor", "1P", "DK"})
# (X12 1525 request type, X12 1365 service type) -> category, the reverse of pas_codes.CATEGORIES
CATEGORY_BY_CODES: dict[tuple[str, str], RequestCategory] = {
    (request_type, service_type): RequestCategory(category)
    for category, (request_type, service_type, _claim) in reversed(CATEGORIES.items())
}
CATEGORY_BY_REQUEST_TYPE = {
    "AR": RequestCategory.INPATIENT_ADMISSION,
    "SC": RequestCategory.REFERRAL,
}
ATTACHMENT_KINDS: dict[str, AttachmentKind] = {
    "11505-5": AttachmentKind.CLINICAL_NOTE,
    "11506-3": AttachmentKind.CLINICAL_NOTE,
    "18748-4": AttachmentKind.IMAGING_REPORT,
    "11502-2": AttachmentKind.LAB_RESULT,
}
_CPT = re.compile(r"^\d{4}[0-9FTU]$")  # CPT, which HCPCS calls level I (level II: A1234)
_TAIL = re.compile(r"([A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64})(?:/_history/[A-Za-z0-9\-.]{1,64})?$")


class PasRequestError(Exception):
    """A Request Bundle that is not a PAS request: one OperationOutcome issue (`code` from
    the FHIR issue-type value set, `expression` a FHIRPath into the Bundle)."""

    def __init__(self, code: str, message: str, expression: str) -> None:
        super().__init__(message)
        self.code, self.message, self.expression = code, message, expression


class BundleIndex(ResourceIndex):
    """The Bundle's resources by fullUrl (urn:uuid or absolute) and by "Type/id", so relative,
    absolute and urn references all resolve inside the Bundle."""

    def __init__(self, bundle: Bundle) -> None:
        super().__init__("urn:bundle")
        self._by_url: dict[str, Resource] = {}
        for entry in bundle.entry or ():
            if entry.resource is None:
                continue
            if entry.fullUrl:
                self._by_url[entry.fullUrl] = entry.resource
                tail = _TAIL.search(entry.fullUrl)
                if tail and not entry.resource.id:
                    self._by_url.setdefault(tail.group(1), entry.resource)
            self.add([entry.resource])

    def key(self, reference: Reference | None) -> str | None:
        text = reference.reference if reference is not None else None
        tail = _TAIL.search(text) if text and not text.startswith(("#", "urn:")) else None
        return tail.group(1) if tail else None

    def get(self, reference: Reference | None, owner: Resource | None = None) -> Resource | None:
        if reference is not None and reference.reference in self._by_url:
            return self._by_url[reference.reference]
        return super().get(reference, owner)


def request_claim(bundle: Bundle, *profiles: str) -> Claim:
    """entry[0], checked to be a preauthorization Claim (NOTES §2)."""
    if bundle.type != "collection":
        raise PasRequestError("value", "A PAS request Bundle has type collection", "Bundle.type")
    entries = bundle.entry or []
    if not entries or not isinstance(entries[0].resource, Claim):
        raise PasRequestError("structure", "The first entry must be a Claim", "Bundle.entry[0]")
    for position, entry in enumerate(entries):
        if not entry.fullUrl:
            raise PasRequestError(
                "required", "Every entry has a fullUrl", f"Bundle.entry[{position}].fullUrl"
            )
    claim = entries[0].resource
    if claim.use != "preauthorization":
        raise PasRequestError(
            "value", "Claim.use must be preauthorization", "Bundle.entry[0].resource.use"
        )
    return claim


def from_pas_request(bundle: Bundle) -> InboundSubmission:
    """What the partner submitted, in the domain's words."""
    claim = request_claim(bundle)
    if bundle.identifier is None or not bundle.identifier.value:
        raise PasRequestError("required", "The Bundle has no identifier", "Bundle.identifier")
    index = BundleIndex(bundle)
    patient = index.get(claim.patient, claim)
    if not isinstance(patient, Patient):
        raise PasRequestError(
            "required",
            "Claim.patient must be a Patient in the Bundle",
            "Bundle.entry[0].resource.patient",
        )
    certification = _certification(claim)
    team = {m.sequence: m for m in claim.careTeam or () if m.sequence is not None}
    requester = provider_from_reference(claim.provider, claim, index)
    priority = PRIORITIES.get(code_of(claim.priority) or "", Priority.STANDARD)
    items = [item for item in claim.item or () if not _cancelled(item)]
    services = tuple(_service(item, claim, index, team, requester, priority) for item in items)
    coverages = _coverages(claim, patient, index)
    insurer = index.get(claim.insurer, claim)
    payer = organization_from_fhir(insurer) if isinstance(insurer, Organization) else None
    return InboundSubmission(
        intake=EhrIntake(
            patient=patient_from_fhir(patient),
            coverages=coverages,
            diagnoses=_diagnoses(claim),
            requested_services=services,
        ),
        sender_reference=bundle.identifier.value,
        channel=InboundChannel.FHIR_PAS,
        payer_identifier=payer.identifiers[0].value if payer and payer.identifiers else None,
        payer_name=payer.name if payer else None,
        priority=RequestPriority(priority.value),
        certification=certification,
        related_reference=_related(claim, index)
        if certification is not CertificationType.NEW
        else None,
        requester=requester,
        category=_category(claim.item or ()),
        attachments=_attachments(claim, index),
        notes=_notes(claim),
        trace_number=trace_number(claim),
    )


def trace_number(claim: Claim) -> str | None:
    """The patient-event trace number (X12 TRN): the Claim's first identifier."""
    return next((i.value for i in claim.identifier or () if i.value), None)


def _certification(claim: Claim) -> CertificationType:
    claim_level = code_of(_value(first(claim.extension, Ext.CERTIFICATION_TYPE)))
    if claim.status == "cancelled" or claim_level in CANCEL_CODES:
        return CertificationType.CANCEL
    changed = any(
        first(item.extension, INFO_CHANGED) or _cancelled(item) for item in claim.item or ()
    )
    if claim.related or changed or claim_level not in (None, INITIAL):
        return CertificationType.UPDATE
    return CertificationType.NEW


def _cancelled(item: ClaimItem) -> bool:
    flag = first(item.modifierExtension, *INFO_CANCELLED) or first(item.extension, *INFO_CANCELLED)
    certification = code_of(_value(first(item.extension, Ext.CERTIFICATION_TYPE)))
    return bool(flag and flag.valueBoolean) or certification in CANCEL_CODES


def _value(extension: Any) -> Any:
    return extension.valueCodeableConcept if extension is not None else None


def _related(claim: Claim, index: BundleIndex) -> str | None:
    """The earlier request an update or cancel names: the related Claim's identifier (2.2.x),
    else this Claim's own trace number (2.0.1 updates keep the original's)."""
    for related in claim.related or ():
        reference = related.claim
        if reference is None:
            continue
        earlier = index.get(reference, claim)
        if isinstance(earlier, Claim) and trace_number(earlier):
            return trace_number(earlier)
        if reference.identifier is not None and reference.identifier.value:
            return reference.identifier.value
    return trace_number(claim)


def _coverages(claim: Claim, patient: Patient, index: BundleIndex) -> tuple[IntakeCoverage, ...]:
    """The Claim's insurances, focal first; the member id falls back to the Patient's
    identifier typed MB, else its first (2.0.1 examples carry it only there)."""
    insurances = sorted(claim.insurance or (), key=lambda i: (not i.focal, i.sequence or 0))
    found = []
    for position, insurance in enumerate(insurances, start=1):
        resource = index.get(insurance.coverage, claim)
        if not isinstance(resource, Coverage):
            continue
        coverage = coverage_from_fhir(resource, index)
        if not coverage.member_id:
            coverage = _with_member_id(coverage, patient)
        found.append(_replace(coverage, order=coverage.order or position))
    return tuple(found)


def _with_member_id(coverage: IntakeCoverage, patient: Patient) -> IntakeCoverage:
    identifiers = [i for i in patient.identifier or () if i.value]
    typed = [i for i in identifiers if code_of(i.type) == ehr_codes.MEMBER_ID_TYPE]
    chosen = (typed or identifiers)[:1]
    return _replace(coverage, member_id=chosen[0].value) if chosen else coverage


def _replace(value: Any, **changes: Any) -> Any:
    return dataclasses.replace(value, **changes)


def _diagnoses(claim: Claim) -> tuple[IntakeDiagnosis, ...]:
    ordered = sorted(claim.diagnosis or (), key=lambda d: d.sequence or 0)
    found = []
    for diagnosis in ordered:
        concept = diagnosis.diagnosisCodeableConcept
        coding = next(
            (
                c
                for c in (concept.coding or () if concept else ())
                if c.code and _is_icd10(c.system)
            ),
            None,
        )
        if coding is not None and coding.code:
            found.append(
                IntakeDiagnosis(coding.code, coding.display, f"diagnosis-{diagnosis.sequence}")
            )
    return tuple(found)


def _is_icd10(system: str | None) -> bool:
    return system is not None and "icd-10" in system.lower()


def _service(
    item: ClaimItem,
    claim: Claim,
    index: BundleIndex,
    team: dict[int, ClaimCareTeam],
    requester: IntakeProvider | None,
    priority: Priority,
) -> RequestedService:
    requested = index.get(_value_reference(item), claim)
    code, system, display = _product(item, requested)
    quantity = item.quantity.value if item.quantity is not None else None
    members = [team[s] for s in item.careTeamSequence or () if s in team] or list(team.values())
    requesting = next(
        (
            provider_from_reference(m.provider, claim, index)
            for m in members
            if _role(m) in REQUESTING_ROLES
        ),
        None,
    )
    servicing = next(
        (
            provider_from_reference(m.provider, claim, index)
            for m in members
            if _role(m) not in REQUESTING_ROLES
        ),
        None,
    )
    return RequestedService(
        ehr_id=f"item-{item.sequence}",
        status="active",
        code=code,
        code_system=system,
        display=display,
        modifiers=tuple(c.code for m in item.modifier or () for c in m.coding or () if c.code),
        quantity=Decimal(str(quantity)) if quantity is not None else None,
        unit=(item.quantity.unit or item.quantity.code) if item.quantity is not None else None,
        occurrence=_occurrence(item),
        priority=priority,
        ehr_priority=code_of(claim.priority),
        category=None,
        reason_codes=(),
        requesting_provider=requesting or requester,
        servicing_provider=servicing,
        facility=_facility(item, claim, index),
        note=_requested_note(requested),
    )


def _value_reference(item: ClaimItem) -> Reference | None:
    extension = first(item.extension, REQUESTED_SERVICE)
    return extension.valueReference if extension is not None else None


def _role(member: ClaimCareTeam) -> str | None:
    return code_of(member.role)


def _product(
    item: ClaimItem, requested: Resource | None
) -> tuple[str | None, ServiceCodeSystem | None, str | None]:
    """The item's CPT / HCPCS / service type code, else the ordered resource's."""
    concepts = [item.productOrService, *_ordered_codes(requested)]
    for concept in concepts:
        for coding in (concept.coding or ()) if concept is not None else ():
            system = ehr_codes.SERVICE_CODE_SYSTEMS.get((coding.system or "").rstrip("/"))
            if system is not None and coding.code:
                if system is ServiceCodeSystem.HCPCS and _CPT.match(coding.code):
                    system = ServiceCodeSystem.CPT  # HCPCS level I is CPT
                return coding.code, system, coding.display or concept.text
    return None, None, None


def _ordered_codes(requested: Resource | None) -> list[Any]:
    """ServiceRequest.code, DeviceRequest.codeCodeableConcept, MedicationRequest's medication."""
    names = ("code", "codeCodeableConcept", "medicationCodeableConcept")
    return [
        getattr(requested, name) for name in names if getattr(requested, name, None) is not None
    ]


def _requested_note(requested: Resource | None) -> str | None:
    notes = getattr(requested, "note", None) or ()
    text = "; ".join(n.text for n in notes if getattr(n, "text", None))
    return text or None


def _occurrence(item: ClaimItem) -> Period:
    if item.servicedPeriod is not None:
        return period_of(item.servicedPeriod)
    day = to_date(item.servicedDate)
    return Period(day, day) if day else Period()


def _facility(item: ClaimItem, claim: Claim, index: BundleIndex) -> IntakeFacility | None:
    place = code_of(item.locationCodeableConcept)
    location = index.get(item.locationReference, claim)
    if isinstance(location, Location):
        facility = facility_from_fhir(location)
        return _replace(facility, place_of_service=facility.place_of_service or place)
    if place:
        return IntakeFacility(None, None, None, None, place)
    return None


def _category(items: Sequence[ClaimItem]) -> RequestCategory:
    for item in items:
        request_type = code_of(_value(first(item.extension, Ext.REQUEST_TYPE))) or ""
        service_type = code_of(item.category, System.SERVICE_TYPE) or code_of(item.category) or ""
        found = CATEGORY_BY_CODES.get((request_type, service_type)) or CATEGORY_BY_REQUEST_TYPE.get(
            request_type
        )
        if found is not None:
            return found
    return RequestCategory.OUTPATIENT_SERVICE


def _attachments(claim: Claim, index: BundleIndex) -> tuple[Document, ...]:
    """supportingInfo documents sent inline (DocumentReference or Binary data, or a
    valueAttachment); documents only pointed at by URL stay with the sender."""
    found = []
    for info in claim.supportingInfo or ():
        target = index.get(info.valueReference, claim) if info.valueReference else None
        if isinstance(target, DocumentReference):
            kind = ATTACHMENT_KINDS.get(code_of(target.type) or "", AttachmentKind.OTHER)
            for part in target.content or ():
                document = _document(part.attachment, kind, target.description, index, claim)
                if document is not None:
                    found.append(document)
        elif isinstance(target, Binary) and target.data:
            data = _decoded(target.data)
            if data and target.contentType:
                found.append(Document(AttachmentKind.OTHER, "Attachment", target.contentType, data))
        elif info.valueAttachment is not None:
            document = _document(info.valueAttachment, AttachmentKind.OTHER, None, index, claim)
            if document is not None:
                found.append(document)
    return tuple(found)


def _document(
    attachment: Any, kind: AttachmentKind, description: str | None, index: BundleIndex, claim: Claim
) -> Document | None:
    content = _decoded(attachment.data) if attachment.data else None
    if content is None and attachment.url:
        binary = index.get(Reference(reference=attachment.url), claim)
        content = _decoded(binary.data) if isinstance(binary, Binary) and binary.data else None
    if not content:
        return None
    title = (attachment.title or description or "Attachment")[:200]
    return Document(kind, title, attachment.contentType or "application/octet-stream", content)


def _decoded(data: Any) -> bytes | None:
    if isinstance(data, bytes):
        try:
            return base64.b64decode(data, validate=True)
        except binascii.Error:
            return data
    try:
        return base64.b64decode(str(data), validate=True)
    except binascii.Error:
        return None


def _notes(claim: Claim) -> str | None:
    texts = [info.valueString for info in claim.supportingInfo or () if info.valueString]
    return "; ".join(texts)[:4000] or None
