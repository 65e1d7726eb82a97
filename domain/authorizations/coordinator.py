"""The authorization coordinator's follow-up with a payer (seed 004 steps 4-6): recording what
a MANUAL payer said, and answering a payer's request for information."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from domain.authorizations.agency import AgencyPolicy, record_agency_determination
from domain.authorizations.answers import (
    answer_information_request,
    record_information_request,
    record_payer_determination,
)
from domain.authorizations.documents import Document, add_attachment, check_document
from domain.authorizations.models import (
    AuthorizationRequest,
    AuthorizerKind,
    InformationRequest,
)
from domain.authorizations.payer import COORDINATORS, load_own_request, partner_for
from domain.authorizations.rules import LineDecision
from domain.authorizations.service import audit_change, authorization_scope
from domain.errors import forbidden, not_found
from domain.identity.rules import Principal, require_role
from domain.partners.models import OutboxKind, Protocol
from domain.partners.outbox import enqueue
from domain.uow import UnitOfWork


async def _manual_request(
    uow: UnitOfWork, actor: Principal, request_id: uuid.UUID
) -> AuthorizationRequest:
    """A request to a payer reached by hand: only then does the coordinator speak for it."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    partner = await partner_for(uow, request.authorizer_organization_id)
    if partner.protocol is not Protocol.MANUAL:
        raise forbidden("This payer answers through its trading partner, not by hand", "requestId")
    return request


async def record_manual_determination(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    decisions: tuple[LineDecision, ...],
    payer_reference: str | None = None,
    notes: str | None = None,
) -> AuthorizationRequest:
    """Record the payer's per-line answer, with the payer's reference."""
    request = await _manual_request(uow, actor, request_id)
    return await record_payer_determination(
        uow=uow,
        actor=actor,
        request=request,
        decisions=decisions,
        payer_reference=payer_reference,
        notes=notes,
    )


async def record_manual_information_request(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    requested: str,
    due_at: datetime | None = None,
) -> InformationRequest:
    """Record that the payer asked for more information, and by when."""
    request = await _manual_request(uow, actor, request_id)
    asked = await record_information_request(
        uow=uow, actor=actor, request=request, requested=requested, due_at=due_at
    )
    await audit_change(uow, actor, request, ["informationRequests"])
    await uow.commit()
    return asked


async def provide_additional_information(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    information_request_id: uuid.UUID,
    response: str,
    documents: tuple[Document, ...] = (),
) -> AuthorizationRequest:
    """Answer the payer with the information and documents asked for; back to PENDED, and the
    answer leaves through the outbox to the payer's partner."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id, "requestId")
    asked = await answer_information_request(uow, actor, request, information_request_id, response)
    for index, document in enumerate(documents):
        check_document(
            document.title, document.content_type, document.content, f"documents.{index}"
        )
        add_attachment(uow, actor, request.id, document, asked.id)
    enqueue(
        uow,
        OutboxKind.PROVIDE_INFO,
        request,
        await partner_for(uow, request.authorizer_organization_id),
    )
    await audit_change(uow, actor, request, ["informationRequests", "attachments"])
    await uow.commit()
    return request


async def record_determination(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    decisions: tuple[LineDecision, ...],
    policy: AgencyPolicy,
    payer_reference: str | None = None,
    notes: str | None = None,
) -> AuthorizationRequest:
    """`recordDetermination`: the agency's caseworker deciding, or a coordinator recording what
    a MANUAL payer said, by who authorizes the request."""
    kind = await uow.session.scalar(
        select(AuthorizationRequest.authorizer_kind).where(
            AuthorizationRequest.id == request_id, authorization_scope(actor)
        )
    )
    if kind is None:
        raise not_found("Authorization request", "requestId")
    if kind is AuthorizerKind.AGENCY:
        return await record_agency_determination(
            uow=uow,
            actor=actor,
            request_id=request_id,
            decisions=decisions,
            policy=policy,
            notes=notes,
        )
    return await record_manual_determination(
        uow=uow,
        actor=actor,
        request_id=request_id,
        decisions=decisions,
        payer_reference=payer_reference,
        notes=notes,
    )
