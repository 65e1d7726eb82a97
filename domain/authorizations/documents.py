"""Documents sent with a request (clinical notes, letters of medical necessity...), each kept
with its SHA-256 so what was sent can be proven later."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AttachmentKind, AuthorizationAttachment
from domain.authorizations.payer import COORDINATORS, load_own_request
from domain.authorizations.service import audit_change
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal, require_role
from domain.models import new_id
from domain.uow import UnitOfWork

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain"}
)


@dataclass(frozen=True, slots=True)
class Document:
    kind: AttachmentKind
    title: str
    content_type: str
    content: bytes


def add_attachment(
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    document: Document,
    information_request_id: uuid.UUID | None = None,
) -> AuthorizationAttachment:
    """A checked document, stored with its hash; the caller audits and commits."""
    values = attachment_values(actor, request_id, document, uow.clock.now(), information_request_id)
    attachment = AuthorizationAttachment(**values)
    uow.session.add(attachment)
    return attachment


def attachment_values(
    actor: Principal,
    request_id: uuid.UUID,
    document: Document,
    now: datetime,
    information_request_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """An attachment's columns (its key too): the document with its size and SHA-256."""
    return {
        "id": new_id(),
        "request_id": request_id,
        "information_request_id": information_request_id,
        "kind": document.kind,
        "title": document.title.strip(),
        "content_type": document.content_type,
        "size_bytes": len(document.content),
        "sha256": hashlib.sha256(document.content).hexdigest(),
        "content": document.content,
        "attached_at": now,
        "attached_by_id": actor.subject_id,
    }


async def attach_document(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    kind: AttachmentKind,
    title: str,
    content_type: str,
    content: bytes,
    information_request_id: uuid.UUID | None = None,
) -> AuthorizationAttachment:
    """Attach a document (kept with its SHA-256) to a request not yet decided."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    if request.status not in _OPEN_FOR_DOCUMENTS:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION, f"The request is {request.status}", "requestId"
        )
    check_document(title, content_type, content)
    attachment = add_attachment(
        uow, actor, request.id, Document(kind, title, content_type, content), information_request_id
    )
    request.updated_at = uow.clock.now()
    await audit_change(uow, actor, request, ["attachments"])
    await uow.commit()
    return attachment


_OPEN_FOR_DOCUMENTS = frozenset(
    {
        AuthorizationStatus.DRAFT,
        AuthorizationStatus.SUBMIT_FAILED,
        AuthorizationStatus.REJECTED,
        AuthorizationStatus.SUBMITTED,
        AuthorizationStatus.PENDED,
        AuthorizationStatus.INFO_REQUESTED,
        AuthorizationStatus.DENIED,
        AuthorizationStatus.PARTIALLY_APPROVED,
        AuthorizationStatus.MODIFIED,
    }
)


def check_document(title: str, content_type: str, content: bytes, at: str = "") -> None:
    """A document has a title, an accepted type and at most 10 MiB; `at` prefixes fields."""
    prefix = f"{at}." if at else ""
    if not title.strip() or len(title) > 200:
        raise DomainError(ErrorCode.INVALID, "A title of 1-200 characters", f"{prefix}title")
    if content_type not in CONTENT_TYPES:
        allowed = ", ".join(sorted(CONTENT_TYPES))
        raise DomainError(
            ErrorCode.INVALID, f"Documents are one of: {allowed}", f"{prefix}contentType"
        )
    if not content:
        raise DomainError(ErrorCode.REQUIRED, "The document is empty", f"{prefix}content")
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise DomainError(
            ErrorCode.LIMIT_EXCEEDED, "Documents are at most 10 MiB", f"{prefix}content"
        )
