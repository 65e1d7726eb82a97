"""Contracting: templates with merge fields; a contract drafted from a template for an
approved provider, revised in versions while it is negotiated, approved internally by
someone other than its author, sent for e-signature and recorded signed; its activation
opens the service-delivery contracts whose rates payments use, and the onboarding tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.catalog.models import Benefit
from domain.delivery.access import move
from domain.delivery.contracts import add_provider_contract
from domain.delivery.lifecycle import CONTRACT_TRANSITIONS as DELIVERY_TRANSITIONS
from domain.delivery.lifecycle import ContractAction as DeliveryAction
from domain.delivery.models import ContractKind, ProviderContract
from domain.delivery.rules import ContractData
from domain.errors import DomainError, ErrorCode, ErrorCollector, forbidden, not_found
from domain.identity.models import Organization, OrganizationKind
from domain.identity.rules import Principal
from domain.network.access import (
    CONTRACT,
    CONTRACT_VERSION,
    advance_stage,
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
    OnboardingTaskStatus,
    StageAction,
)
from domain.network.models import (
    Application,
    ContractTemplate,
    ContractVersion,
    NetworkContract,
    OnboardingTask,
    OnboardingTaskKind,
)
from domain.network.onboarding import set_network_status
from domain.network.ports import SignatureRequest, SignatureService, SourceUnavailable
from domain.network.rules import (
    Change,
    ContractTermsData,
    PaymentTermKind,
    check_email,
    check_template,
    check_terms,
    describe_term,
    diff_versions,
    document_hash,
    render,
    term_from_json,
    terms_to_json,
)
from domain.numbers import next_number
from domain.providers.models import NetworkStatus, Provider
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
    contract = await _own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.REVISE, terms.change_note)
    current = await _current_version(uow, contract)
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
    contract = await _own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.SUBMIT_FOR_APPROVAL)
    uow.record(_event(uow, "network_contract.approval_requested", contract))
    await uow.commit()
    return contract


async def decide_contract_approval(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, approve: bool, reason: str | None
) -> NetworkContract:
    """Internal approval of the current version, by someone other than its author."""
    require_network_staff(actor)
    contract = await _own_contract(uow, actor, contract_id)
    current = await _current_version(uow, contract)
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
    uow.record(_event(uow, f"network_contract.{contract.status.value.lower()}", contract))
    await uow.commit()
    return contract


async def send_contract_for_signature(
    *,
    uow: UnitOfWork,
    actor: Principal,
    contract_id: uuid.UUID,
    signer_name: str,
    signer_email: str,
    signatures: SignatureService | None,
) -> NetworkContract:
    """Send the approved version to the provider's signer through the signature service."""
    require_network_staff(actor)
    errors = ErrorCollector()
    if not signer_name.strip() or len(signer_name) > 200:
        errors.add(ErrorCode.REQUIRED, "Name the signer", "signerName")
    try:
        check_email(signer_email, "signerEmail")
    except DomainError as error:
        errors.add(error.code, error.message, error.field)
    errors.raise_if_any()
    if signatures is None:
        raise DomainError(ErrorCode.CONFLICT, "No signature service is configured")
    contract = await _own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.SEND_FOR_SIGNATURE)
    current = await _current_version(uow, contract)
    request = SignatureRequest(
        reference=f"{contract.number} v{current.number}",
        document=current.document,
        document_hash=current.document_hash,
        signer_name=signer_name.strip(),
        signer_email=signer_email.strip().lower(),
    )
    try:
        contract.signature_envelope_id = await signatures.send(request)
    except SourceUnavailable as error:
        raise DomainError(
            ErrorCode.CONFLICT, f"The signature service did not answer: {error}"
        ) from None
    uow.record(_event(uow, "network_contract.sent_for_signature", contract))
    await uow.commit()
    return contract


