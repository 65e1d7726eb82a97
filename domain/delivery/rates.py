"""The rate of a disbursement by priority (DESIGN §3): the authorization line's, else the
agency's active utilization contract's for the service on that day, else the provider's own
for the service, else the benefit's offering rate."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from domain.catalog.models import Benefit
from domain.delivery.lifecycle import ContractStatus
from domain.delivery.models import ContractKind, ContractService, ProviderContract, RateSource
from domain.delivery.rules import choose_rate
from domain.providers.models import ProviderService
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class FallbackRates:
    """The rates below the authorization's, for one agency, provider, benefit and day."""

    contract: Decimal | None
    provider_service: Decimal | None
    offering: Decimal | None

    def with_authorization(self, rate: Decimal | None) -> tuple[Decimal, RateSource] | None:
        return choose_rate(
            authorization=rate,
            contract=self.contract,
            provider_service=self.provider_service,
            offering=self.offering,
        )


async def fallback_rates(
    uow: UnitOfWork,
    *,
    agency_id: uuid.UUID,
    provider_id: uuid.UUID,
    benefit_id: uuid.UUID,
    day: date,
) -> FallbackRates:
    contract = await uow.session.scalar(
        select(ContractService.rate)
        .join(ProviderContract, ProviderContract.id == ContractService.contract_id)
        .where(
            ProviderContract.organization_id == agency_id,
            ProviderContract.provider_id == provider_id,
            ProviderContract.kind == ContractKind.UTILIZATION,
            ProviderContract.status == ContractStatus.ACTIVE,
            ProviderContract.period_start <= day,
            ProviderContract.period_end >= day,
            ContractService.benefit_id == benefit_id,
            ContractService.rate.is_not(None),
        )
        .order_by(ProviderContract.period_start.desc(), ProviderContract.id)
        .limit(1)
    )
    provider_service = await uow.session.scalar(
        select(ProviderService.rate).where(
            ProviderService.provider_id == provider_id,
            ProviderService.benefit_id == benefit_id,
            ProviderService.active.is_(True),
        )
    )
    offering = await uow.session.scalar(
        select(Benefit.offering_rate).where(Benefit.id == benefit_id)
    )
    return FallbackRates(contract, provider_service, offering)
