"""PartnerRequest -> PAS Request Bundle (submit, cancel) or Inquiry Bundle, with R4B models.

One builder per resource; the Claim's parts (items, diagnoses, care team) have their own.
fullUrls are urn:uuids derived from the request id, so a resend of the same outbox message
(same idempotency key) is the same Bundle."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from fhir.resources.R4B.bundle import Bundle, BundleEntry
from fhir.resources.R4B.claim import (
    Claim,
    ClaimCareTeam,
    ClaimDiagnosis,
    ClaimInsurance,
    ClaimItem,
    ClaimRelated,
)
from fhir.resources.R4B.coverage import Coverage
from fhir.resources.R4B.humanname import HumanName
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from adapters.fhir.pas_codes import (
    CATEGORIES,
    CERTIFICATION_CANCEL,
    CERTIFICATION_INITIAL,
    GENDERS,
    PRIORITIES,
    PRODUCT_SYSTEMS,
    Ext,
    Profile,
    System,
)
from adapters.fhir.pas_elements import (
    concept,
    extension,
    full_url,
    identifier,
    profile,
    reference,
)
from domain.partners.ports import PartnerLine, PartnerRequest


@dataclass(frozen=True)
class _Urls:
    claim: str
    patient: str
    coverage: str
    payer: str
    requester: str
    requesting: str
    servicing: str

    @classmethod
    def of(cls, request_id: uuid.UUID) -> _Urls:
        return cls(*(full_url(request_id, role) for role in cls.__dataclass_fields__))


def to_pas_bundle(request: PartnerRequest, *, bundle_id: uuid.UUID, cancel: bool = False) -> Bundle:
    """The $submit Request Bundle; `cancel` makes its Claim an update cancelling every item."""
    urls = _Urls.of(request.request_id)
    claim = _claim(request, urls, cancel=cancel)
    return _bundle(request, urls, claim, bundle_id, Profile.REQUEST_BUNDLE)


def to_inquiry_bundle(request: PartnerRequest, *, bundle_id: uuid.UUID) -> Bundle:
    """The $inquire Bundle: a Claim Inquiry by our request number, patient, payer, requester."""
    urls = _Urls.of(request.request_id)
    claim = _claim(request, urls, cancel=False)
    claim.meta = profile(Profile.CLAIM_INQUIRY)
    return _bundle(request, urls, claim, bundle_id, Profile.INQUIRY_REQUEST_BUNDLE)


def _bundle(
    request: PartnerRequest, urls: _Urls, claim: Claim, bundle_id: uuid.UUID, kind: str
) -> Bundle:
    resources: list[tuple[str, Resource]] = [
        (urls.claim, claim),
        (urls.patient, _patient(request)),
        (urls.coverage, _coverage(request, urls)),
        (urls.payer, _payer(request)),
        (urls.requester, _requester(request)),
    ]
    if request.requesting_provider_name:
        resources.append((urls.requesting, _practitioner(request, servicing=False)))
    if request.servicing_provider_name:
        resources.append((urls.servicing, _practitioner(request, servicing=True)))
    return Bundle(
        meta=profile(kind),
        identifier=identifier(System.BUNDLE_IDENTIFIER, f"urn:uuid:{bundle_id}"),
        type="collection",
        timestamp=_created(request),
        entry=[BundleEntry(fullUrl=url, resource=resource) for url, resource in resources],
    )


def _created(request: PartnerRequest) -> datetime:
    return request.submitted_at or datetime.now(UTC)


def _claim(request: PartnerRequest, urls: _Urls, *, cancel: bool) -> Claim:
    _request_type, _service_type, claim_type = CATEGORIES[request.category]
    return Claim(
        meta=profile(Profile.CLAIM_UPDATE if cancel else Profile.CLAIM),
        identifier=[identifier(System.REQUEST_NUMBER, request.number)],
        status="cancelled" if cancel else "active",
        type=concept(System.CLAIM_TYPE, claim_type),
        use="preauthorization",
        patient=reference(urls.patient),
        created=_created(request),
        insurer=reference(urls.payer),
        provider=reference(urls.requester),
        priority=concept(System.PRIORITY, PRIORITIES[request.priority]),
        related=[ClaimRelated(claim=Reference(identifier=_request_number(request)))]
        if cancel
        else None,
        careTeam=_care_team(request, urls) or None,
        diagnosis=[
            ClaimDiagnosis(
                sequence=position,
                diagnosisCodeableConcept=concept(System.ICD10_CM, code),
            )
            for position, code in enumerate(request.diagnoses, start=1)
        ]
        or None,
        insurance=[ClaimInsurance(sequence=1, focal=True, coverage=reference(urls.coverage))],
        item=[_item(request, line, cancel=cancel) for line in request.lines],
    )


def _request_number(request: PartnerRequest) -> Identifier:
    return identifier(System.REQUEST_NUMBER, request.number)


def _care_team(request: PartnerRequest, urls: _Urls) -> list[ClaimCareTeam]:
    team = []
    if request.requesting_provider_name:
        team.append(("referring", urls.requesting))
    if request.servicing_provider_name:
        team.append(("primary", urls.servicing))
    return [
        ClaimCareTeam(
            sequence=position,
            provider=reference(url),
            role=concept(System.CARE_TEAM_ROLE, role),
        )
        for position, (role, url) in enumerate(team, start=1)
    ]


def _item(request: PartnerRequest, line: PartnerLine, *, cancel: bool) -> ClaimItem:
    request_type, service_type, _claim_type = CATEGORIES[request.category]
    certification = CERTIFICATION_CANCEL if cancel else CERTIFICATION_INITIAL
    period = None
    if line.requested_start or line.requested_end:
        period = Period(start=line.requested_start, end=line.requested_end or line.requested_start)
    return ClaimItem(
        extension=[
            extension(
                Ext.REQUEST_TYPE, valueCodeableConcept=concept(System.REQUEST_TYPE, request_type)
            ),
            extension(
                Ext.CERTIFICATION_TYPE,
                valueCodeableConcept=concept(System.CERTIFICATION_TYPE, certification),
            ),
        ],
        sequence=line.sequence,
        category=concept(System.SERVICE_TYPE, service_type),
        productOrService=concept(
            PRODUCT_SYSTEMS[line.code_system], line.service_code or service_type
        ),
        modifier=[concept(PRODUCT_SYSTEMS[line.code_system], m) for m in line.modifiers] or None,
        quantity=Quantity(value=line.quantity, unit=line.unit_of_measure),
        servicedPeriod=period,
        locationCodeableConcept=concept(System.PLACE_OF_SERVICE, line.place_of_service)
        if line.place_of_service
        else None,
    )


def _patient(request: PartnerRequest) -> Patient:
    return Patient(
        meta=profile(Profile.SUBSCRIBER),
        identifier=[identifier(System.MEMBER_ID, request.member_id)] if request.member_id else None,
        name=[HumanName(family=request.patient_family_name, given=[request.patient_given_name])],
        birthDate=request.patient_birth_date,
        gender=GENDERS.get(request.patient_sex or "UNKNOWN", "unknown"),
    )


def _coverage(request: PartnerRequest, urls: _Urls) -> Coverage:
    return Coverage(
        meta=profile(Profile.COVERAGE),
        status="active",
        subscriberId=request.member_id,
        beneficiary=reference(urls.patient),
        payor=[reference(urls.payer)],
    )


def _payer(request: PartnerRequest) -> Organization:
    return Organization(
        meta=profile(Profile.INSURER),
        identifier=[
            Identifier(type=concept(System.IDENTIFIER_TYPE, "NIIP"), value=request.payer_identifier)
        ]
        if request.payer_identifier
        else None,
        type=[concept(System.ENTITY_IDENTIFIER, "PR")],
        name=request.payer_name,
    )


def _requester(request: PartnerRequest) -> Organization:
    return Organization(
        meta=profile(Profile.REQUESTOR),
        identifier=[identifier(System.NPI, request.requester_npi)]
        if request.requester_npi
        else None,
        type=[concept(System.ENTITY_IDENTIFIER, "X3")],
        name=request.requester_name,
    )


def _practitioner(request: PartnerRequest, *, servicing: bool) -> Practitioner:
    name = request.servicing_provider_name if servicing else request.requesting_provider_name
    npi = request.servicing_provider_npi if servicing else request.requesting_provider_npi
    return Practitioner(
        meta=profile(Profile.PRACTITIONER),
        identifier=[identifier(System.NPI, npi)] if npi else None,
        name=[HumanName(text=name)],
    )
