"""Use cases on authorization requests common to both authorizers, and the provider's request
to the agency for a referral it accepted (seed 000 step 2).

The agency's determination is in `domain.authorizations.agency`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.lifecycle import (
    DETERMINATION_ACTIONS,
    AuthorizationAction,
    AuthorizationStatus,
    next_status,
)
from domain.authorizations.models import (
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizerKind,
    CodeSystem,
    Priority,
    RequestCategory,
)
from domain.authorizations.rules import LineData, check_lines, decision_due
from domain.cases.models import BenefitAssignment
from domain.cases.timeline import add_case_event
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.history import record_status
from domain.identity.rules import Principal, require_role
from domain.models import group_by
from domain.money import cents
from domain.numbers import next_number
from domain.partners.subscriptions import notify_subscribers
from domain.referrals.access import PROVIDER_ROLES, load_recipient
from domain.referrals.closing import refresh_authorization_status
from domain.referrals.lifecycle import ReferralRecipientStatus
from domain.referrals.models import Referral
from domain.referrals.rules import priority_for
from domain.uow import UnitOfWork

ENTITY = "AuthorizationRequest"
# The lifecycle action that records a determination deriving the given status.
DETERMINATION_ACTION = DETERMINATION_ACTIONS


@dataclass(frozen=True, slots=True)
class AgencyRequestData:
    referral_recipient_id: uuid.UUID
    lines: tuple[LineData, ...]
    notes: str | None = None
    priority: Priority | None = None
    servicing_provider_id: uuid.UUID | None = None


def authorization_scope(actor: Principal) -> Any:
    """A WHERE clause: requests the actor's organisation made, or must decide."""
    return or_(
        AuthorizationRequest.requesting_organization_id == actor.organization_id,
        AuthorizationRequest.authorizer_organization_id == actor.organization_id,
    )


async def create_agency_request(
    *, uow: UnitOfWork, actor: Principal, data: AgencyRequestData
) -> AuthorizationRequest:
    """A provider that accepted a referral asks the agency to authorize the service; the
    agency receives it at once (it needs no transport)."""
    require_role(actor, *PROVIDER_ROLES)
    recipient, referral = await load_recipient(
        uow, actor, data.referral_recipient_id, "referralRecipientId", for_update=True
    )
    if recipient.status is not ReferralRecipientStatus.ACCEPTED:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            "Accept the referral before requesting authorization",
            "referralRecipientId",
        )
    assignment = await uow.session.get(BenefitAssignment, referral.benefit_assignment_id)
    assert assignment is not None  # a referral's assignment is kept by a foreign key
    check_lines(data.lines, (assignment.period_start, assignment.period_end), assignment.quantity)
    if await uow.session.scalar(
        select(AuthorizationRequest.id).where(
            AuthorizationRequest.referral_recipient_id == recipient.id
        )
    ):
        raise DomainError(
            ErrorCode.DUPLICATE, "Authorization was already requested", "referralRecipientId"
        )
    request = await _new_agency_request(
        uow, actor, data, referral, recipient.id, recipient.provider_id
    )
    for index, line in enumerate(data.lines, start=1):
        uow.session.add(_line(request.id, index, line, assignment))
    await deliver_to_agency(uow, actor, request)
    await refresh_authorization_status(uow, referral)
    add_case_event(
        uow=uow,
        case_id=referral.case_id,
        kind="authorization.requested",
        actor=actor,
        related=(ENTITY, request.id),
    )
    await record_access(
        uow=uow, actor=actor, action=AuditAction.CREATE, entity=ENTITY, entity_ids=[request.id]
    )
    await uow.commit()
    return request


async def _new_agency_request(
    uow: UnitOfWork,
    actor: Principal,
    data: AgencyRequestData,
    referral: Referral,
    recipient_id: uuid.UUID,
    provider_id: uuid.UUID,
) -> AuthorizationRequest:
    now = uow.clock.now()
    request = AuthorizationRequest(
        number=await next_number(uow=uow, prefix="AR"),
        authorizer_kind=AuthorizerKind.AGENCY,
        authorizer_organization_id=referral.organization_id,
        requesting_organization_id=actor.organization_id,
        requesting_provider_id=provider_id,
        servicing_provider_id=data.servicing_provider_id or provider_id,
        patient_id=referral.person_id,
        case_id=referral.case_id,
        referral_id=referral.id,
        referral_recipient_id=recipient_id,
        priority=data.priority or Priority(priority_for(referral.urgency)),
        category=RequestCategory.REFERRAL,
        status=AuthorizationStatus.DRAFT,
        notes=data.notes,
        created_by_id=actor.subject_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(request)
    await uow.session.flush()
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=request.id,
        from_status=None,
        to_status=request.status,
    )
    return request


