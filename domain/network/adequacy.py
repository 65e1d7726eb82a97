"""Network adequacy: how many in-network providers of a specialty the network wants within a
circle, and the gaps between those targets and the providers it has."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from domain.errors import ErrorCode, ErrorCollector
from domain.identity.rules import Principal
from domain.network.access import require_network_staff
from domain.network.models import (
    AdequacyTarget,
)
from domain.people.rules import check_coordinates
from domain.providers.models import Location, NetworkStatus, Provider, ProviderSpecialty
from domain.providers.rules import TAXONOMY_CODE, GeoPoint, haversine_km
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class TargetData:
    specialty_code: str
    specialty_display: str
    area_name: str
    latitude: float
    longitude: float
    radius_km: float
    target_count: int


@dataclass(frozen=True, slots=True)
class NetworkGap:
    target: AdequacyTarget
    in_network: int

    @property
    def gap(self) -> int:
        return max(0, self.target.target_count - self.in_network)


async def set_adequacy_target(
    *, uow: UnitOfWork, actor: Principal, data: TargetData
) -> AdequacyTarget:
    """How many providers of a specialty the network wants in an area (replaces the old one)."""
    require_network_staff(actor)
    errors = ErrorCollector()
    if not TAXONOMY_CODE.fullmatch(data.specialty_code):
        errors.add(
            ErrorCode.INVALID, "Use a NUCC taxonomy code such as 207RC0000X", "specialtyCode"
        )
    if not data.area_name.strip() or len(data.area_name) > 200:
        errors.add(ErrorCode.REQUIRED, "Name the area", "areaName")
    check_coordinates(errors, data.latitude, data.longitude, "")
    if not 0 < data.radius_km <= 1000:
        errors.add(ErrorCode.INVALID, "A radius between 0 and 1000 km", "radiusKm")
    if data.target_count < 1:
        errors.add(ErrorCode.INVALID, "Want at least one provider", "targetCount")
    errors.raise_if_any()
    now = uow.clock.now()
    target = await uow.session.scalar(
        select(AdequacyTarget).where(
            AdequacyTarget.organization_id == actor.organization_id,
            AdequacyTarget.specialty_code == data.specialty_code,
            AdequacyTarget.area_name == data.area_name.strip(),
        )
    )
    if target is None:
        target = AdequacyTarget(organization_id=actor.organization_id, created_at=now)
        uow.session.add(target)
    for key in ("specialty_code", "latitude", "longitude", "radius_km", "target_count"):
        setattr(target, key, getattr(data, key))
    target.specialty_display = data.specialty_display.strip()[:200]
    target.area_name = data.area_name.strip()
    target.updated_at = now
    await uow.session.flush()
    await uow.commit()
    return target


async def network_gaps(*, uow: UnitOfWork, actor: Principal) -> list[NetworkGap]:
    """Each target against the in-network providers of its specialty with a location inside
    its circle, the largest gap first (two statements, whatever the number of targets)."""
    require_network_staff(actor)
    targets = list(
        await uow.session.scalars(
            select(AdequacyTarget)
            .where(AdequacyTarget.organization_id == actor.organization_id)
            .order_by(AdequacyTarget.specialty_code, AdequacyTarget.area_name)
        )
    )
    codes = {t.specialty_code for t in targets}
    rows = (
        (
            await uow.session.execute(
                select(
                    ProviderSpecialty.code,
                    Location.provider_id,
                    Location.latitude,
                    Location.longitude,
                )
                .join(Provider, Provider.id == Location.provider_id)
                .join(ProviderSpecialty, ProviderSpecialty.provider_id == Provider.id)
                .where(
                    Provider.network_status == NetworkStatus.IN_NETWORK,
                    ProviderSpecialty.code.in_(codes),
                )
            )
        ).all()
        if codes
        else []
    )
    gaps = []
    for target in targets:
        centre = GeoPoint(target.latitude, target.longitude)
        inside = {
            r.provider_id
            for r in rows
            if r.code == target.specialty_code
            and haversine_km(centre, GeoPoint(r.latitude, r.longitude)) <= target.radius_km
        }
        gaps.append(NetworkGap(target, len(inside)))
    return sorted(gaps, key=lambda g: -g.gap)
