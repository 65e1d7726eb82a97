"""The applicant's side of an application on the provider portal (save a draft, submit,
upload documents, answer requests for more) and the credentialing specialist's first steps
(start the review, request documents)."""

from __future__ import annotations

import hashlib
import uuid

from sqlalchemy import delete, func, select

from domain.audit.models import AuditAction
from domain.errors import DomainError, ErrorCode, ErrorCollector, not_found
from domain.events import DomainEvent
from domain.identity.rules import Principal
from domain.network.access import (
    APPLICATION,
    LEAD,
    advance_stage,
    audit,
    load_application,
    network_event,
    require_applicant,
    require_network_staff,
    step,
)
from domain.network.lifecycle import (
    ApplicationAction,
    ApplicationStatus,
    OutreachAction,
    StageAction,
    VerificationStatus,
)
from domain.network.models import (
    Application,
    ApplicationDocument,
    Credential,
    DocumentRequest,
    DocumentRequestStatus,
    Lead,
)
from domain.network.rules import (
    ApplicationData,
    CredentialData,
    check_draft,
    check_submission,
    checklist,
    subject_name,
    to_json,
)
from domain.network.stored import stored_data
from domain.providers.service import check_offered_benefits
from domain.uow import UnitOfWork

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/plain")


async def save_application_draft(
    *, uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, data: ApplicationData
) -> Application:
    """Keep what the applicant entered so far (checked for malformed values, not for gaps)."""
    require_applicant(actor)
    application = await load_application(uow, actor, application_id)
    await step(uow, actor, "application", application, APPLICATION, ApplicationAction.SAVE)
    check_draft(data, application.provider_organization_id)
    await check_offered_benefits(uow, data.services)
    _store(application, data)
    await uow.session.execute(delete(Credential).where(Credential.application_id == application.id))
    _add_credentials(uow, application, data, list(data.credentials))
    await audit(uow, actor, AuditAction.UPDATE, APPLICATION, [application.id])
    await uow.commit()
    return application


async def submit_application(
    *, uow: UnitOfWork, actor: Principal, application_id: uuid.UUID
) -> Application:
    """Send the saved application to the network; its credentialing checklist is made."""
    require_applicant(actor)
    application = await load_application(uow, actor, application_id)
    data = await stored_data(uow, application)
    await step(uow, actor, "application", application, APPLICATION, ApplicationAction.SUBMIT)
    check_submission(data, uow.clock.now().date())
    await uow.session.execute(delete(Credential).where(Credential.application_id == application.id))
    _add_credentials(uow, application, data, checklist(data))
    application.submitted_at = uow.clock.now()
    await advance_stage(uow, actor, application, StageAction.APPLY)
    if application.lead_id is not None:
        lead = await uow.session.get(Lead, application.lead_id)
        if lead is not None:
            await step(uow, actor, "outreach", lead, LEAD, OutreachAction.APPLY)
            lead.stage = application.stage
    uow.record(_event(uow, "network_application.submitted", application))
    await uow.commit()
    return application


async def start_review(
    *, uow: UnitOfWork, actor: Principal, application_id: uuid.UUID
) -> Application:
    """A credentialing specialist takes up a submitted application."""
    require_network_staff(actor)
    application = await load_application(uow, actor, application_id)
    await step(uow, actor, "application", application, APPLICATION, ApplicationAction.START_REVIEW)
    uow.record(_event(uow, "network_application.in_review", application))
    await uow.commit()
    return application


async def request_documents(
    *, uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, message: str
) -> DocumentRequest:
    """Ask the applicant for more documents; the application waits for the answer."""
    require_network_staff(actor)
    if not message.strip() or len(message) > 4000:
        raise DomainError(
            ErrorCode.REQUIRED, "Say what is needed (up to 4000 characters)", "message"
        )
    application = await load_application(uow, actor, application_id)
    await step(
        uow, actor, "application", application, APPLICATION, ApplicationAction.REQUEST_DOCUMENTS
    )
    request = DocumentRequest(
        application_id=application.id,
        message=message.strip(),
        status=DocumentRequestStatus.OPEN,
        requested_at=uow.clock.now(),
        requested_by_id=actor.subject_id,
    )
    uow.session.add(request)
    await uow.session.flush()
    uow.record(_event(uow, "network_application.documents_requested", application))
    await uow.commit()
    return request