def _line(
    request_id: uuid.UUID, sequence: int, line: LineData, assignment: BenefitAssignment
) -> AuthorizationLine:
    return AuthorizationLine(
        request_id=request_id,
        sequence=sequence,
        code_system=CodeSystem.BENEFIT,
        benefit_id=assignment.benefit_id,
        description=line.description,
        quantity=cents(line.quantity),
        unit_of_measure=assignment.unit_of_measure,
        requested_start=line.requested_start or assignment.period_start,
        requested_end=line.requested_end or assignment.period_end,
        requested_rate=cents(line.requested_rate),
        modifiers=[],
        reason_codes=[],
    )


async def deliver_to_agency(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest
) -> None:
    """DRAFT -> SUBMITTING -> SUBMITTED in one transaction: the agency is the authorizer."""
    for action in (AuthorizationAction.SUBMIT, AuthorizationAction.SUBMISSION_SUCCEEDED):
        await move_request(uow, actor, request, action)
    now = uow.clock.now()
    request.received_at = now
    request.decision_due_at = decision_due(now, request.priority)


async def move_request(
    uow: UnitOfWork,
    actor: Principal | None,
    request: AuthorizationRequest,
    action: AuthorizationAction,
    reason: str | None = None,
) -> None:
    """One lifecycle step with its history and event; callers commit."""
    target = next_status(request.status, action)
    await record_status(
        uow=uow,
        actor=actor,
        entity=ENTITY,
        entity_id=request.id,
        from_status=request.status,
        to_status=target,
        action=action,
        reason=reason,
    )
    request.status, request.updated_at = target, uow.clock.now()
    uow.record(request_event(request))
    await notify_subscribers(uow, request)


async def audit_change(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, fields: list[str]
) -> None:
    """The request (part of a person's record) was changed: the audit trail names the fields."""
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.UPDATE,
        entity=ENTITY,
        entity_ids=[request.id],
        fields=fields,
    )


def request_audience(request: AuthorizationRequest) -> tuple[uuid.UUID, ...]:
    """Who is told of a request's events: the requesting provider's organisation and the
    authorizer."""
    return tuple(
        dict.fromkeys((request.requesting_organization_id, request.authorizer_organization_id))
    )


def request_event(request: AuthorizationRequest) -> DomainEvent:
    """Told to the requesting provider's organisation and to the authorizer."""
    return DomainEvent(
        name=f"authorization_request.{request.status.value.lower()}",
        entity=ENTITY,
        entity_id=request.id,
        organization_ids=request_audience(request),
        occurred_at=request.updated_at,
        payload={
            "status": request.status.value,
            **({"referralId": str(request.referral_id)} if request.referral_id else {}),
        },
    )


async def get_requests(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AuthorizationRequest]:
    """The requests among `ids` the actor may see, each read audited."""
    if not ids:
        return {}
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.id.in_(set(ids)), authorization_scope(actor)
    )
    found = {r.id: r for r in await uow.session.scalars(query)}
    await record_access(
        uow=uow, actor=actor, action=AuditAction.READ, entity=ENTITY, entity_ids=found
    )
    await uow.commit()
    return found


async def requests_by_referral_ids(
    *, uow: UnitOfWork, actor: Principal, referral_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AuthorizationRequest]]:
    """Side by side for the caseworker; a provider sees only its own request."""
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.referral_id.in_(set(referral_ids)), authorization_scope(actor)
    )
    rows = list(await uow.session.scalars(query.order_by(AuthorizationRequest.created_at)))
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity=ENTITY,
        entity_ids=[r.id for r in rows],
    )
    await uow.commit()
    return group_by(rows, referral_ids, lambda r: r.referral_id)


async def lines_by_request_ids(
    *, uow: UnitOfWork, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[AuthorizationLine]]:
    """For a DataLoader: the caller already read the requests through a scoped path."""
    query = select(AuthorizationLine).where(AuthorizationLine.request_id.in_(set(request_ids)))
    rows = await uow.session.scalars(query.order_by(AuthorizationLine.sequence))
    return group_by(rows, request_ids, lambda r: r.request_id)


async def request_by_recipient_ids(
    *, uow: UnitOfWork, actor: Principal, recipient_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, AuthorizationRequest]:
    query = select(AuthorizationRequest).where(
        AuthorizationRequest.referral_recipient_id.in_(set(recipient_ids)),
        authorization_scope(actor),
    )
    rows = list(await uow.session.scalars(query))
    return {r.referral_recipient_id: r for r in rows if r.referral_recipient_id}
