"""The authorization coordinator's request to a payer (seed 004): draft it, attach documents,
submit it through the payer's trading partner, cancel it, hand it to a colleague."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.lifecycle import AuthorizationAction, AuthorizationStatus
from domain.authorizations.models import (
    AuthorizationDiagnosis,
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizerKind,
    Priority,
)
from domain.authorizations.payer_rows import (
    decision_time_of,
    diagnosis_values,
    draft_values,
    line_values,
)
from domain.authorizations.payer_rules import PayerRequestData, check_payer_request
from domain.authorizations.service import (
    ENTITY,
    audit_change,
    authorization_scope,
    move_request,
    request_event,
)
from domain.errors import DomainError, ErrorCode, forbidden, not_found
from domain.history import record_status
from domain.identity.models import Organization, OrganizationKind, Role, User
from domain.identity.rules import Principal, require_role
from domain.numbers import next_number
from domain.partners.models import OutboxKind, TradingPartner
from domain.partners.outbox import enqueue
from domain.people.models import AccessReason, Coverage, Person
from domain.people.service import grant_access, visible_to
from domain.providers.models import Provider
from domain.uow import UnitOfWork

COORDINATORS = (Role.AUTH_COORDINATOR, Role.PROVIDER_STAFF)
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/tiff", "text/plain"}
)


async def create_payer_request(
    *, uow: UnitOfWork, actor: Principal, data: PayerRequestData
) -> AuthorizationRequest:
    """A DRAFT request from the actor's provider organisation to a payer."""
    request = await draft_payer_request(uow=uow, actor=actor, data=data)
    await uow.commit()
    return request


async def draft_payer_request(
    *, uow: UnitOfWork, actor: Principal, data: PayerRequestData
) -> AuthorizationRequest:
    """`create_payer_request` within a larger use case: the caller commits."""
    require_role(actor, *COORDINATORS)
    if actor.organization_kind is not OrganizationKind.PROVIDER:
        raise forbidden("Prior authorization is requested by a provider organisation")
    check_payer_request(data)
    await _check_references(uow, actor, data)
    number = await next_number(uow=uow, prefix="AR")
    request = AuthorizationRequest(**draft_values(actor, data, number, uow.clock.now()))
    uow.session.add(request)
    await uow.session.flush()
    _add_clinical(uow, request.id, data)
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=request.id,
        from_status=None,
        to_status=request.status,
    )
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity=ENTITY, entity_ids=[request.id]
    )
    return request


def _add_clinical(uow: UnitOfWork, request_id: uuid.UUID, data: PayerRequestData) -> None:
    for diagnosis in diagnosis_values(request_id, data):
        uow.session.add(AuthorizationDiagnosis(**diagnosis))
    for line in line_values(request_id, data):
        uow.session.add(AuthorizationLine(**line))


async def _check_references(uow: UnitOfWork, actor: Principal, data: PayerRequestData) -> None:
    """The patient is one the actor may see; the payer is a payer; the coverage is the
    patient's with that payer; the providers exist."""
    if (
        await uow.session.scalar(
            select(Person.id).where(Person.id == data.patient_id, visible_to(actor))
        )
        is None
    ):
        raise not_found("Person", "patientId")
    payer = await uow.session.get(Organization, data.payer_id)
    if payer is None or payer.kind is not OrganizationKind.PAYER:
        raise not_found("Payer", "payerId")
    if data.coverage_id is not None:
        coverage = await uow.session.get(Coverage, data.coverage_id)
        if coverage is None or (coverage.person_id, coverage.payer_organization_id) != (
            data.patient_id,
            data.payer_id,
        ):
            raise not_found("Coverage", "coverageId")
    fields = ("requesting_provider_id", "servicing_provider_id", "facility_provider_id")
    asked = {name: getattr(data, name) for name in fields if getattr(data, name) is not None}
    known = (
        set(await uow.session.scalars(select(Provider.id).where(Provider.id.in_(asked.values()))))
        if asked
        else set()
    )
    for field_name, provider_id in asked.items():
        if provider_id not in known:
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(field_name.split("_")))
            raise not_found("Provider", camel)


async def load_own_request(
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    field: str = "id",
    *,
    for_update: bool = True,
) -> AuthorizationRequest:
    """A payer request the actor's organisation made, locked for the change."""
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.id == request_id,
        AuthorizationRequest.requesting_organization_id == actor.organization_id,
        AuthorizationRequest.authorizer_kind == AuthorizerKind.PAYER,
    )
    request = await uow.session.scalar(query.with_for_update() if for_update else query)
    if request is None:
        raise not_found("Authorization request", field)
    return request


async def partner_for(uow: UnitOfWork, payer_id: uuid.UUID) -> TradingPartner:
    partner = await uow.session.scalar(
        select(TradingPartner).where(
            TradingPartner.payer_organization_id == payer_id, TradingPartner.active.is_(True)
        )
    )
    if partner is None:
        raise DomainError(
            ErrorCode.NO_TRADING_PARTNER,
            "This payer cannot be reached yet: no trading partner",
            "id",
        )
    return partner


