"""GraphQL types for cases: participants, case roles, nominees, benefit assignments, reviews
and the case's timeline."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.cases import lifecycle, models, readers
from domain.cases.lifecycle import (
    BenefitAssignmentAction,
    BenefitAssignmentStatus,
    CaseAction,
    CaseReviewStatus,
    CaseStatus,
    CaseType,
)
from domain.cases.models import CaseRole, DeliveryMode, OwnershipStrategy, ParticipantRole
from schema.catalog import Benefit, UnitOfMeasure
from schema.history import StatusChange
from schema.identity import User
from schema.people import Person
from schema.relay import load_nodes

if TYPE_CHECKING:
    from schema.referrals import Referral

strawberry.enum(CaseType)
strawberry.enum(CaseStatus)
strawberry.enum(CaseAction)
strawberry.enum(ParticipantRole)
strawberry.enum(CaseRole)
strawberry.enum(DeliveryMode)
strawberry.enum(BenefitAssignmentStatus)
strawberry.enum(BenefitAssignmentAction)
strawberry.enum(CaseReviewStatus)
strawberry.enum(OwnershipStrategy)


async def person_or_none(info: Info, person_id: uuid.UUID) -> Person | None:
    found = await info.context.loaders.person.load(person_id)
    return Person.from_model(found) if found else None


async def user_or_none(info: Info, user_id: uuid.UUID | None) -> User | None:
    """Users of the actor's own organisation; others show as null."""
    if user_id is None:
        return None
    found = await info.context.loaders.user.load(user_id)
    return User.from_model(found) if found else None


@strawberry.type(description="Someone who plays a role in the case.")
class CaseParticipant:
    role: ParticipantRole
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    person_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)


@strawberry.type(description="A case role held by a user, and since when (ended = history).")
class CaseRoleHolding:
    role: CaseRole
    assigned_at: datetime.datetime
    ended_at: datetime.datetime | None
    user_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def user(self, info: Info) -> User | None:
        return await user_or_none(info, self.user_id)


@strawberry.type(description="Who receives a case component's payments (ended = history).")
class CaseNominee:
    component: str
    assigned_at: datetime.datetime
    ended_at: datetime.datetime | None
    person_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)


@strawberry.type(description="A benefit from the catalog assigned to a constituent on a case.")
class BenefitAssignment(relay.Node):
    id: relay.NodeID[str]
    quantity: Decimal
    unit_of_measure: UnitOfMeasure
    period_start: datetime.date
    period_end: datetime.date
    status: BenefitAssignmentStatus
    delivery_mode: DeliveryMode
    component: str
    notes: str | None
    created_at: datetime.datetime
    key: strawberry.Private[uuid.UUID]
    person_id: strawberry.Private[uuid.UUID]
    benefit_id: strawberry.Private[uuid.UUID]
    case_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit:
        return Benefit.from_model(await info.context.loaders.benefit.load(self.benefit_id))

    @strawberry.field
    def allowed_actions(self) -> list[BenefitAssignmentAction]:
        table = lifecycle.BENEFIT_ASSIGNMENT_TRANSITIONS
        return [a for (s, a) in table if s == self.status]

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "BenefitAssignment", self.key)

    @classmethod
    def from_model(cls, m: models.BenefitAssignment) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            quantity=m.quantity,
            unit_of_measure=m.unit_of_measure,
            period_start=m.period_start,
            period_end=m.period_end,
            status=m.status,
            delivery_mode=m.delivery_mode,
            component=m.component,
            notes=m.notes,
            created_at=m.created_at,
            person_id=m.person_id,
            benefit_id=m.benefit_id,
            case_id=m.case_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.benefit_assignment, node_ids, cls.from_model)


@strawberry.type(description="A periodic review of the case by its reviewer.")
class CaseReview:
    id: strawberry.ID
    due_on: datetime.date
    status: CaseReviewStatus
    notes: str | None
    completed_at: datetime.datetime | None
    reviewer_id: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def reviewer(self, info: Info) -> User | None:
        return await user_or_none(info, self.reviewer_id)

    @classmethod
    def from_model(cls, m: models.CaseReview) -> Self:
        return cls(
            id=strawberry.ID(str(m.id)),
            due_on=m.due_on,
            status=m.status,
            notes=m.notes,
            completed_at=m.completed_at,
            reviewer_id=m.reviewer_id,
        )


@strawberry.type(description="A line of the case's timeline: what happened, on which record.")
class CaseEvent:
    kind: str = strawberry.field(description="Such as case.opened, referral.accepted")
    occurred_at: datetime.datetime
    related_type: str | None = strawberry.field(description="The record's GraphQL type")
    related_id: strawberry.ID | None = strawberry.field(description="Its global id")
    detail: str | None

    @classmethod
    def from_model(cls, m: models.CaseEvent) -> Self:
        related = None
        if m.related_entity and m.related_id:
            related = strawberry.ID(str(relay.GlobalID(m.related_entity, str(m.related_id))))
        return cls(
            kind=m.kind,
            occurred_at=m.occurred_at,
            related_type=m.related_entity,
            related_id=related,
            detail=m.detail,
        )


