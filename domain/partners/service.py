"""Use cases on trading partners: operators configure how each payer is reached."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import Organization, OrganizationKind
from domain.partners.models import Protocol, TradingPartner
from domain.uow import UnitOfWork


async def create_trading_partner(
    *,
    uow: UnitOfWork,
    payer_organization_id: uuid.UUID,
    name: str,
    protocol: Protocol,
    endpoint_url: str | None = None,
    expedited_hours: int | None = None,
    standard_days: int | None = None,
    options: dict[str, object] | None = None,
) -> TradingPartner:
    """How requests to one payer travel (operators: CLI, seed); one partner per payer."""
    payer = await uow.session.get(Organization, payer_organization_id)
    if payer is None or payer.kind is not OrganizationKind.PAYER:
        raise not_found("Payer", "payerId")
    if protocol is not Protocol.MANUAL and not endpoint_url:
        raise DomainError(
            ErrorCode.REQUIRED, f"A {protocol} partner has an endpoint", "endpointUrl"
        )
    for value, field in ((expedited_hours, "expeditedHours"), (standard_days, "standardDays")):
        if value is not None and value <= 0:
            raise DomainError(ErrorCode.INVALID, "A time frame is positive", field)
    taken = await uow.session.scalar(
        select(TradingPartner.id).where(TradingPartner.payer_organization_id == payer.id)
    )
    if taken is not None:
        raise DomainError(ErrorCode.DUPLICATE, "This payer has a trading partner", "payerId")
    now = uow.clock.now()
    partner = TradingPartner(
        payer_organization_id=payer.id,
        name=name.strip(),
        protocol=protocol,
        endpoint_url=endpoint_url,
        expedited_hours=expedited_hours,
        standard_days=standard_days,
        options=dict(options or {}),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(partner)
    await uow.session.flush()
    return partner


async def get_trading_partners(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, TradingPartner]:
    if not ids:
        return {}
    rows = await uow.session.scalars(select(TradingPartner).where(TradingPartner.id.in_(set(ids))))
    return {p.id: p for p in rows}
