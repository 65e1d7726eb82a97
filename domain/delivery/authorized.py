"""Service authorizations: the approved lines of an approved AuthorizationRequest (agency or
payer), seen from delivery. Nothing is copied: units, period and rate are the line's; what is
committed is summed from the line's live disbursements, so it cannot drift."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.authorizations.lifecycle import APPROVALS, ReviewAction
from domain.authorizations.models import AuthorizationLine, AuthorizationRequest
from domain.catalog.models import UnitOfMeasure
from domain.delivery.access import AGENCY_READERS
from domain.delivery.lifecycle import LIVE_DISBURSEMENTS, DisbursementStatus
from domain.delivery.models import Disbursement
from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import OrganizationKind
from domain.identity.rules import Principal
from domain.uow import UnitOfWork

APPROVING = (ReviewAction.CERTIFIED, ReviewAction.PARTIALLY_CERTIFIED, ReviewAction.MODIFIED)


@dataclass(frozen=True, slots=True)
class ServiceAuthorization:
    """What a provider may deliver to one person: the line's units, period and rate."""

    id: uuid.UUID  # the authorization line's
    request_id: uuid.UUID
    authorization_number: str | None
    agency_organization_id: uuid.UUID
    provider_organization_id: uuid.UUID
    provider_id: uuid.UUID
    person_id: uuid.UUID
    case_id: uuid.UUID | None
    benefit_id: uuid.UUID
    unit_of_measure: UnitOfMeasure
    authorized_quantity: Decimal
    used_quantity: Decimal
    committed_quantity: Decimal  # enrolled and not yet attended, plus disbursed
    period_start: date | None
    period_end: date | None
    rate: Decimal | None
    currency: str

    @property
    def remaining_quantity(self) -> Decimal:
        return self.authorized_quantity - self.committed_quantity


def authorization_scope(actor: Principal) -> Any:
    """WHERE on the joined request: the provider organisation that delivers, or the agency
    (its case workers) that authorized."""
    if actor.organization_kind is OrganizationKind.PROVIDER:
        return AuthorizationRequest.requesting_organization_id == actor.organization_id
    if actor.is_admin or actor.has_any(*AGENCY_READERS):
        return AuthorizationRequest.authorizer_organization_id == actor.organization_id
    return AuthorizationRequest.id.is_(None)


def _approved() -> Any:
    return (
        AuthorizationRequest.status.in_(APPROVALS),
        AuthorizationLine.review_action.in_(APPROVING),
        AuthorizationLine.approved_quantity.is_not(None),
        AuthorizationLine.benefit_id.is_not(None),
        AuthorizationRequest.servicing_provider_id.is_not(None),
    )


def committed_units() -> Any:
    """Per line: planned units of enrollments not yet attended, disbursed units of the rest."""
    return func.coalesce(
        func.sum(
            case(
                (
                    Disbursement.status == DisbursementStatus.ENROLLED,
                    Disbursement.planned_quantity,
                ),
                else_=func.coalesce(Disbursement.disbursed_quantity, 0),
            )
        ),
        0,
    )


async def _committed(uow: UnitOfWork, line_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Decimal]:
    query = (
        select(Disbursement.authorization_line_id, committed_units())
        .where(
            Disbursement.authorization_line_id.in_(set(line_ids)),
            Disbursement.status.in_(LIVE_DISBURSEMENTS),
        )
        .group_by(Disbursement.authorization_line_id)
    )
    return {line_id: Decimal(total) for line_id, total in await uow.session.execute(query)}


def _of(
    line: AuthorizationLine, request: AuthorizationRequest, committed: Decimal
) -> ServiceAuthorization:
    assert line.approved_quantity is not None and line.benefit_id is not None
    assert request.servicing_provider_id is not None
    return ServiceAuthorization(
        id=line.id,
        request_id=request.id,
        authorization_number=line.authorization_number,
        agency_organization_id=request.authorizer_organization_id,
        provider_organization_id=request.requesting_organization_id,
        provider_id=request.servicing_provider_id,
        person_id=request.patient_id,
        case_id=request.case_id,
        benefit_id=line.benefit_id,
        unit_of_measure=line.unit_of_measure,
        authorized_quantity=line.approved_quantity,
        used_quantity=line.used_quantity,
        committed_quantity=committed,
        period_start=line.approved_start,
        period_end=line.approved_end,
        rate=line.rate,
        currency=line.currency,
    )


