"""Pure rules of the provider directory: input checks, NPI, who manages whom, distance math."""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from domain.catalog.rules import CURRENCY
from domain.errors import ErrorCode, ErrorCollector, forbidden
from domain.identifiers import EMAIL, is_valid_npi
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.people.rules import check_coordinates, check_language
from domain.providers.models import NetworkStatus, ProviderKind

TAXONOMY_CODE = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")
WEBSITE = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
OPENS = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
CLOSES = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
KM_PER_DEGREE = EARTH_RADIUS_KM * math.pi / 180.0
DEFAULT_RADIUS_KM = 40.0
MAX_RADIUS_KM = 1000.0
MAX_SEARCH_WORDS = 5

NETWORK_MANAGING_ORGANIZATIONS = (OrganizationKind.AGENCY, OrganizationKind.PAYER)


@dataclass(frozen=True, slots=True)
class OpeningHours:
    day: str
    opens: str
    closes: str


@dataclass(frozen=True, slots=True)
class LocationData:
    latitude: float
    longitude: float
    name: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    phone: str | None = None
    hours: tuple[OpeningHours, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecialtyData:
    code: str
    display: str
    is_primary: bool = False


@dataclass(frozen=True, slots=True)
class ServiceOfferData:
    benefit_id: uuid.UUID
    rate: Decimal | None = None
    currency: str = "USD"
    active: bool = True


@dataclass(frozen=True, slots=True)
class ProviderData:
    """Everything about a provider; on update the child collections are replaced.

    `network_status` None keeps the current status (PENDING for a new provider)."""

    organization_id: uuid.UUID
    kind: ProviderKind
    name: str
    npi: str | None = None
    parent_provider_id: uuid.UUID | None = None
    description: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    accepting_referrals: bool = True
    capacity: int | None = None
    network_status: NetworkStatus | None = None
    locations: tuple[LocationData, ...] = ()
    specialties: tuple[SpecialtyData, ...] = ()
    services: tuple[ServiceOfferData, ...] = ()
    languages: tuple[str, ...] = ()


class Coordinates(Protocol):
    @property
    def latitude(self) -> float: ...

    @property
    def longitude(self) -> float: ...


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A point on the globe; as a search criterion, the centre of a circle of `radius_km`."""

    latitude: float
    longitude: float
    radius_km: float = DEFAULT_RADIUS_KM


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """Provider search; every criterion given must hold. `specialty` is a taxonomy code."""

    specialty: str | None = None
    benefit_id: uuid.UUID | None = None
    near: GeoPoint | None = None
    accepting_referrals: bool | None = None
    language: str | None = None
    text: str | None = None
    network_status: NetworkStatus | None = None


def check_provider(data: ProviderData) -> None:
    """Raise ValidationErrors listing everything wrong with `data`."""
    errors = ErrorCollector()
    errors.check_lengths(
        {"name": data.name, "phone": data.phone, "email": data.email, "website": data.website},
        {"name": 200, "phone": 40, "email": 254, "website": 500},
    )
    if not data.name.strip():
        errors.add(ErrorCode.REQUIRED, "Name is required", "name")
    if data.npi is not None and not is_valid_npi(data.npi):
        errors.add(ErrorCode.INVALID_NPI, "An NPI is 10 digits with a valid check digit", "npi")
    if data.email is not None and not EMAIL.fullmatch(data.email):
        errors.add(ErrorCode.INVALID, "Email address is not valid", "email")
    if data.website is not None and not WEBSITE.fullmatch(data.website):
        errors.add(ErrorCode.INVALID, "Website is an http(s) address", "website")
    if data.capacity is not None and data.capacity < 0:
        errors.add(ErrorCode.INVALID, "Capacity cannot be negative", "capacity")
    for index, location in enumerate(data.locations):
        _check_location(errors, location, f"locations.{index}")
    _check_specialties(errors, data.specialties)
    _check_services(errors, data.services)
    seen: set[str] = set()
    for index, language in enumerate(data.languages):
        check_language(errors, language, f"languages.{index}")
        errors.check_lengths({f"languages.{index}": language}, {f"languages.{index}": 35})
        if language.lower() in seen:
            errors.add(ErrorCode.DUPLICATE, "Language given twice", f"languages.{index}")
        seen.add(language.lower())
    errors.raise_if_any()


LOCATION_LIMITS = {
    "name": 200,
    "addressLine1": 200,
    "addressLine2": 200,
    "city": 100,
    "state": 50,
    "postalCode": 20,
    "phone": 40,
}


def _check_location(errors: ErrorCollector, location: LocationData, field: str) -> None:
    check_coordinates(errors, location.latitude, location.longitude, field)
    errors.check_lengths(
        {
            f"{field}.name": location.name,
            f"{field}.addressLine1": location.address_line1,
            f"{field}.addressLine2": location.address_line2,
            f"{field}.city": location.city,
            f"{field}.state": location.state,
            f"{field}.postalCode": location.postal_code,
            f"{field}.phone": location.phone,
        },
        {f"{field}.{key}": limit for key, limit in LOCATION_LIMITS.items()},
    )
    if location.country is not None and len(location.country) != 2:
        errors.add(ErrorCode.INVALID, "Country is a two-letter ISO code", f"{field}.country")
    for index, hours in enumerate(location.hours):
        at = f"{field}.hours.{index}"
        if hours.day not in DAYS:
            errors.add(ErrorCode.INVALID, "Day is one of MON, TUE, ... SUN", at)
        elif not OPENS.fullmatch(hours.opens) or not CLOSES.fullmatch(hours.closes):
            errors.add(ErrorCode.INVALID, "Times are HH:MM on a 24-hour clock", at)
        elif hours.closes <= hours.opens:
            errors.add(ErrorCode.INVALID, "Closing time is after opening time", at)


def _check_specialties(errors: ErrorCollector, specialties: tuple[SpecialtyData, ...]) -> None:
    seen: set[str] = set()
    for index, specialty in enumerate(specialties):
        if not TAXONOMY_CODE.fullmatch(specialty.code):
            errors.add(
                ErrorCode.INVALID,
                "Use a NUCC taxonomy code such as 101YM0800X",
                f"specialties.{index}.code",
            )
        elif specialty.code in seen:
            errors.add(ErrorCode.DUPLICATE, "Specialty given twice", f"specialties.{index}.code")
        seen.add(specialty.code)
        if not specialty.display.strip():
            errors.add(ErrorCode.REQUIRED, "Display is required", f"specialties.{index}.display")
        errors.check_lengths(
            {f"specialties.{index}.display": specialty.display},
            {f"specialties.{index}.display": 200},
        )
    if sum(s.is_primary for s in specialties) > 1:
        errors.add(ErrorCode.INVALID, "Only one specialty can be primary", "specialties")


def _check_services(errors: ErrorCollector, services: tuple[ServiceOfferData, ...]) -> None:
    seen: set[uuid.UUID] = set()
    for index, service in enumerate(services):
        if service.benefit_id in seen:
            errors.add(ErrorCode.DUPLICATE, "Benefit given twice", f"services.{index}.benefitId")
        seen.add(service.benefit_id)
        if service.rate is not None and service.rate < 0:
            errors.add(ErrorCode.INVALID, "Rate cannot be negative", f"services.{index}.rate")
        if not CURRENCY.fullmatch(service.currency):
            errors.add(
                ErrorCode.INVALID,
                "Currency is an ISO 4217 code such as USD",
                f"services.{index}.currency",
            )


def check_search(criteria: SearchCriteria) -> None:
    """Raise ValidationErrors for criteria that could never match or would scan the globe."""
    errors = ErrorCollector()
    if criteria.specialty is not None and not TAXONOMY_CODE.fullmatch(criteria.specialty):
        errors.add(ErrorCode.INVALID, "Use a NUCC taxonomy code such as 101YM0800X", "specialty")
    check_language(errors, criteria.language, "language")
    near = criteria.near
    if near is not None:
        check_coordinates(errors, near.latitude, near.longitude, "near")
        if not 0.0 < near.radius_km <= MAX_RADIUS_KM:
            errors.add(
                ErrorCode.INVALID,
                f"Radius is more than 0 and at most {MAX_RADIUS_KM:g} km",
                "near.radiusKm",
            )
    errors.raise_if_any()


def primary_language(tag: str) -> str:
    """The primary subtag, lower case: 'es-MX' -> 'es'."""
    return tag.split("-", 1)[0].lower()


def search_words(text: str | None) -> list[str]:
    return [word for word in (text or "").lower().split() if word][:MAX_SEARCH_WORDS]


def manages_network(actor: Principal) -> bool:
    """Network staff (and administrators) of an agency or payer manage every provider."""
    return actor.organization_kind in NETWORK_MANAGING_ORGANIZATIONS and (
        actor.is_admin or actor.has_any(Role.NETWORK_STAFF)
    )


def may_manage_provider(actor: Principal, organization_id: uuid.UUID) -> bool:
    """Network managers manage every provider; anyone else only their own organisation's."""
    return manages_network(actor) or actor.organization_id == organization_id


def check_network_status_change(
    actor: Principal, wanted: NetworkStatus | None, current: NetworkStatus
) -> None:
    """Only the network decides who is in it: a provider's own staff cannot."""
    if wanted is not None and wanted is not current and not manages_network(actor):
        raise forbidden("Only network staff change a provider's network status", "networkStatus")


def haversine_km(a: Coordinates, b: Coordinates) -> float:
    """Great-circle distance on the mean Earth sphere."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """Degrees; `west > east` when the box crosses the antimeridian (as in GeoJSON)."""

    south: float
    north: float
    west: float
    east: float

    @property
    def crosses_antimeridian(self) -> bool:
        return self.west > self.east


def bounding_box(point: Coordinates, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within `radius_km` of `point`.

    After J. P. Matuschek, "Finding Points Within a Distance of a Latitude/Longitude"."""
    angular = radius_km / EARTH_RADIUS_KM
    lat, lon = math.radians(point.latitude), math.radians(point.longitude)
    south, north = lat - angular, lat + angular
    if south <= -math.pi / 2 or north >= math.pi / 2:
        # A pole lies within the circle: every longitude does.
        return BoundingBox(
            math.degrees(max(south, -math.pi / 2)), math.degrees(min(north, math.pi / 2)), -180, 180
        )
    half_width = math.asin(math.sin(angular) / math.cos(lat))
    west, east = lon - half_width, lon + half_width
    if west < -math.pi:
        west += 2 * math.pi
    if east > math.pi:
        east -= 2 * math.pi
    return BoundingBox(
        math.degrees(south), math.degrees(north), math.degrees(west), math.degrees(east)
    )


@dataclass(frozen=True, slots=True)
class Equirectangular:
    """Coefficients of the ranking distance, plain arithmetic a database can compute:

    d2 = (latitude - origin_latitude)² + ((longitude' - origin_longitude) · longitude_scale)²

    in degrees², where longitude_scale = cos(origin latitude) and longitude' is the longitude
    shifted by `wrap` degrees when it lies across the antimeridian from the origin."""

    origin_latitude: float
    origin_longitude: float
    longitude_scale: float
    max_d2: float
    wrap: float

    def distance_sq(self, latitude: float, longitude: float) -> float:
        if self.wrap and (longitude < 0) == (self.wrap > 0):
            longitude += self.wrap
        dlat = latitude - self.origin_latitude
        dlon = longitude - self.origin_longitude
        k = self.longitude_scale
        # The order of the SQL expression, so both round alike.
        return dlat * dlat + dlon * k * dlon * k

    @staticmethod
    def to_km(d2: float) -> float:
        return math.sqrt(d2) * KM_PER_DEGREE


def equirectangular(near: GeoPoint) -> Equirectangular:
    """The ranking coefficients around `near`; `max_d2` is the radius in degrees, squared."""
    box = bounding_box(near, near.radius_km)
    wrap = 0.0
    if box.crosses_antimeridian:
        wrap = 360.0 if near.longitude > 0 else -360.0
    return Equirectangular(
        origin_latitude=near.latitude,
        origin_longitude=near.longitude,
        longitude_scale=math.cos(math.radians(near.latitude)),
        max_d2=(near.radius_km / KM_PER_DEGREE) ** 2,
        wrap=wrap,
    )
