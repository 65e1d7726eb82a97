"""Pure rules of provider network management: the applicant's data and its checks, the
checklist a submitted application gets, merge fields, payment terms, version diffs."""

from __future__ import annotations

import dataclasses
import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.identifiers import EMAIL, is_valid_npi
from domain.network.models import CredentialKind, VerificationSourceKind
from domain.providers.models import ProviderKind
from domain.providers.rules import (
    LocationData,
    OpeningHours,
    ProviderData,
    ServiceOfferData,
    SpecialtyData,
    check_provider,
)

STATE = re.compile(r"[A-Z]{2}")
CAMPAIGN_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,39}")


# Credentials the applicant lists (NPI and sanctions checks are added on submission).
APPLICANT_CREDENTIALS = (
    CredentialKind.LICENSE,
    CredentialKind.BOARD_CERTIFICATION,
    CredentialKind.EDUCATION,
    CredentialKind.MALPRACTICE_INSURANCE,
)

# Which verification source can verify which credential; the others are verified in-house.
SOURCES: dict[CredentialKind, VerificationSourceKind] = {
    CredentialKind.NPI: VerificationSourceKind.NPI_REGISTRY,
    CredentialKind.LICENSE: VerificationSourceKind.LICENSE_BOARD,
    CredentialKind.SANCTIONS_CHECK: VerificationSourceKind.SANCTIONS_LIST,
}


@dataclass(frozen=True, slots=True)
class PracticeData:
    kind: ProviderKind
    name: str
    npi: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class PractitionerData:
    name: str
    npi: str
    degree: str | None = None
    specialty_code: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialData:
    kind: CredentialKind
    subject_npi: str | None
    number: str | None = None
    issuer: str | None = None
    state: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ApplicationData:
    """Everything an applicant enters; a draft may be incomplete, a submission may not."""

    practice: PracticeData
    practitioners: tuple[PractitionerData, ...] = ()
    locations: tuple[LocationData, ...] = ()
    specialties: tuple[SpecialtyData, ...] = ()
    services: tuple[ServiceOfferData, ...] = ()
    languages: tuple[str, ...] = ()
    credentials: tuple[CredentialData, ...] = ()


def provider_data(data: ApplicationData, organization_id: uuid.UUID) -> ProviderData:
    """The practice as a directory entry."""
    p = data.practice
    return ProviderData(
        organization_id=organization_id,
        kind=p.kind,
        name=p.name,
        npi=p.npi,
        description=p.description,
        phone=p.phone,
        email=p.email,
        website=p.website,
        locations=data.locations,
        specialties=data.specialties,
        services=data.services,
        languages=data.languages,
    )


def check_draft(data: ApplicationData, organization_id: uuid.UUID) -> None:
    """What a draft may not hold even half-finished: malformed values."""
    errors = ErrorCollector()
    try:
        check_provider(provider_data(data, organization_id))
    except DomainError as error:
        for e in getattr(error, "errors", [error]):
            at = e.field or ""
            errors.add(e.code, e.message, at if at.split(".")[0] in _TOP else f"practice.{at}")
    npis: set[str] = set()
    for index, person in enumerate(data.practitioners):
        at = f"practitioners.{index}"
        errors.check_lengths({f"{at}.name": person.name}, {f"{at}.name": 200})
        if not person.name.strip():
            errors.add(ErrorCode.REQUIRED, "Name the practitioner", f"{at}.name")
        if not is_valid_npi(person.npi):
            errors.add(ErrorCode.INVALID_NPI, "An NPI is 10 digits with a valid check digit", at)
        if person.npi in npis:
            errors.add(ErrorCode.DUPLICATE, "Practitioner listed twice", f"{at}.npi")
        npis.add(person.npi)
    for index, credential in enumerate(data.credentials):
        _check_credential(errors, credential, npis, f"credentials.{index}")
    errors.raise_if_any()


_TOP = {"locations", "specialties", "services", "languages"}


