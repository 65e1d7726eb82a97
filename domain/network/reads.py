"""Reads of the network: applications (the network's worklist, the applicant's own), their
related lists in batches for DataLoaders, contracts, and the Provider 360 view."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select

from domain.audit.models import AuditAction
from domain.audit.service import audited_newest_first
from domain.authorizations.models import AuthorizationRequest
from domain.delivery.models import ProviderPayment
from domain.errors import forbidden, not_found
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal
from domain.models import group_by
from domain.network.access import APPLICATION, application_scope, audit
from domain.network.lifecycle import ApplicationStatus, NetworkStage
from domain.network.models import (
    Application,
    ApplicationDocument,
    ContractTemplate,
    ContractVersion,
    Credential,
    DocumentRequest,
    Lead,
    NetworkContract,
    OnboardingTask,
    RecruitmentCampaign,
)
from domain.pagination import Page, PageRequest
from domain.providers import service as directory
from domain.providers.models import Provider
from domain.providers.rules import manages_network
from domain.referrals.models import Referral, ReferralRecipient
from domain.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    status: ApplicationStatus | None = None
    stage: NetworkStage | None = None


async def list_applications(
    *,
    uow: UnitOfWork,
    actor: Principal,
    filter: ApplicationFilter,
    page: PageRequest,
    with_total: bool = False,
) -> Page[Application]:
    """The network's applications (or the applicant's own), newest first, audited as read."""
    base = select(Application).where(application_scope(actor))
    if filter.status:
        base = base.where(Application.status == filter.status)
    if filter.stage:
        base = base.where(Application.stage == filter.stage)
    return await audited_newest_first(
        uow=uow,
        actor=actor,
        base=base,
        model=Application,
        entity=APPLICATION,
        page=page,
        with_total=with_total,
    )


async def get_applications(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Application]:
    """Applications the actor may see, by id, audited as read (for the loader and `node`)."""
    if not ids:
        return {}
    rows = list(
        await uow.session.scalars(
            select(Application).where(Application.id.in_(set(ids)), application_scope(actor))
        )
    )
    await audit(uow, actor, AuditAction.READ, APPLICATION, [a.id for a in rows])
    await uow.commit()
    return {a.id: a for a in rows}


async def _by(
    uow: UnitOfWork, column: Any, keys: Sequence[uuid.UUID], *order: Any
) -> dict[uuid.UUID, list[Any]]:
    """One batch read of a child table of records the caller already read through a scope."""
    rows: list[Any] = []
    if keys:
        model = column.class_
        rows = list(
            await uow.session.scalars(select(model).where(column.in_(set(keys))).order_by(*order))
        )
    return group_by(rows, keys, lambda row: getattr(row, column.key))


async def credentials_by_application_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(uow, Credential.application_id, ids, Credential.position)


async def documents_by_application_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(
        uow,
        ApplicationDocument.application_id,
        ids,
        ApplicationDocument.uploaded_at,
        ApplicationDocument.id,
    )


async def requests_by_application_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(
        uow, DocumentRequest.application_id, ids, DocumentRequest.requested_at, DocumentRequest.id
    )


async def contracts_by_application_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(
        uow, NetworkContract.application_id, ids, NetworkContract.created_at, NetworkContract.id
    )


async def versions_by_contract_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(uow, ContractVersion.contract_id, ids, ContractVersion.number)


async def tasks_by_application_ids(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Any]]:
    return await _by(uow, OnboardingTask.application_id, ids, OnboardingTask.kind)


async def get_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID
) -> NetworkContract:
    """A contract of the actor's network, or of the actor's own provider organisation."""
    query = select(NetworkContract).where(
        NetworkContract.id == contract_id,
        or_(
            NetworkContract.organization_id == actor.organization_id,
            NetworkContract.provider_organization_id == actor.organization_id,
        ),
    )
    found = await uow.session.scalar(query)
    if found is None:
        raise not_found("Contract", "id")
    return found


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: str
    count: int


@dataclass(frozen=True, slots=True)
class PaymentsSummary:
    count: int
    total_amount: Decimal
    paid_amount: Decimal  # ISSUED
    last_period_end: Any


@dataclass(frozen=True, slots=True)
class Provider360:
    """Everything about one provider in one read (a fixed number of statements)."""

    provider: Provider
    locations: list[Any]
    specialties: list[Any]
    services: list[Any]
    languages: list[str]
    application: Application | None
    credentials: list[Credential]
    document_requests: list[DocumentRequest]
    contracts: list[NetworkContract]
    versions: dict[uuid.UUID, list[ContractVersion]]
    onboarding_tasks: list[OnboardingTask]
    referrals: list[StatusCount]
    recent_referrals: list[Any]
    authorizations: list[StatusCount]
    payments: PaymentsSummary


async def provider_360(*, uow: UnitOfWork, actor: Principal, provider_id: uuid.UUID) -> Provider360:
    """The network's (or the provider's own) whole view of a provider, audited as read."""
    provider = await uow.session.get(Provider, provider_id)
    if provider is None:
        raise not_found("Provider", "id")
    own = (
        actor.organization_kind is OrganizationKind.PROVIDER
        and actor.organization_id == provider.organization_id
    )
    if not (manages_network(actor) or own):
        raise forbidden("Network staff and the provider's own staff see its 360 view")
    keys = [provider.id]
    locations = (await directory.locations_by_provider_ids(uow=uow, provider_ids=keys))[provider.id]
    specialties = (await directory.specialties_by_provider_ids(uow=uow, provider_ids=keys))[
        provider.id
    ]
    services = (await directory.services_by_provider_ids(uow=uow, provider_ids=keys))[provider.id]
    languages = (await directory.languages_by_provider_ids(uow=uow, provider_ids=keys))[provider.id]
    owners = [provider.id] + ([provider.parent_provider_id] if provider.parent_provider_id else [])
    application = await uow.session.scalar(
        select(Application)
        .where(Application.provider_id.in_(owners), application_scope(actor))
        .order_by(Application.created_at.desc())
        .limit(1)
    )
    app_keys = [application.id] if application else []

    def only(found: dict[uuid.UUID, list[Any]]) -> list[Any]:
        return found[app_keys[0]] if app_keys else []

    credentials = only(await credentials_by_application_ids(uow=uow, ids=app_keys))
    requests = only(await requests_by_application_ids(uow=uow, ids=app_keys))
    contracts = only(await contracts_by_application_ids(uow=uow, ids=app_keys))
    versions = await versions_by_contract_ids(uow=uow, ids=[c.id for c in contracts])
    tasks = only(await tasks_by_application_ids(uow=uow, ids=app_keys))
    referrals, recent = await _referrals(uow, actor, provider.id)
    result = Provider360(
        provider=provider,
        locations=locations,
        specialties=specialties,
        services=services,
        languages=languages,
        application=application,
        credentials=credentials,
        document_requests=requests,
        contracts=contracts,
        versions=versions,
        onboarding_tasks=tasks,
        referrals=referrals,
        recent_referrals=recent,
        authorizations=await _authorizations(uow, actor, provider.id),
        payments=await _payments(uow, actor, provider.id),
    )
    await audit(uow, actor, AuditAction.READ, "Provider", [provider.id])
    await uow.commit()
    return result


def _referral_scope(actor: Principal) -> Any:
    if actor.organization_kind is OrganizationKind.PROVIDER:
        return ReferralRecipient.provider_organization_id == actor.organization_id
    return Referral.organization_id == actor.organization_id


async def _referrals(
    uow: UnitOfWork, actor: Principal, provider_id: uuid.UUID
) -> tuple[list[StatusCount], list[Any]]:
    """Counts by status, and the ten latest (numbers and statuses only: no person's data)."""
    rows = (
        await uow.session.execute(
            select(
                Referral.number,
                ReferralRecipient.id,
                ReferralRecipient.status,
                ReferralRecipient.created_at,
            )
            .join(Referral, Referral.id == ReferralRecipient.referral_id)
            .where(ReferralRecipient.provider_id == provider_id, _referral_scope(actor))
            .order_by(ReferralRecipient.created_at.desc(), ReferralRecipient.id)
        )
    ).all()
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status.value] = counts.get(row.status.value, 0) + 1
    return [StatusCount(k, v) for k, v in sorted(counts.items())], rows[:10]


