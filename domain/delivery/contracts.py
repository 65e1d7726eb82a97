"""Provider contracts (seed 002, CPM): FLAT_RATE pays a fixed amount per payment period, used
or not; UTILIZATION pays per unit at the contract's rate for each covered service, over the
provider's and the offering's rates."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import select

from domain.catalog.models import Benefit
from domain.delivery.access import (
    CONTRACT_MANAGERS,
    delivery_event,
    move,
    record_created,
    require_agency,
)
from domain.delivery.lifecycle import CONTRACT_TRANSITIONS, ContractAction, ContractStatus
from domain.delivery.models import ContractKind, ContractService, ProviderContract
from domain.delivery.rules import ContractData, check_period
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.identity.rules import Principal
from domain.money import cents
from domain.numbers import next_number
from domain.providers.models import Provider
from domain.uow import UnitOfWork

ENTITY = "ProviderContract"


def check_contract(data: ContractData) -> None:
    errors = ErrorCollector()
    kind = data.kind
    if not data.services:
        errors.add(ErrorCode.REQUIRED, "A contract covers at least one service", "services")
    if kind is ContractKind.FLAT_RATE and (data.flat_amount is None or data.flat_amount <= 0):
        errors.add(
            ErrorCode.REQUIRED, "A flat-rate contract has an amount per period", "flatAmount"
        )
    if kind is ContractKind.UTILIZATION and data.flat_amount is not None:
        errors.add(ErrorCode.INVALID, "A utilization contract pays per unit", "flatAmount")
    for index, (_, rate) in enumerate(data.services):
        if kind is ContractKind.UTILIZATION and (rate is None or rate < 0):
            errors.add(ErrorCode.REQUIRED, "Each service has its rate", f"services.{index}.rate")
    if len({b for b, _ in data.services}) != len(data.services):
        errors.add(ErrorCode.DUPLICATE, "A service is listed twice", "services")
    errors.raise_if_any()
    check_period(data.period_start, data.period_end)


async def create_provider_contract(
    *, uow: UnitOfWork, actor: Principal, data: ContractData
) -> ProviderContract:
    """A DRAFT contract of the actor's agency with a provider, for the covered services."""
    contract = await add_provider_contract(uow=uow, actor=actor, data=data)
    await uow.commit()
    return contract


async def add_provider_contract(
    *, uow: UnitOfWork, actor: Principal, data: ContractData, activate: bool = False
) -> ProviderContract:
    """`create_provider_contract` inside the caller's unit of work, uncommitted; `activate`
    opens it ACTIVE at once (a signed network contract, seed 001)."""
    require_agency(actor, *CONTRACT_MANAGERS)
    check_contract(data)
    provider = await uow.session.get(Provider, data.provider_id)
    if provider is None:
        raise not_found("Provider", "providerId")
    await _check_benefits(uow, actor, [b for b, _ in data.services])
    now = uow.clock.now()
    contract = ProviderContract(
        number=await next_number(uow=uow, prefix="CON"),
        organization_id=actor.organization_id,
        provider_id=provider.id,
        provider_organization_id=provider.organization_id,
        kind=data.kind,
        status=ContractStatus.DRAFT,
        period_start=data.period_start,
        period_end=data.period_end,
        flat_amount=cents(data.flat_amount),
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(contract)
    await uow.session.flush()
    for benefit_id, rate in data.services:
        uow.session.add(
            ContractService(contract_id=contract.id, benefit_id=benefit_id, rate=cents(rate))
        )
    await record_created(uow, actor, ENTITY, [contract])
    if activate:
        await move(uow, actor, CONTRACT_TRANSITIONS, contract, ENTITY, ContractAction.ACTIVATE)
    return contract


async def _check_benefits(uow: UnitOfWork, actor: Principal, benefit_ids: list[uuid.UUID]) -> None:
    own = set(
        await uow.session.scalars(
            select(Benefit.id).where(
                Benefit.id.in_(benefit_ids), Benefit.organization_id == actor.organization_id
            )
        )
    )
    errors = ErrorCollector()
    for index, benefit_id in enumerate(benefit_ids):
        if benefit_id not in own:
            errors.add(ErrorCode.NOT_FOUND, "Benefit not found", f"services.{index}.benefitId")
    errors.raise_if_any()


async def transition_provider_contract(
    *,
    uow: UnitOfWork,
    actor: Principal,
    contract_id: uuid.UUID,
    action: ContractAction,
    reason: str | None = None,
) -> ProviderContract:
    """Activate, suspend, resume or terminate a contract of the actor's agency."""
    require_agency(actor, *CONTRACT_MANAGERS)
    contract = await uow.session.scalar(
        select(ProviderContract)
        .where(
            ProviderContract.id == contract_id,
            ProviderContract.organization_id == actor.organization_id,
        )
        .with_for_update()
    )
    if contract is None:
        raise not_found("Provider contract", "id")
    await move(uow, actor, CONTRACT_TRANSITIONS, contract, ENTITY, action, reason)
    uow.record(
        delivery_event(
            f"provider_contract.{contract.status.value.lower()}",
            ENTITY,
            contract.id,
            (contract.organization_id, contract.provider_organization_id),
            uow,
        )
    )
    await uow.commit()
    return contract


def flat_amount_of(contract: ProviderContract) -> Decimal:
    if contract.flat_amount is None:
        raise DomainError(ErrorCode.INVALID, "A flat-rate contract has an amount", "flatAmount")
    return contract.flat_amount