def _check_credential(
    errors: ErrorCollector, credential: CredentialData, npis: set[str], at: str
) -> None:
    if credential.kind not in APPLICANT_CREDENTIALS:
        errors.add(ErrorCode.INVALID, "NPI and sanctions checks are added for you", f"{at}.kind")
    if credential.subject_npi is not None and credential.subject_npi not in npis:
        errors.add(ErrorCode.NOT_FOUND, "No practitioner with this NPI", f"{at}.subjectNpi")
    if credential.state is not None and not STATE.fullmatch(credential.state):
        errors.add(ErrorCode.INVALID, "State is a two-letter code such as PA", f"{at}.state")
    errors.check_lengths(
        {f"{at}.number": credential.number, f"{at}.issuer": credential.issuer},
        {f"{at}.number": 80, f"{at}.issuer": 200},
    )
    if (
        credential.issued_on
        and credential.expires_on
        and credential.expires_on < credential.issued_on
    ):
        errors.add(ErrorCode.INVALID_PERIOD, "It expires before it was issued", f"{at}.expiresOn")


def check_submission(data: ApplicationData, today: date) -> None:
    """A complete application: who, where, what, and a licence and insurance that hold."""
    errors = ErrorCollector()
    if not data.locations:
        errors.add(ErrorCode.REQUIRED, "Give at least one location", "locations")
    if not data.specialties:
        errors.add(ErrorCode.REQUIRED, "Give at least one specialty", "specialties")
    if not data.practitioners:
        errors.add(ErrorCode.REQUIRED, "List the practitioners", "practitioners")
    kinds = {(c.kind, c.subject_npi) for c in data.credentials}
    for index, person in enumerate(data.practitioners):
        if (CredentialKind.LICENSE, person.npi) not in kinds:
            errors.add(
                ErrorCode.REQUIRED, "Each practitioner has a licence", f"practitioners.{index}"
            )
    if not any(c.kind is CredentialKind.MALPRACTICE_INSURANCE for c in data.credentials):
        errors.add(ErrorCode.REQUIRED, "Give the malpractice insurance", "credentials")
    for index, credential in enumerate(data.credentials):
        at = f"credentials.{index}"
        if credential.kind is CredentialKind.LICENSE and not (
            credential.number and credential.state
        ):
            errors.add(ErrorCode.REQUIRED, "A licence has its number and state", at)
        if credential.expires_on is not None and credential.expires_on <= today:
            errors.add(ErrorCode.INVALID, "This has expired", f"{at}.expiresOn")
    errors.raise_if_any()


def checklist(data: ApplicationData) -> list[CredentialData]:
    """The credentials to verify: the applicant's, plus the NPI of the practice and of each
    practitioner, and a sanctions check of each practitioner."""
    items: list[CredentialData] = []
    if data.practice.npi:
        items.append(CredentialData(CredentialKind.NPI, None, number=data.practice.npi))
    for person in data.practitioners:
        items.append(CredentialData(CredentialKind.NPI, person.npi, number=person.npi))
        items.append(CredentialData(CredentialKind.SANCTIONS_CHECK, person.npi))
    return items + list(data.credentials)


def subject_name(data: ApplicationData, npi: str | None) -> str:
    for person in data.practitioners:
        if person.npi == npi:
            return person.name
    return data.practice.name


# -- JSON of the stored draft -------------------------------------------------------------


def to_json(value: Any) -> Any:
    """Dataclasses, enums, dates and decimals as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, (date, Decimal, uuid.UUID)):
        return str(value)
    return value


def location_from_json(item: dict[str, Any]) -> LocationData:
    hours = tuple(OpeningHours(**h) for h in item.get("hours", ()))
    return LocationData(**{**item, "hours": hours})


def service_from_json(item: dict[str, Any]) -> ServiceOfferData:
    rate = item.get("rate")
    return ServiceOfferData(
        benefit_id=uuid.UUID(item["benefit_id"]),
        rate=None if rate is None else Decimal(rate),
        currency=item.get("currency", "USD"),
        active=item.get("active", True),
    )


def practice_from_json(item: dict[str, Any]) -> PracticeData:
    return PracticeData(**{**item, "kind": ProviderKind(item["kind"])})


def check_email(value: str, field_name: str) -> None:
    if not EMAIL.fullmatch(value.strip()) or len(value) > 254:
        raise DomainError(ErrorCode.INVALID, "Email address is not valid", field_name)