async def _authorizations(
    uow: UnitOfWork, actor: Principal, provider_id: uuid.UUID
) -> list[StatusCount]:
    a = AuthorizationRequest
    rows = await uow.session.execute(
        select(a.status, func.count())
        .where(
            or_(a.servicing_provider_id == provider_id, a.requesting_provider_id == provider_id),
            or_(
                a.authorizer_organization_id == actor.organization_id,
                a.requesting_organization_id == actor.organization_id,
            ),
        )
        .group_by(a.status)
        .order_by(a.status)
    )
    return [StatusCount(status.value, int(count)) for status, count in rows]


async def _payments(uow: UnitOfWork, actor: Principal, provider_id: uuid.UUID) -> PaymentsSummary:
    p = ProviderPayment
    issued = func.coalesce(func.sum(p.total_amount).filter(p.status == "ISSUED"), 0)
    row = (
        await uow.session.execute(
            select(
                func.count(),
                func.coalesce(func.sum(p.total_amount), 0),
                issued,
                func.max(p.period_end),
            ).where(
                p.provider_id == provider_id,
                or_(
                    p.organization_id == actor.organization_id,
                    p.payee_organization_id == actor.organization_id,
                ),
            )
        )
    ).one()
    return PaymentsSummary(int(row[0]), Decimal(str(row[1])), Decimal(str(row[2])), row[3])


NODE_MODELS: dict[str, Any] = {
    "NetworkLead": Lead,
    "RecruitmentCampaign": RecruitmentCampaign,
    "ContractTemplate": ContractTemplate,
    "NetworkContract": NetworkContract,
    "NetworkCredential": Credential,
    "OnboardingTask": OnboardingTask,
    "DocumentRequest": DocumentRequest,
}


async def get_network_nodes(
    *, uow: UnitOfWork, actor: Principal, kind: str, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """Records of one kind by id, as far as the actor may see them: the network's own, or
    (for an application's parts and contracts) the applicant organisation's own."""
    if not ids:
        return {}
    model = NODE_MODELS[kind]
    query = select(model).where(model.id.in_(set(ids)))
    if kind in ("NetworkCredential", "OnboardingTask", "DocumentRequest"):
        query = query.join(Application, Application.id == model.application_id).where(
            application_scope(actor)
        )
    elif kind == "NetworkContract":
        query = query.where(
            or_(
                model.organization_id == actor.organization_id,
                model.provider_organization_id == actor.organization_id,
            )
        )
    else:
        query = query.where(model.organization_id == actor.organization_id)
    return {row.id: row for row in await uow.session.scalars(query)}


async def list_contract_templates(*, uow: UnitOfWork, actor: Principal) -> list[ContractTemplate]:
    rows = await uow.session.scalars(
        select(ContractTemplate)
        .where(ContractTemplate.organization_id == actor.organization_id)
        .order_by(ContractTemplate.name)
    )
    return list(rows)