async def service_authorizations(
    *,
    uow: UnitOfWork,
    actor: Principal,
    ids: Sequence[uuid.UUID] | None = None,
    person_id: uuid.UUID | None = None,
) -> list[ServiceAuthorization]:
    """The approved lines the actor may see (all of them, or those of `ids` / one person)."""
    query = (
        select(AuthorizationLine, AuthorizationRequest)
        .join(AuthorizationRequest, AuthorizationRequest.id == AuthorizationLine.request_id)
        .where(*_approved(), authorization_scope(actor))
    )
    if ids is not None:
        query = query.where(AuthorizationLine.id.in_(set(ids)))
    if person_id is not None:
        query = query.where(AuthorizationRequest.patient_id == person_id)
    rows = (await uow.session.execute(query.order_by(AuthorizationRequest.created_at))).all()
    committed = await _committed(uow, [line.id for line, _ in rows])
    return [_of(line, request, committed.get(line.id, Decimal(0))) for line, request in rows]


async def list_service_authorizations(
    *, uow: UnitOfWork, actor: Principal, person_id: uuid.UUID | None = None
) -> list[ServiceAuthorization]:
    """For the `serviceAuthorizations` query: what the actor may see, each read audited."""
    found = await service_authorizations(uow=uow, actor=actor, person_id=person_id)
    await record_access(
        uow=uow,
        actor=actor,
        action=AuditAction.READ,
        entity="ServiceAuthorization",
        entity_ids=[a.id for a in found],
    )
    await uow.commit()
    return found


async def load_for_delivery(
    uow: UnitOfWork, actor: Principal, line_id: uuid.UUID, field: str = "serviceAuthorizationId"
) -> tuple[ServiceAuthorization, AuthorizationLine]:
    """The authorization the actor's provider organisation delivers, its line locked so that
    enrollments and attendance against it are serialised; NOT_FOUND for anyone else."""
    if actor.organization_kind is not OrganizationKind.PROVIDER:
        raise not_found("Service authorization", field)
    query = (
        select(AuthorizationLine, AuthorizationRequest)
        .join(AuthorizationRequest, AuthorizationRequest.id == AuthorizationLine.request_id)
        .where(AuthorizationLine.id == line_id, authorization_scope(actor))
    )
    found = (await uow.session.execute(query)).one_or_none()
    if found is None:
        raise not_found("Service authorization", field)
    line = await uow.session.scalar(
        select(AuthorizationLine)
        .where(AuthorizationLine.id == line_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    request = found[1]
    if line is None or not _is_approved(line, request):
        raise DomainError(
            ErrorCode.AUTHORIZATION_NOT_ACTIVE, "The authorization is not approved", field
        )
    committed = (await _committed(uow, [line.id])).get(line.id, Decimal(0))
    return _of(line, request, committed), line


def _is_approved(line: AuthorizationLine, request: AuthorizationRequest) -> bool:
    return (
        request.status in APPROVALS
        and line.review_action in APPROVING
        and line.approved_quantity is not None
        and line.benefit_id is not None
        and request.servicing_provider_id is not None
    )


async def refresh_used_units(uow: UnitOfWork, line_ids: set[uuid.UUID]) -> None:
    """Each line's used units: the sum of its live disbursements' disbursed units."""
    for line_id in sorted(line_ids):
        used = await uow.session.scalar(
            select(func.coalesce(func.sum(Disbursement.disbursed_quantity), 0)).where(
                Disbursement.authorization_line_id == line_id,
                Disbursement.status.in_(LIVE_DISBURSEMENTS),
            )
        )
        line = await uow.session.get(AuthorizationLine, line_id)
        assert line is not None
        line.used_quantity = Decimal(used)
