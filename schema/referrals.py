"""GraphQL types for referrals and their per-provider recipients."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Self

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.referrals import lifecycle, models
from domain.referrals.lifecycle import ReferralRecipientAction, ReferralRecipientStatus
from domain.referrals.models import ReferralAuthorizationStatus, ReferralStatus, Urgency
from schema.authorizations import AuthorizationRequest
from schema.cases import BenefitAssignment, Case, person_or_none, status_history, user_or_none
from schema.catalog import Benefit
from schema.history import StatusChange
from schema.identity import Organization, User
from schema.people import Person
from schema.providers import Provider
from schema.relay import load_nodes

strawberry.enum(ReferralRecipientStatus)
strawberry.enum(ReferralRecipientAction)
strawberry.enum(ReferralStatus)
strawberry.enum(ReferralAuthorizationStatus)
strawberry.enum(Urgency)


@strawberry.type(description="One provider's copy of a referral and its answer.")
class ReferralRecipient(relay.Node):
    id: relay.NodeID[str]
    status: ReferralRecipientStatus
    respond_by: datetime.datetime
    responded_at: datetime.datetime | None
    decline_reason: str | None
    key: strawberry.Private[uuid.UUID]
    provider_id: strawberry.Private[uuid.UUID]
    referral_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="What the provider may still answer.")
    def allowed_actions(self) -> list[ReferralRecipientAction]:
        return list(lifecycle.allowed_actions(self.status))

    @strawberry.field
    async def provider(self, info: Info) -> Provider:
        return Provider.from_model(await info.context.loaders.provider.load(self.provider_id))

    @strawberry.field
    async def provider_organization(self, info: Info) -> Organization:
        found = await info.context.loaders.organization.load(self.organization_id)
        return Organization.from_model(found)

    @strawberry.field
    async def referral(self, info: Info) -> Referral | None:
        found = await info.context.loaders.referral.load(self.referral_id)
        return Referral.from_model(found) if found else None

    @strawberry.field(description="This provider's request for authorization, once made.")
    async def authorization_request(self, info: Info) -> AuthorizationRequest | None:
        found = await info.context.loaders.request_by_recipient.load(self.key)
        return AuthorizationRequest.from_model(found) if found else None

    @strawberry.field
    async def status_history(self, info: Info) -> list[StatusChange]:
        return await status_history(info, "ReferralRecipient", self.key)

    @classmethod
    def from_model(cls, m: models.ReferralRecipient) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            status=m.status,
            respond_by=m.respond_by,
            responded_at=m.responded_at,
            decline_reason=m.decline_reason,
            provider_id=m.provider_id,
            referral_id=m.referral_id,
            organization_id=m.provider_organization_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.referral_recipient, node_ids, cls.from_model)


@strawberry.type(description="A constituent referred, for an assigned benefit, to providers.")
class Referral(relay.Node):
    id: relay.NodeID[str]
    number: str
    status: ReferralStatus
    authorization_status: ReferralAuthorizationStatus | None = strawberry.field(
        description="null until a provider requests authorization"
    )
    reason: str
    urgency: Urgency
    notes: str | None
    consent_given: bool
    languages: list[str]
    respond_by: datetime.datetime
    created_at: datetime.datetime
    closed_at: datetime.datetime | None
    key: strawberry.Private[uuid.UUID]
    person_id: strawberry.Private[uuid.UUID]
    benefit_id: strawberry.Private[uuid.UUID]
    case_id: strawberry.Private[uuid.UUID]
    assignment_id: strawberry.Private[uuid.UUID]
    organization_id: strawberry.Private[uuid.UUID]
    referred_by_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The constituent (null once your organisation may not see them).")
    async def person(self, info: Info) -> Person | None:
        return await person_or_none(info, self.person_id)

    @strawberry.field
    async def benefit(self, info: Info) -> Benefit:
        return Benefit.from_model(await info.context.loaders.benefit.load(self.benefit_id))

    @strawberry.field
    async def benefit_assignment(self, info: Info) -> BenefitAssignment | None:
        found = await info.context.loaders.benefit_assignment.load(self.assignment_id)
        return BenefitAssignment.from_model(found) if found else None

    @strawberry.field(description="The referring agency.")
    async def agency(self, info: Info) -> Organization:
        return Organization.from_model(
            await info.context.loaders.organization.load(self.organization_id)
        )

    @strawberry.field(description="The case (for the agency's staff only).")
    async def case(self, info: Info) -> Case | None:
        found = await info.context.loaders.case.load(self.case_id)
        return Case.from_model(found) if found else None

    @strawberry.field(description="The caseworker who referred (for the agency's staff only).")
    async def referred_by(self, info: Info) -> User | None:
        return await user_or_none(info, self.referred_by_id)

    @strawberry.field(
        description="Every provider's answer for the agency; a provider sees its own."
    )
    async def recipients(self, info: Info) -> list[ReferralRecipient]:
        rows = await info.context.loaders.recipients_by_referral.load(self.key)
        return [ReferralRecipient.from_model(r) for r in rows]

    @strawberry.field(description="The providers' requests side by side (a provider: its own).")
    async def authorization_requests(self, info: Info) -> list[AuthorizationRequest]:
        rows = await info.context.loaders.requests_by_referral.load(self.key)
        return [AuthorizationRequest.from_model(r) for r in rows]

    @classmethod
    def from_model(cls, m: models.Referral) -> Self:
        return cls(
            id=str(m.id),
            key=m.id,
            number=m.number,
            status=m.status,
            authorization_status=m.authorization_status,
            reason=m.reason,
            urgency=m.urgency,
            notes=m.notes,
            consent_given=m.consent_given,
            languages=list(m.languages or []),
            respond_by=m.respond_by,
            created_at=m.created_at,
            closed_at=m.closed_at,
            person_id=m.person_id,
            benefit_id=m.benefit_id,
            case_id=m.case_id,
            assignment_id=m.benefit_assignment_id,
            organization_id=m.organization_id,
            referred_by_id=m.referred_by_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info.context.loaders.referral, node_ids, cls.from_model)
