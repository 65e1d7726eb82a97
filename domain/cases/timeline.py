"""The case's timeline and the events that carry a case's changes to live subscribers; other
areas (referrals, authorizations) write to it too, so it depends on nothing but models."""

from __future__ import annotations

import uuid

from domain.cases.models import Case, CaseEvent
from domain.events import DomainEvent
from domain.identity.rules import Principal
from domain.uow import UnitOfWork


def add_case_event(
    *,
    uow: UnitOfWork,
    case_id: uuid.UUID,
    kind: str,
    actor: Principal | None,
    related: tuple[str, uuid.UUID] | None = None,
    detail: str | None = None,
) -> None:
    """One line on the case's timeline: `kind` such as "referral.created", and the record it
    concerns."""
    uow.session.add(
        CaseEvent(
            case_id=case_id,
            kind=kind,
            occurred_at=uow.clock.now(),
            actor_id=None if actor is None else actor.subject_id,
            related_entity=None if related is None else related[0],
            related_id=None if related is None else related[1],
            detail=detail,
        )
    )


def case_event(name: str, case: Case, **payload: str) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity="Case",
        entity_id=case.id,
        organization_ids=(case.organization_id,),
        occurred_at=case.updated_at,
        payload=dict(payload),
    )
