"""The caseworker's determination on providers' requests for one referral (seed 000 step 3):
approve the preferred provider, and every other request on the referral is NOT_SELECTED."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from decimal import Decimal

from sqlalchemy import select

from domain.authorizations.determinations import determination_from, record_line
from domain.authorizations.lifecycle import (
    APPROVALS,
    DETERMINATION_ACTIONS,
    TRANSITIONS,
    AuthorizationAction,
    AuthorizationStatus,
    ReviewAction,
    apply_determination,
)
from domain.authorizations.models import (
    AuthorizationLine,
    AuthorizationRequest,
    AuthorizerKind,
)
from domain.authorizations.rules import (
    AGENCY_ACTIONS,
    APPROVING,
    LineDecision,
    RequestedLine,
    approved_quantity,
    check_decisions,
    committed_amount,
)
from domain.authorizations.service import ENTITY, audit_change, authorization_scope, move_request
from domain.cases.access import load_case
from domain.cases.benefits import move_assignment
from domain.cases.lifecycle import BenefitAssignmentAction, BenefitAssignmentStatus
from domain.cases.members import require_supervisor
from domain.cases.models import BenefitAssignment
from domain.cases.rules import CASE_WORKERS
from domain.cases.timeline import add_case_event
from domain.catalog.models import Benefit
from domain.errors import not_found
from domain.events import DomainEvent
from domain.identity.rules import Principal, require_role
from domain.numbers import next_number
from domain.people.models import AccessReason
from domain.people.service import revoke_access
from domain.providers.models import ProviderService
from domain.referrals.closing import (
    close_referral,
    move_recipient,
    refresh_authorization_status,
    release_load,
)
from domain.referrals.lifecycle import ReferralRecipientAction, ReferralRecipientStatus
from domain.referrals.models import Referral, ReferralRecipient
from domain.uow import UnitOfWork

SELECTABLE = frozenset(s for s, a in TRANSITIONS if a is AuthorizationAction.SELECT_ANOTHER)


@dataclass(frozen=True, slots=True)
class AgencyPolicy:
    """Approvals committing more than `supervisor_threshold` need the case supervisor."""

    supervisor_threshold: Decimal


async def record_agency_determination(
    *,
    uow: UnitOfWork,
    actor: Principal,
    request_id: uuid.UUID,
    decisions: tuple[LineDecision, ...],
    policy: AgencyPolicy,
    notes: str | None = None,
) -> AuthorizationRequest:
    """Decide an agency request line by line; an approval wins the referral for its provider."""
    require_role(actor, *CASE_WORKERS)
    request, referral = await _load_for_decision(uow, actor, request_id)
    lines = list(
        await uow.session.scalars(
            select(AuthorizationLine).where(AuthorizationLine.request_id == request.id)
        )
    )
    requested = {
        line.id: RequestedLine(line.id, line.quantity, line.requested_start, line.requested_end)
        for line in lines
    }
    check_decisions(decisions, requested, AGENCY_ACTIONS)
    rates = await _default_rates(uow, request, lines)
    by_line = {d.line_id: d for d in decisions}
    after = [
        by_line[line.id].review_action if line.id in by_line else line.review_action
        for line in lines
    ]
    target = apply_determination(request.status, [a or ReviewAction.PENDED for a in after])
    if target in APPROVALS:
        amount = committed_amount(
            [
                (approved_quantity(d, requested[d.line_id]), d.rate or rates.get(d.line_id))
                for d in decisions
            ]
        )
        if amount > policy.supervisor_threshold:
            case = await load_case(uow, actor, referral.case_id, "requestId")
            await require_supervisor(uow=uow, actor=actor, case=case)
    await _apply_lines(uow, actor, lines, by_line, rates)
    if target != request.status:
        await move_request(uow, actor, request, _action_for(target), notes)
        request.decided_at = uow.clock.now() if target is not AuthorizationStatus.PENDED else None
    if target in APPROVALS:
        await _select(uow, actor, request, referral)
    elif target is AuthorizationStatus.DENIED:
        await _release_recipient(uow, actor, request, referral)
    await refresh_authorization_status(uow, referral)
    add_case_event(
        uow=uow,
        case_id=referral.case_id,
        kind=f"authorization.{target.value.lower()}",
        actor=actor,
        related=(ENTITY, request.id),
    )
    await audit_change(uow, actor, request, ["lines.determination"])
    await uow.commit()
    return request


def _action_for(target: AuthorizationStatus) -> AuthorizationAction:
    return DETERMINATION_ACTIONS[target]


async def _load_for_decision(
    uow: UnitOfWork, actor: Principal, request_id: uuid.UUID
) -> tuple[AuthorizationRequest, Referral]:
    """The referral is locked first, then the request is read fresh: two caseworkers deciding
    on the same referral at once are served one after the other."""
    found = await uow.session.scalar(
        select(AuthorizationRequest).where(
            AuthorizationRequest.id == request_id, authorization_scope(actor)
        )
    )
    if (
        found is None
        or found.authorizer_kind is not AuthorizerKind.AGENCY
        or found.authorizer_organization_id != actor.organization_id
        or found.referral_id is None
    ):
        raise not_found("Authorization request", "requestId")
    referral = await uow.session.scalar(
        select(Referral).where(Referral.id == found.referral_id).with_for_update()
    )
    assert referral is not None  # kept by a foreign key
    request = await uow.session.scalar(
        select(AuthorizationRequest)
        .where(AuthorizationRequest.id == request_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert request is not None
    return request, referral


async def _default_rates(
    uow: UnitOfWork, request: AuthorizationRequest, lines: list[AuthorizationLine]
) -> dict[uuid.UUID, Decimal | None]:
    """A line's rate unless the caseworker gives one: the provider's rate for the benefit,
    else the benefit's offering rate (DESIGN §3's priority below the authorization's own)."""
    benefit_ids = {line.benefit_id for line in lines if line.benefit_id}
    offered = {
        s.benefit_id: s.rate
        for s in await uow.session.scalars(
            select(ProviderService).where(
                ProviderService.provider_id == request.servicing_provider_id,
                ProviderService.benefit_id.in_(benefit_ids),
            )
        )
    }
    catalog = {
        b.id: b.offering_rate
        for b in await uow.session.scalars(select(Benefit).where(Benefit.id.in_(benefit_ids)))
    }
    return {
        line.id: offered.get(line.benefit_id) or catalog.get(line.benefit_id)
        for line in lines
        if line.benefit_id
    }


