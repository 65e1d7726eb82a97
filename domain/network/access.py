"""Who works on what in the network: network staff of an agency or payer run their own
network's records; a provider's staff see and fill in only their own organisation's
application. One lifecycle step with its history, and the events the area tells."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import select

from domain.audit.models import AuditAction
from domain.audit.service import record_access
from domain.delivery.access import move
from domain.errors import forbidden, not_found
from domain.events import DomainEvent
from domain.history import record_status
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal, require_role
from domain.network import lifecycle
from domain.network.models import Application
from domain.providers.rules import manages_network
from domain.uow import UnitOfWork

APPLICATION = "NetworkApplication"
CREDENTIAL = "NetworkCredential"
CONTRACT = "NetworkContract"
CONTRACT_VERSION = "NetworkContractVersion"
ONBOARDING_TASK = "NetworkOnboardingTask"
LEAD = "NetworkLead"


def require_network_staff(actor: Principal) -> None:
    """NETWORK_STAFF (or ADMIN) of an agency or payer."""
    require_role(actor, Role.NETWORK_STAFF)
    if not manages_network(actor):
        raise forbidden("Only an agency's or payer's network staff do this")


def require_applicant(actor: Principal) -> None:
    """PROVIDER_STAFF (or ADMIN) of a provider organisation."""
    require_role(actor, Role.PROVIDER_STAFF)
    if actor.organization_kind is not OrganizationKind.PROVIDER:
        raise forbidden("Only a provider's staff apply")


def application_scope(actor: Principal) -> Any:
    """The applications the actor may see: their network's, or their own organisation's."""
    if manages_network(actor):
        return Application.organization_id == actor.organization_id
    if actor.organization_kind is OrganizationKind.PROVIDER and (
        actor.is_admin or actor.has_any(Role.PROVIDER_STAFF)
    ):
        return Application.provider_organization_id == actor.organization_id
    return Application.id.is_(None)


async def load_application(
    uow: UnitOfWork, actor: Principal, application_id: uuid.UUID, *, lock: bool = True
) -> Application:
    """The application, if the actor may see it (NOT_FOUND otherwise: existence is private)."""
    query = select(Application).where(Application.id == application_id, application_scope(actor))
    if lock:
        query = query.with_for_update()
    found = await uow.session.scalar(query)
    if found is None:
        raise not_found("Application", "applicationId")
    return found


async def step(
    uow: UnitOfWork,
    actor: Principal | None,
    table: str,
    record: Any,
    entity: str,
    action: StrEnum,
    reason: str | None = None,
) -> None:
    """One move of `record.status` in the named network table, with its history."""
    await move(uow, actor, lifecycle.TABLES[table], record, entity, action, reason)


async def advance_stage(
    uow: UnitOfWork, actor: Principal | None, application: Application, action: StrEnum
) -> None:
    """The provider's stage in the network, kept on its application."""
    target = lifecycle.next_status("stage", application.stage, action)
    await record_status(
        uow=uow,
        actor=actor,
        entity=f"{APPLICATION}Stage",
        entity_id=application.id,
        from_status=application.stage,
        to_status=target,
        action=action,
        audit=False,
    )
    application.stage = target  # type: ignore[assignment]


def network_event(
    uow: UnitOfWork, name: str, entity: str, entity_id: uuid.UUID, *orgs: uuid.UUID, **payload: Any
) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity=entity,
        entity_id=entity_id,
        organization_ids=tuple(dict.fromkeys(orgs)),
        occurred_at=uow.clock.now(),
        payload={k: str(v) for k, v in payload.items()},
    )


async def audit(
    uow: UnitOfWork, actor: Principal, action: AuditAction, entity: str, ids: list[uuid.UUID]
) -> None:
    await record_access(uow=uow, actor=actor, action=action, entity=entity, entity_ids=ids)