async def record_contract_signature(
    *,
    uow: UnitOfWork,
    actor: Principal,
    contract_id: uuid.UUID,
    signatures: SignatureService | None,
) -> NetworkContract:
    """Fetch the envelope's state: record the signer, time and hash of a completed signature
    of exactly the approved document."""
    require_network_staff(actor)
    if signatures is None:
        raise DomainError(ErrorCode.CONFLICT, "No signature service is configured")
    contract = await _own_contract(uow, actor, contract_id)
    if (
        contract.status is not ContractStatus.SENT_FOR_SIGNATURE
        or not contract.signature_envelope_id
    ):
        raise DomainError(ErrorCode.CONFLICT, "The contract is not out for signature", "contractId")
    try:
        status = await signatures.status(contract.signature_envelope_id)
    except SourceUnavailable as error:
        raise DomainError(
            ErrorCode.CONFLICT, f"The signature service did not answer: {error}"
        ) from None
    if status.declined:
        raise DomainError(
            ErrorCode.CONFLICT, "The signer declined; revise the contract", "contractId"
        )
    if not status.completed:
        raise DomainError(ErrorCode.CONFLICT, "Not signed yet", "contractId")
    current = await _current_version(uow, contract)
    if status.document_hash != current.document_hash:
        raise DomainError(
            ErrorCode.CONFLICT, "The signed document is not the approved version", "contractId"
        )
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.SIGN)
    await step(
        uow, actor, "contract_version", current, CONTRACT_VERSION, ContractVersionAction.SIGN
    )
    contract.signed_by_name = status.signer_name
    contract.signed_by_email = status.signer_email
    contract.signed_at = status.signed_at
    contract.signed_document_hash = status.document_hash
    uow.record(_event(uow, "network_contract.signed", contract))
    await uow.commit()
    return contract


async def activate_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID
) -> NetworkContract:
    """The signed contract takes effect: its rates open service-delivery contracts for the
    practice and its practitioners, and the onboarding tasks are made."""
    require_network_staff(actor)
    contract = await _own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.ACTIVATE)
    current = await _current_version(uow, contract)
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
    uow.record(_event(uow, "network_contract.active", contract))
    await uow.commit()
    return contract


async def terminate_contract(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, reason: str | None
) -> NetworkContract:
    """End the contract and the service-delivery contracts it opened."""
    require_network_staff(actor)
    if not (reason or "").strip():
        raise DomainError(ErrorCode.REQUIRED, "Give a reason for terminating", "reason")
    contract = await _own_contract(uow, actor, contract_id)
    was_active = contract.status is ContractStatus.ACTIVE
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.TERMINATE, reason)
    contract.ended_at = uow.clock.now()
    await _close_delivery_contracts(uow, actor, contract, reason)
    if was_active:
        application = await load_application(uow, actor, contract.application_id)
        await set_network_status(uow, application, NetworkStatus.OUT_OF_NETWORK)
        await advance_stage(uow, actor, application, StageAction.END)
    uow.record(_event(uow, "network_contract.terminated", contract))
    await uow.commit()
    return contract


async def contract_version_diff(
    *, uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, from_version: int, to_version: int
) -> list[Change]:
    """What changed between two versions of a contract."""
    require_network_staff(actor)
    contract = await _own_contract(uow, actor, contract_id, lock=False)
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


async def _own_contract(
    uow: UnitOfWork, actor: Principal, contract_id: uuid.UUID, *, lock: bool = True
) -> NetworkContract:
    query = select(NetworkContract).where(
        NetworkContract.id == contract_id, NetworkContract.organization_id == actor.organization_id
    )
    found = await uow.session.scalar(query.with_for_update() if lock else query)
    if found is None:
        raise not_found("Contract", "contractId")
    return found


async def _current_version(uow: UnitOfWork, contract: NetworkContract) -> ContractVersion:
    version = await uow.session.scalar(
        select(ContractVersion).where(
            ContractVersion.contract_id == contract.id,
            ContractVersion.number == contract.current_version,
        )
    )
    assert version is not None
    return version


def _event(uow: UnitOfWork, name: str, contract: NetworkContract) -> Any:
    return network_event(
        uow,
        name,
        CONTRACT,
        contract.id,
        contract.organization_id,
        contract.provider_organization_id,
    )