async def _apply_lines(
    uow: UnitOfWork,
    actor: Principal,
    lines: list[AuthorizationLine],
    decisions: dict[uuid.UUID, LineDecision],
    rates: dict[uuid.UUID, Decimal | None],
) -> None:
    """An approved line gets its period (the requested one unless changed), its rate and an
    authorization number; a refused one keeps only its reasons."""
    for line in lines:
        decision = decisions.get(line.id)
        if decision is None:
            continue
        recorded = determination_from(decision, line)
        if decision.review_action in APPROVING:
            recorded = replace(
                recorded,
                authorization_number=decision.authorization_number
                or await next_number(uow=uow, prefix="AUTH"),
                rate=decision.rate if decision.rate is not None else rates.get(line.id),
            )
        else:
            recorded = replace(recorded, authorization_number=None)
        record_line(uow, line, recorded, actor.subject_id)


async def _select(
    uow: UnitOfWork, actor: Principal, winner: AuthorizationRequest, referral: Referral
) -> None:
    """The approved provider wins: the other requests close NOT_SELECTED, providers that have
    not answered are withdrawn from, the benefit becomes ACTIVE and the referral closes."""
    winner.authorized_referral_id = referral.id
    others = await uow.session.scalars(
        select(AuthorizationRequest).where(
            AuthorizationRequest.referral_id == referral.id,
            AuthorizationRequest.id != winner.id,
            AuthorizationRequest.status.in_(SELECTABLE),
        )
    )
    for other in others:
        await move_request(
            uow, actor, other, AuthorizationAction.SELECT_ANOTHER, "another provider was authorized"
        )
        await _release_recipient(uow, actor, other, referral)
        uow.record(_told(referral, other, "referral.not_selected"))
    uow.record(_told(referral, winner, "referral.authorized"))
    pending = await uow.session.scalars(
        select(ReferralRecipient).where(
            ReferralRecipient.referral_id == referral.id,
            ReferralRecipient.status == ReferralRecipientStatus.PENDING,
        )
    )
    for recipient in pending:
        await move_recipient(
            uow,
            actor,
            referral,
            recipient,
            ReferralRecipientAction.WITHDRAW,
            "another provider was authorized",
        )
    assignment = await uow.session.get(BenefitAssignment, referral.benefit_assignment_id)
    if assignment is not None and assignment.status is BenefitAssignmentStatus.PLANNED:
        await move_assignment(
            uow, actor, assignment, BenefitAssignmentAction.ACTIVATE, "provider authorized"
        )
    close_referral(uow, referral)


def _told(referral: Referral, request: AuthorizationRequest, name: str) -> DomainEvent:
    """The provider of `request` hears how the referral ended for it (seed 000 step 4: the
    provider is notified of the approved referral); the other providers hear nothing."""
    return DomainEvent(
        name=name,
        entity="Referral",
        entity_id=referral.id,
        organization_ids=(referral.organization_id, request.requesting_organization_id),
        occurred_at=request.updated_at,
        payload={
            "status": request.status.value,
            **(
                {"recipientId": str(request.referral_recipient_id)}
                if request.referral_recipient_id
                else {}
            ),
        },
    )


async def _release_recipient(
    uow: UnitOfWork, actor: Principal, request: AuthorizationRequest, referral: Referral
) -> None:
    """A provider that will not deliver frees its place and loses sight of the constituent."""
    if request.referral_recipient_id is None:
        return
    recipient = await uow.session.get(ReferralRecipient, request.referral_recipient_id)
    if recipient is not None:
        await release_load(uow, recipient)
        await revoke_access(
            uow=uow,
            person_id=referral.person_id,
            organization_id=recipient.provider_organization_id,
            reason=AccessReason.REFERRAL,
        )
