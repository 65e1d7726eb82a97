"""GraphQL types for authorization requests, their lines and determinations."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations import lifecycle, models
from domain.authorizations.lifecycle import (
    AppealOutcome,
    AuthorizationAction,
    AuthorizationStatus,
    ReviewAction,
)
from domain.authorizations.models import (
    AppealStatus,
    AttachmentKind,
    AuthorizerKind,
    CodeSystem,
    InformationRequestStatus,
    PeerToPeerStatus,
    Priority,
    RequestCategory,
)
from domain.authorizations.worklist import WAITING, WorklistOrder
from schema.cases import person_or_none, status_history, user_or_none
from schema.catalog import Benefit, UnitOfMeasure
from schema.history import StatusChange
from schema.identity import Organization, User
from schema.people import Person
from schema.providers import Provider
from schema.relay import load_nodes, prefetched_or_loaded

if TYPE_CHECKING:
    from schema.referrals import Referral

T = TypeVar("T")

strawberry.enum(AuthorizationStatus)
strawberry.enum(AuthorizationAction)
strawberry.enum(AppealOutcome)
strawberry.enum(ReviewAction, description="A line's determination; `code` gives X12 HCR01.")
strawberry.enum(AuthorizerKind)
strawberry.enum(Priority)
strawberry.enum(RequestCategory)
strawberry.enum(CodeSystem)
strawberry.enum(AttachmentKind)
strawberry.enum(InformationRequestStatus)
strawberry.enum(WorklistOrder)
strawberry.enum(AppealStatus)
strawberry.enum(PeerToPeerStatus)


@strawberry.type(description="A requested service and its current determination.")
class AuthorizationLine:
    id: strawberry.ID
    sequence: int
    code_system: CodeSystem
    service_code: str | None
    modifiers: list[str]
    description: str | None
    quantity: Decimal
    unit_of_measure: UnitOfMeasure
    requested_start: datetime.date | None
    requested_end: datetime.date | None
    place_of_service: str | None
    requested_rate: Decimal | None
    review_action: ReviewAction | None
    approved_quantity: Decimal | None
    approved_start: datetime.date | None
    approved_end: datetime.date | None
    authorization_number: str | None
    reason_codes: list[str]
    reviewer_notes: str | None
    rate: Decimal | None
    currency: str
    used_quantity: Decimal
    decided_at: datetime.datetime | None
    benefit_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The X12 HCR01 / PAS reviewAction code, such as A1.")
    def review_action_code(self) -> str | None:
        return None if self.review_action is None else self.review_action.value

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit | None:
        if self.benefit_id is None:
            return None
        return Benefit.from_model(await info.context.loaders.benefit.load(self.benefit_id))

    @classmethod
    def from_model(cls, m: models.AuthorizationLine) -> Self:
        return cls(
            id=strawberry.ID(str(relay.GlobalID("AuthorizationLine", str(m.id)))),
            sequence=m.sequence,
            code_system=m.code_system,
            service_code=m.service_code,
            modifiers=list(m.modifiers or []),
            description=m.description,
            quantity=m.quantity,
            unit_of_measure=m.unit_of_measure,
            requested_start=m.requested_start,
            requested_end=m.requested_end,
            place_of_service=m.place_of_service,
            requested_rate=m.requested_rate,
            review_action=m.review_action,
            approved_quantity=m.approved_quantity,
            approved_start=m.approved_start,
            approved_end=m.approved_end,
            authorization_number=m.authorization_number,
            reason_codes=list(m.reason_codes or []),
            reviewer_notes=m.reviewer_notes,
            rate=m.rate,
            currency=m.currency,
            used_quantity=m.used_quantity,
            decided_at=m.decided_at,
            benefit_id=m.benefit_id,
        )


@strawberry.type(description="An ICD-10-CM diagnosis; sequence 1 is the principal one.")
class Diagnosis:
    sequence: int
    code: str
    display: str | None


@strawberry.type(description="A document sent with a request; its content is kept with its hash.")
class Attachment:
    id: strawberry.ID
    kind: AttachmentKind
    title: str
    content_type: str
    size_bytes: int
    sha256: str
    attached_at: datetime.datetime
    information_request_id: strawberry.ID | None


@strawberry.type(description="The authorizer asked for more; the requester's answer.")
class InformationRequest:
    id: strawberry.ID
    requested: str
    due_at: datetime.datetime | None
    status: InformationRequestStatus
    requested_at: datetime.datetime
    response: str | None
    answered_at: datetime.datetime | None


@strawberry.type(description="A deadline that came due soon, or passed: raised once each.")
class DeadlineAlert:
    kind: str = strawberry.field(
        description="DECISION, INFORMATION_REQUEST, APPEAL or PEER_TO_PEER"
    )
    stage: str = strawberry.field(description="DUE_SOON or OVERDUE")
    due_at: datetime.datetime
    raised_at: datetime.datetime


@strawberry.type(description="One attempt to talk to a trading partner; codes only.")
class Exchange:
    direction: str
    operation: str
    outcome: str
    started_at: datetime.datetime
    duration_ms: int
    detail: str | None

    @classmethod
    def fields_of(cls, m: Any) -> dict[str, Any]:
        return {
            "direction": m.direction,
            "operation": m.operation,
            "outcome": m.outcome.value,
            "started_at": m.started_at,
            "duration_ms": m.duration_ms,
            "detail": m.detail,
        }


@strawberry.type(description="A claim that used the authorization.")
class ClaimReference:
    claim_id: str
    line_id: strawberry.ID
    units_used: Decimal
    service_date: datetime.date
    submitted_at: datetime.datetime


@strawberry.type(description="A request to reconsider a denial or partial approval.")
class Appeal:
    id: strawberry.ID
    reason: str
    expedited: bool
    status: AppealStatus
    submitted_at: datetime.datetime
    due_at: datetime.datetime
    decided_at: datetime.datetime | None
    outcome_notes: str | None
    via_peer_to_peer: bool


@strawberry.type(
    description="A discussion of the denial between the physician and the payer's reviewer."
)
class PeerToPeer:
    id: strawberry.ID
    proposed_times: list[datetime.datetime]
    contact_name: str
    contact_phone: str
    status: PeerToPeerStatus
    requested_at: datetime.datetime
    due_at: datetime.datetime
    scheduled_at: datetime.datetime | None
    outcome: AppealStatus | None
    outcome_notes: str | None


def appeal_from(m: models.Appeal) -> Appeal:
    return Appeal(
        id=strawberry.ID(str(m.id)),
        reason=m.reason,
        expedited=m.expedited,
        status=m.status,
        submitted_at=m.submitted_at,
        due_at=m.due_at,
        decided_at=m.decided_at,
        outcome_notes=m.outcome_notes,
        via_peer_to_peer=m.via_peer_to_peer,
    )


def peer_to_peer_from(m: models.PeerToPeer) -> PeerToPeer:
    return PeerToPeer(
        id=strawberry.ID(str(m.id)),
        proposed_times=[datetime.datetime.fromisoformat(t) for t in m.proposed_times],
        contact_name=m.contact_name,
        contact_phone=m.contact_phone,
        status=m.status,
        requested_at=m.requested_at,
        due_at=m.due_at,
        scheduled_at=m.scheduled_at,
        outcome=m.outcome,
        outcome_notes=m.outcome_notes,
    )


@strawberry.type(description="A request for authorization to an agency or a payer.")
class AuthorizationRequest(relay.Node):
    id: relay.NodeID[str]
    number: str
    authorizer_kind: AuthorizerKind
    status: AuthorizationStatus
    priority: Priority
    category: RequestCategory
    notes: str | None
    received_at: datetime.datetime | None
    decision_due_at: datetime.datetime | None
    decided_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    key: strawberry.Private[uuid.UUID]
    patient_id: strawberry.Private[uuid.UUID]
    authorizer_id: strawberry.Private[uuid.UUID]
    requester_id: strawberry.Private[uuid.UUID]
    requesting_provider_id: strawberry.Private[uuid.UUID | None]
    servicing_provider_id: strawberry.Private[uuid.UUID | None]
    referral_id: strawberry.Private[uuid.UUID | None]
    assignee_id: strawberry.Private[uuid.UUID | None]
    payer_reference: str | None = strawberry.field(description="The payer's tracking number")
    submitted_at: datetime.datetime | None = None

    @strawberry.field(description="A decision is due and the authorizer has not answered.")
    def overdue(self, info: Info) -> bool:
        waiting = self.status in WAITING
        return bool(
            waiting and self.decision_due_at and self.decision_due_at < info.context.clock.now()
        )

    @strawberry.field(description="The coordinator working the request (your organisation's).")
    async def assignee(self, info: Info) -> User | None:
        return await user_or_none(info, self.assignee_id)

    prefetched: strawberry.Private[dict[str, list[Any]]]

    def _related(
        self, info: Info, name: str, convert: Callable[[Any], T]
    ) -> list[T] | Awaitable[list[T]]:
        """Read with the worklist's page when it was asked to include it, else batched."""
        loaders = info.context.loaders
        return prefetched_or_loaded(
            self.prefetched.get(name),
            lambda: getattr(loaders, f"{name}_by_request"),
            self.key,
            convert,
        )

    @strawberry.field(graphql_type=list[Diagnosis])
    def diagnoses(self, info: Info) -> list[Diagnosis] | Awaitable[list[Diagnosis]]:
        return self._related(
            info,
            "diagnoses",
            lambda r: Diagnosis(sequence=r.sequence, code=r.code, display=r.display),
        )

    @strawberry.field
    async def attachments(self, info: Info) -> list[Attachment]:
        rows = await info.context.loaders.attachments_by_request.load(self.key)
        return [
            Attachment(
                id=strawberry.ID(str(r.id)),
                kind=r.kind,
                title=r.title,
                content_type=r.content_type,
                size_bytes=r.size_bytes,
                sha256=r.sha256,
                attached_at=r.attached_at,
                information_request_id=strawberry.ID(str(r.information_request_id))
                if r.information_request_id
                else None,
            )
            for r in rows
        ]

    @strawberry.field
    async def information_requests(self, info: Info) -> list[InformationRequest]:
        rows = await info.context.loaders.information_requests_by_request.load(self.key)
        return [
            InformationRequest(
                id=strawberry.ID(str(r.id)),
                requested=r.requested,
                due_at=r.due_at,
                status=r.status,
                requested_at=r.requested_at,
                response=r.response,
                answered_at=r.answered_at,
            )
            for r in rows
        ]

    @strawberry.field(description="Claims that used this authorization.")
    async def claim_references(self, info: Info) -> list[ClaimReference]:
        rows = await info.context.loaders.claims_by_request.load(self.key)
        return [
            ClaimReference(
                claim_id=r.claim_id,
                line_id=strawberry.ID(str(relay.GlobalID("AuthorizationLine", str(r.line_id)))),
                units_used=r.units_used,
                service_date=r.service_date,
                submitted_at=r.submitted_at,
            )
            for r in rows
        ]

    @strawberry.field
    async def appeals(self, info: Info) -> list[Appeal]:
        rows = await info.context.loaders.appeals_by_request.load(self.key)
        return [appeal_from(r) for r in rows]

    @strawberry.field
    async def peer_to_peer_reviews(self, info: Info) -> list[PeerToPeer]:
        rows = await info.context.loaders.peer_to_peer_by_request.load(self.key)
        return [peer_to_peer_from(r) for r in rows]

    @strawberry.field(description="Every attempt to reach the authorizer's trading partner.")
    async def exchanges(self, info: Info) -> list[Exchange]:
        rows = await info.context.loaders.exchanges_by_request.load(self.key)
        return [Exchange(**Exchange.fields_of(r)) for r in rows]

    @strawberry.field(description="Deadlines of this request that came due soon or passed.")
    async def deadline_alerts(self, info: Info) -> list[DeadlineAlert]:
        rows = await info.context.loaders.deadline_alerts_by_request.load(self.key)
        return [
            DeadlineAlert(
                kind=r.kind.value, stage=r.stage.value, due_at=r.due_at, raised_at=r.raised_at
            )
            for r in rows
        ]

    @strawberry.field(description="What may happen next, in the lifecycle's order.")
    def allowed_actions(self) -> list[AuthorizationAction]:
        return list(lifecycle.allowed_actions(self.status))

    @strawberry.field
    async def patient(self, info: Info) -> Person | None:
        return await person_or_none(info, self.patient_id)

    @strawberry.field(description="The agency or payer that decides.")
    async def authorizer(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.authorizer_id)
        )

    @strawberry.field(description="The provider organisation that asked.")
    async def requester(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.requester_id)
        )

    @strawberry.field
    async def requesting_provider(self, info: Info) -> Provider | None:
        return await _provider(info, self.requesting_provider_id)

    @strawberry.field
    async def servicing_provider(self, info: Info) -> Provider | None:
        return await _provider(info, self.servicing_provider_id)

    @strawberry.field
    async def referral(
        self, info: Info
    ) -> Annotated[Referral, strawberry.lazy("schema.referrals")] | None:
        from schema.referrals import Referral

        if self.referral_id is None:
            return None
        found = await info.context.loaders.referral.load(self.referral_id)
        return Referral.from_model(found) if found else None

    @strawberry.field(graphql_type=list[AuthorizationLine])
    def lines(self, info: Info) -> list[AuthorizationLine] | Awaitable[list[AuthorizationLine]]:
        return self._related(info, "lines", AuthorizationLine.from_model)

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "AuthorizationRequest", self.key)

    @classmethod
    def from_model(cls, m: Any) -> Self:
        """From a model or a worklist row (which may carry its lines and diagnoses)."""
        return cls(
            id=str(m.id),
            key=m.id,
            prefetched={
                name: rows
                for name in ("diagnoses", "lines")
                if (rows := getattr(m, name, None)) is not None
            },
            number=m.number,
            authorizer_kind=m.authorizer_kind,
            status=m.status,
            priority=m.priority,
            category=m.category,
            notes=m.notes,
            received_at=m.received_at,
            decision_due_at=m.decision_due_at,
            decided_at=m.decided_at,
            created_at=m.created_at,
            updated_at=m.updated_at,
            patient_id=m.patient_id,
            authorizer_id=m.authorizer_organization_id,
            requester_id=m.requesting_organization_id,
            requesting_provider_id=m.requesting_provider_id,
            servicing_provider_id=m.servicing_provider_id,
            referral_id=m.referral_id,
            assignee_id=m.assignee_id,
            payer_reference=m.payer_reference,
            submitted_at=m.submitted_at,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(
            info.context.loaders.authorization_request, node_ids, cls.from_model
        )


async def _provider(info: Info, provider_id: uuid.UUID | None) -> Provider | None:
    if provider_id is None:
        return None
    found = await info.context.loaders.provider.load(provider_id)
    return Provider.from_model(found) if found else None
