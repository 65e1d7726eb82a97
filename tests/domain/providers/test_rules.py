"""Provider rules without a database: NPI, input checks, who manages whom, distance math."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, ErrorCode, ValidationErrors
from domain.identifiers import is_valid_npi, npi_check_digit
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.providers.models import NetworkStatus, ProviderKind
from domain.providers.rules import (
    EARTH_RADIUS_KM,
    MAX_RADIUS_KM,
    GeoPoint,
    LocationData,
    OpeningHours,
    ProviderData,
    SearchCriteria,
    ServiceOfferData,
    SpecialtyData,
    bounding_box,
    check_network_status_change,
    check_provider,
    check_search,
    equirectangular,
    haversine_km,
    manages_network,
    may_manage_provider,
    primary_language,
)

NEW_YORK = GeoPoint(40.7128, -74.0060)
LOS_ANGELES = GeoPoint(34.0522, -118.2437)
LONDON = GeoPoint(51.5074, -0.1278)
PARIS = GeoPoint(48.8566, 2.3522)
SYDNEY = GeoPoint(-33.8688, 151.2093)
PHILADELPHIA = GeoPoint(39.9526, -75.1652)

ORG = uuid.uuid4()
FULLWIDTH_NPI = "".join(chr(0xFF10 + int(digit)) for digit in "1234567893")
GOOD = ProviderData(
    organization_id=ORG,
    kind=ProviderKind.ORGANIZATION,
    name="Cosville Counseling",
    npi="1234567893",
    email="intake@counseling.example",
    website="https://counseling.example",
    capacity=10,
    locations=(
        LocationData(
            39.95,
            -75.16,
            name="Main office",
            country="US",
            hours=(OpeningHours("MON", "09:00", "17:00"), OpeningHours("SAT", "00:00", "24:00")),
        ),
    ),
    specialties=(SpecialtyData("101YM0800X", "Mental Health Counselor", is_primary=True),),
    services=(ServiceOfferData(uuid.uuid4(), Decimal("85.00")),),
    languages=("en", "es-MX"),
)


def _principal(kind: OrganizationKind, *roles: Role, organization_id: uuid.UUID = ORG) -> Principal:
    return Principal(uuid.uuid4(), organization_id, kind, frozenset(roles))


def _problems(data: ProviderData) -> set[tuple[ErrorCode, str | None]]:
    with pytest.raises(ValidationErrors) as caught:
        check_provider(data)
    return {(e.code, e.field) for e in caught.value.errors}


def test_npi_with_the_right_check_digit_is_valid():
    assert is_valid_npi("1234567893")
    assert not is_valid_npi("1234567890")


@pytest.mark.parametrize("npi", ["123456789", "12345678931", "123456789X", FULLWIDTH_NPI, ""])
def test_npi_is_exactly_ten_ascii_digits(npi):
    assert not is_valid_npi(npi)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_a_number_with_its_computed_check_digit_always_validates(base):
    assert is_valid_npi(base + str(npi_check_digit(base)))


@given(
    st.text(alphabet="0123456789", min_size=9, max_size=9),
    st.integers(min_value=0, max_value=9),
    st.integers(min_value=1, max_value=9),
)
def test_changing_any_single_digit_of_a_valid_npi_breaks_it(base, position, delta):
    npi = base + str(npi_check_digit(base))
    changed = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1 :]
    assert not is_valid_npi(changed)


def test_sound_provider_passes_the_checks():
    check_provider(GOOD)


def test_invalid_provider_reports_every_problem_at_once():
    benefit = uuid.uuid4()
    bad = ProviderData(
        organization_id=ORG,
        kind=ProviderKind.PRACTITIONER,
        name="  ",
        npi="1234567890",
        email="not-an-email",
        website="ftp://example.test",
        capacity=-1,
        locations=(
            LocationData(91.0, 0.0, country="USA"),
            LocationData(
                40.0,
                -75.0,
                hours=(
                    OpeningHours("MONDAY", "09:00", "17:00"),
                    OpeningHours("TUE", "9am", "17:00"),
                    OpeningHours("WED", "17:00", "09:00"),
                ),
            ),
        ),
        specialties=(
            SpecialtyData("101YM0800", "Counselor", is_primary=True),
            SpecialtyData("363LF0000X", " ", is_primary=True),
            SpecialtyData("363LF0000X", "Family Nurse Practitioner"),
        ),
        services=(
            ServiceOfferData(benefit, Decimal("-1")),
            ServiceOfferData(benefit, currency="usd"),
        ),
        languages=("en", "EN", "english language"),
    )
    assert _problems(bad) == {
        (ErrorCode.REQUIRED, "name"),
        (ErrorCode.INVALID_NPI, "npi"),
        (ErrorCode.INVALID, "email"),
        (ErrorCode.INVALID, "website"),
        (ErrorCode.INVALID, "capacity"),
        (ErrorCode.INVALID_COORDINATES, "locations.0"),
        (ErrorCode.INVALID, "locations.0.country"),
        (ErrorCode.INVALID, "locations.1.hours.0"),
        (ErrorCode.INVALID, "locations.1.hours.1"),
        (ErrorCode.INVALID, "locations.1.hours.2"),
        (ErrorCode.INVALID, "specialties.0.code"),
        (ErrorCode.REQUIRED, "specialties.1.display"),
        (ErrorCode.DUPLICATE, "specialties.2.code"),
        (ErrorCode.INVALID, "specialties"),
        (ErrorCode.INVALID, "services.0.rate"),
        (ErrorCode.DUPLICATE, "services.1.benefitId"),
        (ErrorCode.INVALID, "services.1.currency"),
        (ErrorCode.DUPLICATE, "languages.1"),
        (ErrorCode.INVALID, "languages.2"),
    }


@pytest.mark.parametrize("code", ["101YM0800X", "363LF0000X", "207Q00000X"])
def test_nucc_taxonomy_codes_are_accepted_as_specialties(code):
    check_search(SearchCriteria(specialty=code))


@pytest.mark.parametrize(
    "code", ["101ym0800x", "101YM0800", "A01YM0800X", "101YM0800Y", "101YM0800X "]
)
def test_malformed_taxonomy_codes_are_refused_in_search(code):
    with pytest.raises(ValidationErrors) as caught:
        check_search(SearchCriteria(specialty=code))
    assert (caught.value.code, caught.value.field) == (ErrorCode.INVALID, "specialty")


@pytest.mark.parametrize("radius", [0.0, -5.0, MAX_RADIUS_KM + 1])
def test_search_radius_is_positive_and_bounded(radius):
    with pytest.raises(ValidationErrors) as caught:
        check_search(SearchCriteria(near=GeoPoint(40.0, -75.0, radius)))
    assert caught.value.field == "near.radiusKm"


def test_search_point_must_be_on_the_globe_and_language_a_tag():
    with pytest.raises(ValidationErrors) as caught:
        check_search(SearchCriteria(near=GeoPoint(40.0, 181.0), language="Spanish!"))
    assert {(e.code, e.field) for e in caught.value.errors} == {
        (ErrorCode.INVALID_COORDINATES, "near"),
        (ErrorCode.INVALID, "language"),
    }


@pytest.mark.parametrize(("tag", "primary"), [("es", "es"), ("es-MX", "es"), ("ZH-Hant-TW", "zh")])
def test_language_search_uses_the_primary_subtag(tag, primary):
    assert primary_language(tag) == primary


def test_network_staff_of_agencies_and_payers_manage_every_provider():
    elsewhere = uuid.uuid4()
    assert manages_network(_principal(OrganizationKind.AGENCY, Role.NETWORK_STAFF))
    assert manages_network(_principal(OrganizationKind.PAYER, Role.NETWORK_STAFF))
    assert manages_network(_principal(OrganizationKind.PAYER, Role.ADMIN))
    assert may_manage_provider(_principal(OrganizationKind.AGENCY, Role.NETWORK_STAFF), elsewhere)


def test_provider_staff_manage_only_their_own_organizations_providers():
    staff = _principal(OrganizationKind.PROVIDER, Role.PROVIDER_STAFF)
    provider_admin = _principal(OrganizationKind.PROVIDER, Role.ADMIN)
    assert not manages_network(staff)
    assert not manages_network(provider_admin)
    assert may_manage_provider(staff, ORG)
    assert not may_manage_provider(staff, uuid.uuid4())


def test_only_the_network_changes_a_providers_network_status():
    staff = _principal(OrganizationKind.PROVIDER, Role.PROVIDER_STAFF)
    network = _principal(OrganizationKind.PAYER, Role.NETWORK_STAFF)
    check_network_status_change(staff, None, NetworkStatus.PENDING)
    check_network_status_change(staff, NetworkStatus.PENDING, NetworkStatus.PENDING)
    check_network_status_change(network, NetworkStatus.IN_NETWORK, NetworkStatus.PENDING)
    with pytest.raises(DomainError) as caught:
        check_network_status_change(staff, NetworkStatus.IN_NETWORK, NetworkStatus.PENDING)
    assert (caught.value.code, caught.value.field) == (ErrorCode.FORBIDDEN, "networkStatus")


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (NEW_YORK, LOS_ANGELES, 3936.0),
        (LONDON, PARIS, 343.5),
        (SYDNEY, LOS_ANGELES, 12_060.0),
        (NEW_YORK, PHILADELPHIA, 129.6),
    ],
)
def test_haversine_matches_known_distances_between_cities(a, b, km):
    assert haversine_km(a, b) == pytest.approx(km, rel=0.005)
    assert haversine_km(b, a) == pytest.approx(haversine_km(a, b))


def test_distance_from_a_point_to_itself_is_zero():
    assert haversine_km(PARIS, PARIS) == 0.0


def test_bounding_box_spans_the_radius_north_south_and_wider_east_west():
    box = bounding_box(PHILADELPHIA, 50.0)
    assert box.north - PHILADELPHIA.latitude == pytest.approx(50.0 / 111.195, rel=1e-3)
    assert PHILADELPHIA.latitude - box.south == pytest.approx(50.0 / 111.195, rel=1e-3)
    assert haversine_km(PHILADELPHIA, GeoPoint(PHILADELPHIA.latitude, box.east)) >= 50.0
    assert haversine_km(PHILADELPHIA, GeoPoint(PHILADELPHIA.latitude, box.west)) >= 50.0
    assert not box.crosses_antimeridian


def _destination(start: GeoPoint, bearing_degrees: float, km: float) -> GeoPoint:
    """The point `km` from `start` along the great circle leaving at `bearing_degrees`."""
    angular, bearing = km / EARTH_RADIUS_KM, math.radians(bearing_degrees)
    lat1, lon1 = math.radians(start.latitude), math.radians(start.longitude)
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    return GeoPoint(math.degrees(lat2), (math.degrees(lon2) + 540.0) % 360.0 - 180.0)


@given(
    st.floats(min_value=-89.9, max_value=89.9),
    st.floats(min_value=-180, max_value=180),
    st.floats(min_value=1, max_value=MAX_RADIUS_KM),
    st.floats(min_value=0, max_value=360),
    st.floats(min_value=0, max_value=0.999),
)
def test_bounding_box_holds_every_point_within_the_radius(lat, lon, radius, bearing, fraction):
    centre = GeoPoint(lat, lon)
    box = bounding_box(centre, radius)
    point = _destination(centre, bearing, radius * fraction)
    assert box.south <= point.latitude <= box.north
    if box.crosses_antimeridian:
        assert point.longitude >= box.west or point.longitude <= box.east
    else:
        assert box.west <= point.longitude <= box.east


def test_bounding_box_across_the_antimeridian_wraps_around():
    box = bounding_box(GeoPoint(-17.7, 179.9), 50.0)
    assert box.crosses_antimeridian
    assert box.west < 180.0 and box.east > -180.0 and box.east < 0


def test_bounding_box_around_a_pole_covers_every_longitude():
    box = bounding_box(GeoPoint(89.9, 10.0), 50.0)
    assert (box.west, box.east, box.north) == (-180.0, 180.0, 90.0)


@pytest.mark.parametrize(
    "point",
    [GeoPoint(40.1, -75.0), GeoPoint(39.6, -75.6), GeoPoint(39.95, -74.7), GeoPoint(40.3, -75.5)],
)
def test_equirectangular_ranking_distance_is_close_to_haversine_at_city_scale(point):
    scale = equirectangular(GeoPoint(PHILADELPHIA.latitude, PHILADELPHIA.longitude, 100.0))
    approx = scale.to_km(scale.distance_sq(point.latitude, point.longitude))
    assert approx == pytest.approx(haversine_km(PHILADELPHIA, point), rel=0.005)


def test_equirectangular_radius_is_in_squared_degrees():
    scale = equirectangular(GeoPoint(0.0, 0.0, 111.195))
    assert scale.max_d2 == pytest.approx(1.0, rel=1e-4)
    assert scale.longitude_scale == pytest.approx(1.0)


def test_equirectangular_distance_across_the_antimeridian_is_short():
    suva = GeoPoint(-17.7, 179.9, 50.0)
    scale = equirectangular(suva)
    across = GeoPoint(-17.7, -179.9)
    assert scale.to_km(scale.distance_sq(across.latitude, across.longitude)) == pytest.approx(
        haversine_km(suva, across), rel=0.005
    )
    assert scale.distance_sq(across.latitude, across.longitude) <= scale.max_d2