async def submit_request(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID
) -> AuthorizationRequest:
    """Hand the request to the outbox for its payer's trading partner (SUBMITTING)."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id)
    lines = await uow.session.scalar(
        select(AuthorizationLine.id).where(AuthorizationLine.request_id == request.id).limit(1)
    )
    if lines is None:
        raise DomainError(ErrorCode.REQUIRED, "Request at least one service", "lines")
    partner = await partner_for(uow, request.authorizer_organization_id)
    await hand_to_partner(uow, actor, request, partner)
    await uow.commit()
    return request


async def hand_to_partner(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, partner: TradingPartner
) -> None:
    """SUBMITTING, due dates set, the payer may see the patient, an outbox row: callers commit."""
    await move_request(uow, actor, request, AuthorizationAction.SUBMIT)
    request.trading_partner_id = partner.id
    now = uow.clock.now()
    request.received_at, request.submitted_at = now, now
    request.decision_due_at = now + decision_time(partner, request.priority)
    await grant_access(
        uow=uow,
        person_id=request.patient_id,
        organization_id=request.authorizer_organization_id,
        reason=AccessReason.AUTHORIZATION,
    )
    enqueue(uow, OutboxKind.SUBMIT, request, partner)


def decision_time(partner: TradingPartner, priority: Priority) -> timedelta:
    """CMS-0057-F's time frames unless the partner has its own."""
    return decision_time_of(partner.expedited_hours, partner.standard_days, priority)


async def cancel_request(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID, reason: str | None = None
) -> AuthorizationRequest:
    """An unsent request is cancelled at once; a sent one asks the payer to cancel it."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id)
    await withdraw_request(uow, actor, request, reason)
    await uow.commit()
    return request


async def withdraw_request(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, reason: str | None
) -> None:
    """Cancel an unsent request at once, ask the payer to cancel a sent one: callers commit."""
    if request.status in (
        AuthorizationStatus.DRAFT,
        AuthorizationStatus.SUBMIT_FAILED,
        AuthorizationStatus.REJECTED,
    ):
        await move_request(uow, actor, request, AuthorizationAction.CANCEL, reason)
    elif request.status in (
        AuthorizationStatus.SUBMITTED,
        AuthorizationStatus.PENDED,
        AuthorizationStatus.INFO_REQUESTED,
    ):
        partner = await partner_for(uow, request.authorizer_organization_id)
        enqueue(uow, OutboxKind.CANCEL, request, partner)
    else:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION, f"Cannot CANCEL in status {request.status}", "id"
        )
    await audit_change(uow, actor, request, ["status"])


async def assign_request(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID, assignee_id: uuid.UUID | None
) -> AuthorizationRequest:
    """Give the request to a coordinator of the organisation (None: back to the queue)."""
    require_role(actor, *COORDINATORS)
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.id == request_id, authorization_scope(actor)
    )
    request = await uow.session.scalar(query.with_for_update())
    if request is None:
        raise not_found("Authorization request", "id")
    if assignee_id is not None:
        user = await uow.session.get(User, assignee_id)
        if user is None or user.organization_id != actor.organization_id or not user.active:
            raise not_found("User", "assigneeId")
        if not set(user.roles) & {r.value for r in COORDINATORS}:
            raise DomainError(
                ErrorCode.INVALID, "Assign to an authorization coordinator", "assigneeId"
            )
    request.assignee_id, request.updated_at = assignee_id, uow.clock.now()
    await audit_change(uow, actor, request, ["assignee"])
    uow.record(request_event(request))
    await uow.commit()
    return request


EDITABLE = frozenset(
    {AuthorizationStatus.DRAFT, AuthorizationStatus.SUBMIT_FAILED, AuthorizationStatus.REJECTED}
)


async def update_payer_request(
    *, uow: UnitOfWork, actor: Principal, request_id: uuid.UUID, data: PayerRequestData
) -> AuthorizationRequest:
    """Replace an unsent (or rejected) request's clinical details: diagnoses, lines, priority,
    category, providers and notes. The patient and the payer stay as they are."""
    require_role(actor, *COORDINATORS)
    request = await load_own_request(uow, actor, request_id)
    if request.status not in EDITABLE:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION, f"A {request.status} request cannot be changed", "id"
        )
    await replace_details(uow, actor, request, data)
    await uow.commit()
    return request


async def replace_details(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, data: PayerRequestData
) -> None:
    """`update_payer_request` within a larger use case: the caller checks the status, commits."""
    if (data.patient_id, data.payer_id) != (request.patient_id, request.authorizer_organization_id):
        raise DomainError(
            ErrorCode.INVALID, "Start a new request for another patient or payer", "payerId"
        )
    check_payer_request(data)
    await _check_references(uow, actor, data)
    for table in (AuthorizationLine, AuthorizationDiagnosis):
        await uow.session.execute(delete(table).where(table.request_id == request.id))
    _add_clinical(uow, request.id, data)
    request.coverage_id, request.priority, request.category = (
        data.coverage_id,
        data.priority,
        data.category,
    )
    request.requesting_provider_id = data.requesting_provider_id
    request.servicing_provider_id = data.servicing_provider_id or data.requesting_provider_id
    request.facility_provider_id, request.notes = data.facility_provider_id, data.notes
    request.updated_at = uow.clock.now()
    await audit_change(
        uow, actor, request, ["diagnoses", "lines", "priority", "category", "providers", "notes"]
    )
    uow.record(request_event(request))
