"""The e-signature of an approved contract version through the SignatureService port:
sent to the provider's signer, and recorded (signer, time, document hash) once signed."""

from __future__ import annotations

import uuid

from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.identity.rules import Principal
from domain.network.access import (
    CONTRACT,
    CONTRACT_VERSION,
    require_network_staff,
    step,
)
from domain.network.contracts import contract_event, current_version, own_contract
from domain.network.lifecycle import (
    ContractAction,
    ContractStatus,
    ContractVersionAction,
)
from domain.network.models import (
    NetworkContract,
)
from domain.network.ports import SignatureRequest, SignatureService, SourceUnavailable
from domain.network.rules import check_email
from domain.uow import UnitOfWork


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
    contract = await own_contract(uow, actor, contract_id)
    await step(uow, actor, "contract", contract, CONTRACT, ContractAction.SEND_FOR_SIGNATURE)
    current = await current_version(uow, contract)
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
    uow.record(contract_event(uow, "network_contract.sent_for_signature", contract))
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
    contract = await own_contract(uow, actor, contract_id)
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
    current = await current_version(uow, contract)
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
    uow.record(contract_event(uow, "network_contract.signed", contract))
    await uow.commit()
    return contract