async def status_history(info: Info, entity: str, key: uuid.UUID) -> list[StatusChange]:
    rows = await info.context.loaders.history(entity).load(key)
    organization = info.context.actor.organization_id
    return [StatusChange.from_model(r, organization) for r in rows]


@strawberry.type(description="A case (seed 003): one of 7 types, with its own lifecycle.")
class Case(relay.Node):
    id: relay.NodeID[str]
    number: str
    case_type: CaseType
    status: CaseStatus
    title: str | None
    program: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    closed_at: datetime.datetime | None
    key: strawberry.Private[uuid.UUID]
    primary_client_id: strawberry.Private[uuid.UUID]
    parent_case_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="What may be done next, in the lifecycle's order.")
    def allowed_actions(self) -> list[CaseAction]:
        return list(lifecycle.allowed_actions(self.case_type, self.status))

    @strawberry.field
    async def primary_client(self, info: Info) -> Person | None:
        return await person_or_none(info, self.primary_client_id)

    @strawberry.field(description="The integrated case that contains this one.")
    async def parent_case(self, info: Info) -> Case | None:
        if self.parent_case_id is None:
            return None
        found = await info.context.loaders.case.load(self.parent_case_id)
        return Case.from_model(found) if found else None

    @strawberry.field(description="The cases an integrated case contains.")
    async def contained_cases(self, info: Info) -> list[Case]:
        rows = await info.context.loaders.contained_cases_by_case.load(self.key)
        return [Case.from_model(r) for r in rows]

    @strawberry.field
    async def participants(self, info: Info) -> list[CaseParticipant]:
        rows = await info.context.loaders.participants_by_case.load(self.key)
        return [
            CaseParticipant(
                role=r.role, started_at=r.started_at, ended_at=r.ended_at, person_id=r.person_id
            )
            for r in rows
        ]

    @strawberry.field(description="Every case role holding, current and ended.")
    async def roles(self, info: Info) -> list[CaseRoleHolding]:
        rows = await info.context.loaders.user_roles_by_case.load(self.key)
        return [
            CaseRoleHolding(
                role=r.role, assigned_at=r.assigned_at, ended_at=r.ended_at, user_id=r.user_id
            )
            for r in rows
        ]

    async def _holder(self, info: Info, role: CaseRole) -> User | None:
        rows = await info.context.loaders.user_roles_by_case.load(self.key)
        current = [r.user_id for r in rows if r.role is role and r.ended_at is None]
        return await user_or_none(info, current[-1] if current else None)

    @strawberry.field
    async def owner(self, info: Info) -> User | None:
        return await self._holder(info, CaseRole.OWNER)

    @strawberry.field
    async def supervisor(self, info: Info) -> User | None:
        return await self._holder(info, CaseRole.SUPERVISOR)

    @strawberry.field(description="The reviewer, or the owner when nobody else is assigned.")
    async def reviewer(self, info: Info) -> User | None:
        rows = await info.context.loaders.user_roles_by_case.load(self.key)
        return await user_or_none(info, readers.effective_reviewer(rows))

    @strawberry.field(
        description="Component assignment history; the primary client is the default."
    )
    async def nominees(self, info: Info) -> list[CaseNominee]:
        rows = await info.context.loaders.nominees_by_case.load(self.key)
        return [
            CaseNominee(
                component=r.component,
                assigned_at=r.assigned_at,
                ended_at=r.ended_at,
                person_id=r.person_id,
            )
            for r in rows
        ]

    @strawberry.field(description="Who receives the component's payments now.")
    async def nominee(self, info: Info, component: str) -> Person | None:
        rows = await info.context.loaders.nominees_by_case.load(self.key)
        chosen = readers.effective_nominee(rows, component.strip().upper(), self.primary_client_id)
        return await person_or_none(info, chosen)

    @strawberry.field
    async def benefit_assignments(self, info: Info) -> list[BenefitAssignment]:
        rows = await info.context.loaders.benefit_assignments_by_case.load(self.key)
        return [BenefitAssignment.from_model(r) for r in rows]

    @strawberry.field(description="Who was referred, to which providers, by whom, when.")
    async def referrals(
        self, info: Info
    ) -> list[Annotated[Referral, strawberry.lazy("schema.referrals")]]:
        from schema.referrals import Referral

        rows = await info.context.loaders.referrals_by_case.load(self.key)
        return [Referral.from_model(r) for r in rows]

    @strawberry.field
    async def reviews(self, info: Info) -> list[CaseReview]:
        rows = await info.context.loaders.reviews_by_case.load(self.key)
        return [CaseReview.from_model(r) for r in rows]

    @strawberry.field(description="The case's timeline, newest first.")
    async def events(self, info: Info) -> list[CaseEvent]:
        rows = await info.context.loaders.events_by_case.load(self.key)
        return [CaseEvent.from_model(r) for r in rows]

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "Case", self.key)

    @classmethod
    def from_model(cls, m: models.Case) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            number=m.number,
            case_type=m.case_type,
            status=m.status,
            title=m.title,
            program=m.program,
            created_at=m.created_at,
            updated_at=m.updated_at,
            closed_at=m.closed_at,
            primary_client_id=m.primary_client_id,
            parent_case_id=m.parent_case_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.case, node_ids, cls.from_model)
