"""Pure checks on a person's data: collected, so one answer names every problem."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from domain.errors import ErrorCode, ErrorCollector
from domain.identifiers import EMAIL
from domain.people.models import IdentifierSystem, Sex

LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    system: IdentifierSystem
    value: str


@dataclass(frozen=True, slots=True)
class PersonData:
    given_name: str
    family_name: str
    middle_name: str | None = None
    birth_date: date | None = None
    sex: Sex = Sex.UNKNOWN
    preferred_language: str | None = None
    phone: str | None = None
    email: str | None = None
    address: Address = field(default_factory=Address)
    identifiers: tuple[Identifier, ...] = ()


def check_coordinates(
    errors: ErrorCollector, latitude: float | None, longitude: float | None, field: str
) -> None:
    """Both or neither, and within the globe."""
    if (latitude is None) != (longitude is None):
        errors.add(ErrorCode.INVALID_COORDINATES, "Give both latitude and longitude", field)
    elif (
        latitude is not None
        and longitude is not None
        and (not -90.0 <= latitude <= 90.0 or not -180.0 <= longitude <= 180.0)
    ):
        errors.add(ErrorCode.INVALID_COORDINATES, "Coordinates are off the globe", field)


def check_language(errors: ErrorCollector, tag: str | None, field: str) -> None:
    if tag is not None and not LANGUAGE_TAG.match(tag):
        errors.add(ErrorCode.INVALID, "Use a BCP 47 language tag such as 'en' or 'es-MX'", field)


PERSON_LIMITS = {
    "givenName": 100,
    "middleName": 100,
    "familyName": 100,
    "preferredLanguage": 35,
    "phone": 40,
    "email": 254,
    "address.line1": 200,
    "address.line2": 200,
    "address.city": 100,
    "address.state": 50,
    "address.postalCode": 20,
}
IDENTIFIER_VALUE_LIMIT = 80
COVERAGE_LIMITS = {"memberId": 80, "planName": 200, "groupNumber": 80}


def check_person(data: PersonData, today: date) -> None:
    """Raise ValidationErrors listing everything wrong with `data`."""
    errors = ErrorCollector()
    address = data.address
    errors.check_lengths(
        {
            "givenName": data.given_name,
            "middleName": data.middle_name,
            "familyName": data.family_name,
            "preferredLanguage": data.preferred_language,
            "phone": data.phone,
            "email": data.email,
            "address.line1": address.line1,
            "address.line2": address.line2,
            "address.city": address.city,
            "address.state": address.state,
            "address.postalCode": address.postal_code,
        },
        PERSON_LIMITS,
    )
    if not data.given_name.strip():
        errors.add(ErrorCode.REQUIRED, "Given name is required", "givenName")
    if not data.family_name.strip():
        errors.add(ErrorCode.REQUIRED, "Family name is required", "familyName")
    if data.birth_date is not None and data.birth_date > today:
        errors.add(ErrorCode.INVALID, "Birth date is in the future", "birthDate")
    if data.email is not None and not EMAIL.match(data.email):
        errors.add(ErrorCode.INVALID, "Email address is not valid", "email")
    check_language(errors, data.preferred_language, "preferredLanguage")
    check_coordinates(errors, data.address.latitude, data.address.longitude, "address")
    if data.address.country is not None and len(data.address.country) != 2:
        errors.add(ErrorCode.INVALID, "Country is a two-letter ISO code", "address.country")
    seen: set[tuple[IdentifierSystem, str]] = set()
    for index, identifier in enumerate(data.identifiers):
        key = (identifier.system, identifier.value.strip())
        if not key[1]:
            errors.add(ErrorCode.REQUIRED, "Identifier value is required", f"identifiers.{index}")
        elif len(key[1]) > IDENTIFIER_VALUE_LIMIT:
            errors.add(
                ErrorCode.INVALID,
                f"At most {IDENTIFIER_VALUE_LIMIT} characters",
                f"identifiers.{index}",
            )
        elif key in seen:
            errors.add(ErrorCode.DUPLICATE, "Identifier given twice", f"identifiers.{index}")
        seen.add(key)
    errors.raise_if_any()


def check_coverage(
    start: date, end: date | None, member_id: str, plan_name: str, group_number: str | None
) -> None:
    errors = ErrorCollector()
    errors.check_lengths(
        {"memberId": member_id, "planName": plan_name, "groupNumber": group_number},
        COVERAGE_LIMITS,
    )
    if not member_id.strip():
        errors.add(ErrorCode.REQUIRED, "Member id is required", "memberId")
    if not plan_name.strip():
        errors.add(ErrorCode.REQUIRED, "Plan name is required", "planName")
    if end is not None and end < start:
        errors.add(ErrorCode.INVALID_PERIOD, "Coverage ends before it starts", "periodEnd")
    errors.raise_if_any()