async def upload_document(
    *,
    uow: UnitOfWork,
    actor: Principal,
    application_id: uuid.UUID,
    title: str,
    content_type: str,
    content: bytes,
    request_id: uuid.UUID | None = None,
) -> ApplicationDocument:
    """Attach a file to the applicant's own application (optionally for a document request)."""
    require_applicant(actor)
    application = await load_application(uow, actor, application_id)
    _check_document(title, content_type, content)
    if application.status in (
        ApplicationStatus.APPROVED,
        ApplicationStatus.DENIED,
        ApplicationStatus.WITHDRAWN,
    ):
        raise DomainError(ErrorCode.CONFLICT, "The application is decided", "applicationId")
    if request_id is not None:
        await _open_request(uow, application.id, request_id)
    document = ApplicationDocument(
        application_id=application.id,
        request_id=request_id,
        title=title.strip(),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        uploaded_at=uow.clock.now(),
        uploaded_by_id=actor.subject_id,
    )
    uow.session.add(document)
    await uow.session.flush()
    await audit(uow, actor, AuditAction.UPDATE, APPLICATION, [application.id])
    await uow.commit()
    return document


async def answer_document_request(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID, answer: str | None
) -> DocumentRequest:
    """The applicant answers with the documents uploaded for it; when no request is left
    open, the application is back in review."""
    require_applicant(actor)
    request = await uow.session.get(DocumentRequest, request_id)
    if request is None:
        raise not_found("Document request", "requestId")
    application = await load_application(uow, actor, request.application_id)
    await _open_request(uow, application.id, request_id)
    given = await uow.session.scalar(
        select(func.count()).where(ApplicationDocument.request_id == request_id)
    )
    if not given:
        raise DomainError(ErrorCode.REQUIRED, "Upload the requested documents first", "requestId")
    request.status = DocumentRequestStatus.ANSWERED
    request.answered_at = uow.clock.now()
    request.answer = (answer or "").strip()[:4000] or None
    await uow.session.flush()
    still_open = await uow.session.scalar(
        select(func.count()).where(
            DocumentRequest.application_id == application.id,
            DocumentRequest.status == DocumentRequestStatus.OPEN,
        )
    )
    if not still_open:
        await step(
            uow, actor, "application", application, APPLICATION, ApplicationAction.ANSWER_REQUEST
        )
    uow.record(_event(uow, "network_application.documents_answered", application))
    await uow.commit()
    return request


async def withdraw_application(
    *, uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, reason: str | None
) -> Application:
    """The applicant takes the application back before it is decided."""
    require_applicant(actor)
    application = await load_application(uow, actor, application_id)
    await step(
        uow, actor, "application", application, APPLICATION, ApplicationAction.WITHDRAW, reason
    )
    if application.submitted_at is not None:
        await advance_stage(uow, actor, application, StageAction.END)
    uow.record(_event(uow, "network_application.withdrawn", application))
    await uow.commit()
    return application


def _store(application: Application, data: ApplicationData) -> None:
    application.practice = to_json(data.practice)
    application.practitioners = to_json(data.practitioners)
    application.locations = to_json(data.locations)
    application.specialties = to_json(data.specialties)
    application.services = to_json(data.services)
    application.languages = list(data.languages)


def _add_credentials(
    uow: UnitOfWork, application: Application, data: ApplicationData, items: list[CredentialData]
) -> None:
    now = uow.clock.now()
    for position, item in enumerate(items):
        uow.session.add(
            Credential(
                application_id=application.id,
                position=position,
                kind=item.kind,
                subject_name=subject_name(data, item.subject_npi),
                subject_npi=item.subject_npi,
                number=item.number,
                issuer=item.issuer,
                state=item.state,
                issued_on=item.issued_on,
                expires_on=item.expires_on,
                details=dict(item.details),
                status=VerificationStatus.PENDING,
                attempts=0,
                created_at=now,
                updated_at=now,
            )
        )


def _check_document(title: str, content_type: str, content: bytes) -> None:
    errors = ErrorCollector()
    if not title.strip() or len(title) > 200:
        errors.add(ErrorCode.REQUIRED, "Title the document (up to 200 characters)", "title")
    if content_type not in DOCUMENT_TYPES:
        errors.add(ErrorCode.INVALID, f"Send one of {', '.join(DOCUMENT_TYPES)}", "contentType")
    if not content:
        errors.add(ErrorCode.REQUIRED, "The document is empty", "content")
    if len(content) > MAX_DOCUMENT_BYTES:
        errors.add(ErrorCode.LIMIT_EXCEEDED, "At most 5 MB per document", "content")
    errors.raise_if_any()


async def _open_request(uow: UnitOfWork, application_id: uuid.UUID, request_id: uuid.UUID) -> None:
    request = await uow.session.get(DocumentRequest, request_id)
    if request is None or request.application_id != application_id:
        raise not_found("Document request", "requestId")
    if request.status is not DocumentRequestStatus.OPEN:
        raise DomainError(ErrorCode.CONFLICT, "This request is answered already", "requestId")


def _event(uow: UnitOfWork, name: str, application: Application) -> DomainEvent:
    return network_event(
        uow,
        name,
        APPLICATION,
        application.id,
        application.organization_id,
        application.provider_organization_id,
        status=application.status,
    )
