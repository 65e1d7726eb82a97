"""Contracting: templates with merge fields; a contract drafted from a template for an
approved provider, revised in versions while it is negotiated, approved internally by
someone other than its author. Signature is in `signatures`, activation in `activation`."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.catalog.models import Benefit
from domain.errors import DomainError, ErrorCode, ErrorCollector, forbidden, not_found
from domain.identity.models import Organization
from domain.identity.rules import Principal
from domain.network.access import (
    CONTRACT,
    CONTRACT_VERSION,
    audit,
    load_application,
    network_event,
    require_network_staff,
    step,
)
from domain.network.lifecycle import (
    TERMINAL_CONTRACT,
    ApplicationStatus,
    ContractAction,
    ContractStatus,
    ContractVersionAction,
    ContractVersionStatus,
    NetworkStage,
)
from domain.network.models import (
    ContractTemplate,
    ContractVersion,
    NetworkContract,
)
from domain.network.terms import (
    Change,
    ContractTermsData,
    check_template,
    check_terms,
    describe_term,
    diff_versions,
    document_hash,
    render,
    terms_to_json,
)
from domain.numbers import next_number
from domain.providers.models import Provider
from domain.uow import UnitOfWork


async def create_contract_template(
    *, uow: UnitOfWork, actor: Principal, name: str, body: str
) -> ContractTemplate:
    """A contract text with {{merge_field}} placeholders the network drafts contracts from."""
    require_network_staff(actor)
    fields = check_template(name, body)
    taken = await uow.session.scalar(
        select(ContractTemplate.id).where(
            ContractTemplate.organization_id == actor.organization_id,
            ContractTemplate.name == name.strip(),
        )
    )
    if taken:
        raise DomainError(ErrorCode.DUPLICATE, "A template with this name exists", "name")
    now = uow.clock.now()
    template = ContractTemplate(
        organization_id=actor.organization_id,
        name=name.strip(),
        body=body,
        merge_fields=fields,
        active=True,
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(template)
    await uow.session.flush()
    await uow.commit()
    return template


async def draft_contract(
    *,
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    template_id: uuid.UUID,
    terms: ContractTermsData,
) -> NetworkContract:
    """Version 1 of a contract with an approved provider, from a template."""
    require_network_staff(actor)
    application = await load_application(uow, actor, application_id)
    if application.status is not ApplicationStatus.APPROVED or application.provider_id is None:
        raise DomainError(ErrorCode.CONFLICT, "Contract with approved providers", "applicationId")
    if application.stage is not NetworkStage.CONTRACTING:
        raise DomainError(ErrorCode.CONFLICT, "This provider is contracted", "applicationId")
    template = await uow.session.get(ContractTemplate, template_id)
    if template is None or template.organization_id != actor.organization_id:
        raise not_found("Contract template", "templateId")
    open_one = await uow.session.scalar(
        select(NetworkContract.id).where(
            NetworkContract.application_id == application.id,
            NetworkContract.status.not_in(TERMINAL_CONTRACT),
        )
    )
    if open_one is not None:
        raise DomainError(ErrorCode.CONFLICT, "Revise the open contract instead", "applicationId")
    now = uow.clock.now()
    contract = NetworkContract(
        number=await next_number(uow=uow, prefix="NCT"),
        organization_id=actor.organization_id,
        application_id=application.id,
        provider_id=application.provider_id,
        provider_organization_id=application.provider_organization_id,
        template_id=template.id,
        status=ContractStatus.DRAFT,
        current_version=0,
        delivery_contract_ids=[],
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(contract)
    await uow.session.flush()
    await _add_version(uow, actor, contract, template, terms)
    await audit(uow, actor, AuditAction.CREATE, CONTRACT, [contract.id])
    await uow.commit()
    return contract


async def revise_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, terms: ContractTermsData
) -> NetworkContract:
    """A new version with the negotiated terms; the earlier unsigned one is superseded and
    approval starts again."""
    require_network_staff(actor)
    contract = await own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.REVISE, terms.change_note)
    current = await current_version(uow, contract)
    await step(
        uow, actor, "contract_version", current, CONTRACT_VERSION, ContractVersionAction.SUPERSEDE
    )
    template = await uow.session.get(ContractTemplate, contract.template_id)
    assert template is not None
    await _add_version(uow, actor, contract, template, terms)
    contract.signature_envelope_id = None
    await uow.commit()
    return contract


async def submit_contract_for_approval(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID
) -> NetworkContract:
    require_network_staff(actor)
    contract = await own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.SUBMIT_FOR_APPROVAL)
    uow.record(contract_event(uow, "network_contract.approval_requested", contract))
    await uow.commit()
    return contract


async def decide_contract_approval(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, approve: bool, reason: str | None
) -> NetworkContract:
    """Internal approval of the current version, by someone other than its author."""
    require_network_staff(actor)
    contract = await own_contract(uow, actor, contract_id)
    current = await current_version(uow, contract)
    if current.created_by_id == actor.subject_id and not actor.is_admin:
        raise forbidden("Someone other than the author approves a contract version")
    action = ContractAction.APPROVE if approve else ContractAction.REJECT
    await step(uow, actor, "contract", contract, CONTRACT, action, reason)
    if approve:
        await step(
            uow, actor, "contract_version", current, CONTRACT_VERSION, ContractVersionAction.APPROVE
        )
        current.approved_at = uow.clock.now()
        current.approved_by_id = actor.subject_id
    uow.record(contract_event(uow, f"network_contract.{contract.status.value.lower()}", contract))
    await uow.commit()
    return contract


async def contract_version_diff(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, from_version: int, to_version: int
) -> list[Change]:
    """What changed between two versions of a contract."""
    require_network_staff(actor)
    contract = await own_contract(uow, actor, contract_id, lock=False)
    rows = {
        v.number: v
        for v in await uow.session.scalars(
            select(ContractVersion).where(
                ContractVersion.contract_id == contract.id,
                ContractVersion.number.in_((from_version, to_version)),
            )
        )
    }
    for number, field in ((from_version, "fromVersion"), (to_version, "toVersion")):
        if number not in rows:
            raise not_found("Contract version", field)
    return diff_versions(_comparable(rows[from_version]), _comparable(rows[to_version]))


def _comparable(version: ContractVersion) -> dict[str, Any]:
    return {
        "tier": version.tier.value,
        "period_start": version.period_start,
        "period_end": version.period_end,
        "covered_services": sorted(version.covered_services),
        "payment_terms": version.payment_terms,
        "clauses": version.clauses,
        "document": version.document,
    }


async def _add_version(
    uow: UnitOfWork,
    actor: Principal,
    contract: NetworkContract,
    template: ContractTemplate,
    terms: ContractTermsData,
) -> ContractVersion:
    check_terms(terms)
    names = await _service_names(uow, actor, terms.covered_services)
    provider = await uow.session.get(Provider, contract.provider_id)
    network = await uow.session.get(Organization, contract.organization_id)
    assert provider is not None and network is not None
    number = contract.current_version + 1
    document = render(
        template.body,
        {
            "network_name": network.name,
            "provider_name": provider.name,
            "provider_npi": provider.npi or "",
            "contract_number": contract.number,
            "version": str(number),
            "tier": terms.tier.value,
            "effective_date": terms.period_start.isoformat(),
            "end_date": terms.period_end.isoformat(),
            "payment_terms": "\n".join(f"- {describe_term(t, names)}" for t in terms.payment_terms),
            "covered_services": "\n".join(f"- {names[b]}" for b in terms.covered_services),
            "clauses": "\n".join(f"{k}: {v}" for k, v in sorted(terms.clauses.items())),
        },
    )
    version = ContractVersion(
        contract_id=contract.id,
        number=number,
        status=ContractVersionStatus.DRAFT,
        tier=terms.tier,
        period_start=terms.period_start,
        period_end=terms.period_end,
        payment_terms=terms_to_json(terms),
        covered_services=[str(b) for b in terms.covered_services],
        clauses=dict(terms.clauses),
        document=document,
        document_hash=document_hash(document),
        change_note=(terms.change_note or "").strip()[:4000] or None,
        created_at=uow.clock.now(),
        created_by_id=actor.subject_id,
    )
    uow.session.add(version)
    contract.current_version = number
    contract.updated_at = uow.clock.now()
    await uow.session.flush()
    return version


async def _service_names(
    uow: UnitOfWork, actor: Principal, benefit_ids: tuple[uuid.UUID, ...]
) -> dict[uuid.UUID, str]:
    rows = await uow.session.execute(
        select(Benefit.id, Benefit.name).where(
            Benefit.id.in_(benefit_ids), Benefit.organization_id == actor.organization_id
        )
    )
    names = {row.id: row.name for row in rows}
    errors = ErrorCollector()
    for index, benefit_id in enumerate(benefit_ids):
        if benefit_id not in names:
            errors.add(ErrorCode.NOT_FOUND, "Benefit not found", f"coveredServices.{index}")
    errors.raise_if_any()
    return names


async def own_contract(
    uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, *, lock: bool = True
) -> NetworkContract:
    query = select(NetworkContract).where(
        NetworkContract.id == contract_id, NetworkContract.organization_id == actor.organization_id
    )
    found = await uow.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise not_found("Contract", "contractId")
    return found


async def current_version(uow: UnitOfWork, contract: NetworkContract) -> ContractVersion:
    version = await uow.session.scalar(
        select(ContractVersion).where(
            ContractVersion.contract_id == contract.id,
            ContractVersion.number == contract.current_version,
        )
    )
    assert version is not None
    return version


def contract_event(uow: UnitOfWork, name: str, contract: NetworkContract) -> Any:
    return network_event(
        uow,
        name,
        CONTRACT,
        contract.id,
        contract.organization_id,
        contract.provider_organization_id,
    )
