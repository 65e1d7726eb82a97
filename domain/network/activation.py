"""A signed contract takes effect: it opens the service-delivery contracts whose rates
disbursements use, and the onboarding tasks; a termination ends both."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from domain.delivery.access import move
from domain.delivery.contracts import add_provider_contract
from domain.delivery.lifecycle import CONTRACT_TRANSITIONS as DELIVERY_TRANSITIONS
from domain.delivery.lifecycle import ContractAction as DeliveryAction
from domain.delivery.models import ContractKind, ProviderContract
from domain.delivery.rules import ContractData
from domain.errors import DomainError, ErrorCode
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal
from domain.network.access import (
    CONTRACT,
    advance_stage,
    load_application,
    require_network_staff,
    step,
)
from domain.network.contracts import contract_event, current_version, own_contract
from domain.network.lifecycle import (
    ContractAction,
    ContractStatus,
    OnboardingTaskStatus,
    StageAction,
)
from domain.network.models import (
    Application,
    ContractVersion,
    NetworkContract,
    OnboardingTask,
    OnboardingTaskKind,
)
from domain.network.onboarding import set_network_status
from domain.network.terms import (
    PaymentTermKind,
    term_from_json,
)
from domain.providers.models import NetworkStatus
from domain.uow import UnitOfWork

ONBOARDING = (
    (
        OnboardingTaskKind.DIRECTORY_LISTING,
        "Check the directory listing: locations, hours, services",
    ),
    (OnboardingTaskKind.PORTAL_ACCESS, "Set up the provider portal accounts of the office staff"),
    (OnboardingTaskKind.TRAINING, "Complete the network orientation and referral training"),
)
ONBOARDING_DAYS = 30


async def activate_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID
) -> NetworkContract:
    """The signed contract takes effect: its rates open service-delivery contracts for the
    practice and its practitioners, and the onboarding tasks are made."""
    require_network_staff(actor)
    contract = await own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.ACTIVATE)
    current = await current_version(uow, contract)
    application = await load_application(uow, actor, contract.application_id)
    contract.activated_at = uow.clock.now()
    if actor.organization_kind is OrganizationKind.AGENCY:
        contract.delivery_contract_ids = await _open_delivery_contracts(
            uow, actor, application, current
        )
    due = uow.clock.now().date() + timedelta(days=ONBOARDING_DAYS)
    for kind, title in ONBOARDING:
        uow.session.add(
            OnboardingTask(
                application_id=application.id,
                contract_id=contract.id,
                kind=kind,
                title=title,
                status=OnboardingTaskStatus.OPEN,
                due_on=due,
                created_at=uow.clock.now(),
                updated_at=uow.clock.now(),
            )
        )
    await advance_stage(uow, actor, application, StageAction.ACTIVATE_CONTRACT)
    uow.record(contract_event(uow, "network_contract.active", contract))
    await uow.commit()
    return contract


async def terminate_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, reason: str | None
) -> NetworkContract:
    """End the contract and the service-delivery contracts it opened."""
    require_network_staff(actor)
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Give a reason for terminating", "reason")
    contract = await own_contract(uow, actor, contract_id)
    was_active = contract.status is ContractStatus.ACTIVE
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.TERMINATE, reason)
    contract.ended_at = uow.clock.now()
    await _close_delivery_contracts(uow, actor, contract, reason)
    if was_active:
        application = await load_application(uow, actor, contract.application_id)
        await set_network_status(uow, application, NetworkStatus.OUT_OF_NETWORK)
        await advance_stage(uow, actor, application, StageAction.END)
    uow.record(contract_event(uow, "network_contract.terminated", contract))
    await uow.commit()
    return contract


async def _open_delivery_contracts(
    uow: UnitOfWork, actor: Principal, application: Application, version: ContractVersion
) -> list[str]:
    """Per-unit fees become a UTILIZATION contract, a flat rate a FLAT_RATE contract, for the
    practice and each practitioner (the providers referrals and sessions name). Percent of
    charges, capitation and bundled terms are kept on the contract: service delivery pays
    per unit or per period, so it has nothing to apply them to."""
    terms = [term_from_json(t) for t in version.payment_terms]
    fees = {t.benefit_id: t.amount for t in terms if t.kind is PaymentTermKind.FEE_SCHEDULE}
    flat = next((t.amount for t in terms if t.kind is PaymentTermKind.FLAT_RATE), None)
    covered = [uuid.UUID(b) for b in version.covered_services]
    wanted: list[ContractData] = []
    providers = [
        application.provider_id,
        *(uuid.UUID(p) for p in application.practitioner_provider_ids),
    ]
    for provider_id in providers:
        assert provider_id is not None
        if fees:
            services = tuple((b, fees[b]) for b in covered if b in fees)
            wanted.append(
                ContractData(
                    provider_id,
                    ContractKind.UTILIZATION,
                    version.period_start,
                    version.period_end,
                    services,
                )
            )
        if flat is not None:
            services = tuple((b, None) for b in covered)
            wanted.append(
                ContractData(
                    provider_id,
                    ContractKind.FLAT_RATE,
                    version.period_start,
                    version.period_end,
                    services,
                    flat,
                )
            )
    ids = []
    for data in wanted:
        opened = await add_provider_contract(uow=uow, actor=actor, data=data, activate=True)
        ids.append(str(opened.id))
    return ids


async def _close_delivery_contracts(
    uow: UnitOfWork, actor: Principal, contract: NetworkContract, reason: str | None
) -> None:
    ids = [uuid.UUID(i) for i in contract.delivery_contract_ids]
    if not ids:
        return
    for opened in await uow.session.scalars(
        select(ProviderContract).where(ProviderContract.id.in_(ids))
    ):
        await move(
            uow,
            actor,
            DELIVERY_TRANSITIONS,
            opened,
            "ProviderContract",
            DeliveryAction.TERMINATE,
            reason,
        )
