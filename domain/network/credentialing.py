"""Credentialing: a specialist works the checklist of an application, verifying each item
in-house or through a verification source; the committee approves or denies; approved
providers are listed in the directory (not yet in network) and re-credentialed on a date."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.rules import Principal
from domain.network.access import (
    APPLICATION,
    CREDENTIAL,
    advance_stage,
    audit,
    load_application,
    network_event,
    require_network_staff,
    step,
)
from domain.network.lifecycle import (
    ApplicationAction,
    ApplicationStatus,
    CommitteeDecision,
    StageAction,
    VerificationAction,
    VerificationStatus,
)
from domain.network.models import (
    Application,
    Credential,
    VerificationMethod,
)
from domain.network.ports import (
    SourceUnavailable,
    VerificationAnswer,
    VerificationQuery,
    VerificationSources,
)
from domain.network.rules import SOURCES, provider_data
from domain.network.stored import application_data
from domain.providers.models import ProviderKind
from domain.providers.service import add_provider
from domain.uow import UnitOfWork

# Checklists are worked in review, and again on an approved provider for re-credentialing.
WORKED = (
    ApplicationStatus.IN_REVIEW,
    ApplicationStatus.DOCUMENTS_REQUESTED,
    ApplicationStatus.APPROVED,
)


async def verify_credential(
    *,
    uow: UnitOfWork,
    actor: Principal,
    credential_id: uuid.UUID,
    verified: bool,
    evidence: str,
    expires_on: date | None = None,
) -> Credential:
    """Record an in-house verification (the specialist checked the document or called)."""
    require_network_staff(actor)
    if not evidence.strip() or len(evidence) > 4000:
        raise DomainError(ErrorCode.REQUIRED, "Say how it was verified", "evidence")
    credential, _ = await _worked_credential(uow, actor, credential_id)
    answer = VerificationAnswer(verified, evidence.strip(), None, expires_on)
    await _apply(uow, actor, credential, answer, VerificationMethod.IN_HOUSE)
    await uow.commit()
    return credential


async def run_credential_verification(
    *,
    uow: UnitOfWork,
    actor: Principal,
    credential_id: uuid.UUID,
    sources: VerificationSources | None,
) -> Credential:
    """Ask the credential's verification source (a failed or expired check runs again)."""
    require_network_staff(actor)
    credential, _ = await _worked_credential(uow, actor, credential_id)
    source = SOURCES.get(credential.kind)
    if source is None:
        raise DomainError(
            ErrorCode.INVALID, f"A {credential.kind} is verified in-house", "credentialId"
        )
    if sources is None:
        raise DomainError(ErrorCode.CONFLICT, "No verification source is configured")
    query = VerificationQuery(
        credential.kind,
        credential.subject_name,
        credential.subject_npi or credential.number,
        credential.number,
        credential.state,
    )
    try:
        answer = await sources.verify(source, query)
    except SourceUnavailable as error:
        answer = VerificationAnswer(False, f"The source did not answer: {error}")
    credential.source = source
    await _apply(uow, actor, credential, answer, VerificationMethod.SOURCE)
    await uow.commit()
    return credential


async def _apply(
    uow: UnitOfWork,
    actor: Principal,
    credential: Credential,
    answer: VerificationAnswer,
    method: VerificationMethod,
) -> None:
    if credential.status is not VerificationStatus.PENDING:
        await step(uow, actor, "verification", credential, CREDENTIAL, VerificationAction.RERUN)
    today = uow.clock.now().date()
    expires = answer.expires_on or credential.expires_on
    verified = answer.verified and (expires is None or expires > today)
    evidence = answer.evidence if verified or not answer.verified else f"{answer.evidence}; expired"
    action = VerificationAction.VERIFY if verified else VerificationAction.FAIL
    await step(uow, actor, "verification", credential, CREDENTIAL, action, evidence[:200])
    credential.method = method
    credential.evidence = evidence
    credential.source_reference = answer.reference
    credential.expires_on = expires
    credential.attempts += 1
    credential.verified_at = uow.clock.now()
    credential.verified_by_id = actor.subject_id


