"""Use cases on trading partners: operators configure how each payer is reached."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import or_, select

from domain.authorizations.models import AuthorizationRequest
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import Organization, OrganizationKind
from domain.identity.rules import Principal
from domain.partners.limits import PartnerLimits
from domain.partners.models import Exchange, Protocol, TradingPartner
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
    PartnerLimits.from_options(options)  # refuses a rate or concurrency that cannot be
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


async def list_trading_partners(*, uow: UnitOfWork) -> list[TradingPartner]:
    """The directory of how payers are reached (names, protocols, time frames; no secrets)."""
    query = select(TradingPartner).where(TradingPartner.active.is_(True))
    return list(await uow.session.scalars(query.order_by(TradingPartner.name)))


async def list_exchanges(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID | None = None, limit: int = 100
) -> list[Exchange]:
    """Attempts to reach partners for the actor's organisation's requests, newest first."""
    mine = select(AuthorizationRequest.id).where(
        or_(
            AuthorizationRequest.requesting_organization_id == actor.organization_id,
            AuthorizationRequest.authorizer_organization_id == actor.organization_id,
        )
    )
    query = select(Exchange).where(Exchange.request_id.in_(mine))
    if request_id is not None:
        query = query.where(Exchange.request_id == request_id)
    query = query.order_by(Exchange.started_at.desc(), Exchange.id).limit(limit)
    return list(await uow.session.scalars(query))