async def _worked_credential(
    uow: UnitOfWork, actor: Principal, credential_id: uuid.UUID
) -> tuple[Credential, Application]:
    credential = await uow.session.scalar(
        select(Credential).where(Credential.id == credential_id).with_for_update()
    )
    if credential is None:
        raise not_found("Credential", "credentialId")
    application = await load_application(uow, actor, credential.application_id, lock=False)
    if application.status not in WORKED:
        raise DomainError(ErrorCode.CONFLICT, "The application is not under review", "credentialId")
    return credential, application


async def record_committee_decision(
    *,
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    decision: CommitteeDecision,
    notes: str | None,
    recredentialing_months: int = 36,
) -> Application:
    """The credentialing committee's decision; an approval needs every check VERIFIED and
    lists the practice and its practitioners in the directory, pending onboarding."""
    require_network_staff(actor)
    application = await load_application(uow, actor, application_id)
    approve = decision is CommitteeDecision.APPROVED
    action = ApplicationAction.APPROVE if approve else ApplicationAction.DENY
    await step(uow, actor, "application", application, APPLICATION, action, notes)
    if approve:
        await _check_all_verified(uow, application.id)
        today = uow.clock.now().date()
        application.credentialed_on = today
        application.recredentialing_due_on = add_months(today, recredentialing_months)
        await _list_in_directory(uow, actor, application)
    await advance_stage(
        uow, actor, application, StageAction.APPROVE if approve else StageAction.END
    )
    application.decision = decision
    application.decision_notes = (notes or "").strip()[:4000] or None
    application.decided_at = uow.clock.now()
    application.decided_by_id = actor.subject_id
    uow.record(
        network_event(
            uow,
            f"network_application.{application.status.value.lower()}",
            APPLICATION,
            application.id,
            application.organization_id,
            application.provider_organization_id,
        )
    )
    await uow.commit()
    return application


async def _check_all_verified(uow: UnitOfWork, application_id: uuid.UUID) -> None:
    statuses = list(
        await uow.session.scalars(
            select(Credential.status).where(Credential.application_id == application_id)
        )
    )
    open_items = [s for s in statuses if s is not VerificationStatus.VERIFIED]
    if open_items or not statuses:
        raise DomainError(
            ErrorCode.CONFLICT,
            f"{len(open_items)} checklist items are not verified",
            "decision",
        )


async def _list_in_directory(uow: UnitOfWork, actor: Principal, application: Application) -> None:
    """The practice, and each practitioner of a group practice under it, as PENDING providers
    not yet accepting referrals."""
    data = application_data(application)
    base = dataclasses.replace(
        provider_data(data, application.provider_organization_id), accepting_referrals=False
    )
    practice = await add_provider(uow=uow, actor=actor, data=base)
    application.provider_id = practice.id
    ids: list[str] = []
    if data.practice.kind is ProviderKind.ORGANIZATION:
        for person in data.practitioners:
            specialties = tuple(
                dataclasses.replace(s, is_primary=s.code == person.specialty_code)
                for s in data.specialties
            )
            entry = dataclasses.replace(
                base,
                kind=ProviderKind.PRACTITIONER,
                name=person.name,
                npi=person.npi,
                parent_provider_id=practice.id,
                specialties=specialties,
                website=None,
            )
            ids.append(str((await add_provider(uow=uow, actor=actor, data=entry)).id))
    application.practitioner_provider_ids = ids
    await audit(uow, actor, AuditAction.CREATE, "Provider", [practice.id])


async def record_recredentialing(
    *,
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    recredentialing_months: int = 36,
) -> Application:
    """An approved provider's credentials were verified again: the next due date is set."""
    require_network_staff(actor)
    application = await load_application(uow, actor, application_id)
    if application.status is not ApplicationStatus.APPROVED:
        raise DomainError(ErrorCode.CONFLICT, "Re-credential approved providers", "applicationId")
    await _check_all_verified(uow, application.id)
    today = uow.clock.now().date()
    application.credentialed_on = today
    application.recredentialing_due_on = add_months(today, recredentialing_months)
    application.updated_at = uow.clock.now()
    await audit(uow, actor, AuditAction.UPDATE, APPLICATION, [application.id])
    uow.record(
        network_event(
            uow,
            "network_application.recredentialed",
            APPLICATION,
            application.id,
            application.organization_id,
            application.provider_organization_id,
        )
    )
    await uow.commit()
    return application


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28))
