"""Queries, mutations and the live subscription on referrals."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncGenerator

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.cases.rules import CASE_WORKERS
from domain.errors import DomainError, ErrorCode
from domain.events import DomainEvent
from domain.referrals import access as referral_access
from domain.referrals import readers as referral_readers
from domain.referrals import service as referrals
from domain.referrals.lifecycle import ReferralRecipientStatus
from domain.referrals.models import ReferralStatus
from domain.referrals.rules import ReferralData
from resolvers.outcome import perform, read
from schema.context import Context
from schema.loaders import Loaders
from schema.permissions import signed_in
from schema.referrals import Referral, ReferralRecipient
from schema.relay import Connection, decode_global_id, page_request, selects
from schema.workflow_inputs import (
    CreateReferralInput,
    CreateReferralPayload,
    ReferralAnswer,
    ReferralFilter,
    RespondToReferralInput,
    RespondToReferralPayload,
    WithdrawReferralInput,
    WithdrawReferralPayload,
)

READERS = referral_access.READERS


def _enum(kind: type, value: str | None, field: str):  # type: ignore[no-untyped-def]
    try:
        return None if value is None else kind(value)
    except ValueError as error:
        raise DomainError(ErrorCode.INVALID, f"Not a {kind.__name__}", field) from error


def _criteria(given: ReferralFilter | None) -> referral_readers.ReferralFilter:
    if given is None:
        return referral_readers.ReferralFilter()
    return referral_readers.ReferralFilter(
        case_id=decode_global_id(given.case_id, "Case", "filter.caseId") if given.case_id else None,
        person_id=decode_global_id(given.person_id, "Person", "filter.personId")
        if given.person_id
        else None,
        status=_enum(ReferralStatus, given.status, "filter.status"),
        recipient_status=_enum(
            ReferralRecipientStatus, given.recipient_status, "filter.recipientStatus"
        ),
    )


@strawberry.type(description="Something happened to a referral you take part in.")
class ReferralChange:
    event: str = strawberry.field(
        description="Such as referral.created, referral.recipient_accepted"
    )
    occurred_at: datetime.datetime
    status: str | None
    recipient_id: strawberry.ID | None
    referral_key: strawberry.Private[uuid.UUID]

    @strawberry.field
    async def referral(self, info: Info) -> Referral | None:
        found = await info.context.loaders.referral.load(self.referral_key)
        return Referral.from_model(found) if found else None

    @classmethod
    def from_event(cls, event: DomainEvent) -> ReferralChange:
        recipient = event.payload.get("recipientId")
        return cls(
            event=event.name,
            occurred_at=event.occurred_at,
            status=event.payload.get("status"),
            recipient_id=strawberry.ID(str(relay.GlobalID("ReferralRecipient", recipient)))
            if recipient
            else None,
            referral_key=event.entity_id,
        )


@strawberry.type
class ReferralsQuery:
    @strawberry.field(
        extensions=signed_in(*READERS),
        description="Your agency's referrals, or those addressed to your provider organisation.",
    )
    async def referrals(
        self,
        info: Info[Context, None],
        filter: ReferralFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Referral]:
        criteria = _criteria(filter)
        request = page_request(info.context, first, after)
        page = await read(
            info,
            lambda uow, actor: referral_readers.list_referrals(
                uow=uow,
                actor=actor,
                filter=criteria,
                page=request,
                with_total=selects(info, "totalCount"),
            ),
        )
        return Connection.from_page(page, Referral.from_model)

    @strawberry.field(extensions=signed_in(*READERS))
    async def referral(self, info: Info[Context, None], id: relay.GlobalID) -> Referral | None:
        found = await info.context.loaders.referral.load(decode_global_id(id, "Referral", "id"))
        return Referral.from_model(found) if found else None


@strawberry.type
class ReferralsMutation:
    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def create_referral(
        self, info: Info[Context, None], input: CreateReferralInput
    ) -> CreateReferralPayload:
        def data() -> ReferralData:
            return ReferralData(
                benefit_assignment_id=decode_global_id(
                    input.benefit_assignment_id, "BenefitAssignment", "benefitAssignmentId"
                ),
                provider_ids=tuple(
                    decode_global_id(p, "Provider", f"providerIds.{i}")
                    for i, p in enumerate(input.provider_ids)
                ),
                reason=input.reason,
                respond_by=input.respond_by,
                consent_given=input.consent_given,
                urgency=input.urgency,
                notes=input.notes,
                languages=tuple(input.languages),
            )

        outcome = await perform(
            info, lambda uow, actor: referrals.create_referral(uow=uow, actor=actor, data=data())
        )
        return CreateReferralPayload(
            referral=outcome.map(Referral.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*referral_access.PROVIDER_ROLES))
    async def respond_to_referral(
        self, info: Info[Context, None], input: RespondToReferralInput
    ) -> RespondToReferralPayload:
        outcome = await perform(
            info,
            lambda uow, actor: referrals.respond_to_referral(
                uow=uow,
                actor=actor,
                recipient_id=decode_global_id(
                    input.recipient_id, "ReferralRecipient", "recipientId"
                ),
                accept=input.answer is ReferralAnswer.ACCEPT,
                reason=input.reason,
            ),
        )
        return RespondToReferralPayload(
            recipient=outcome.map(ReferralRecipient.from_model), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*CASE_WORKERS))
    async def withdraw_referral(
        self, info: Info[Context, None], input: WithdrawReferralInput
    ) -> WithdrawReferralPayload:
        outcome = await perform(
            info,
            lambda uow, actor: referrals.withdraw_referral(
                uow=uow,
                actor=actor,
                referral_id=decode_global_id(input.id, "Referral", "id"),
                recipient_ids=[
                    decode_global_id(r, "ReferralRecipient", f"recipientIds.{i}")
                    for i, r in enumerate(input.recipient_ids)
                ],
                reason=input.reason,
            ),
        )
        return WithdrawReferralPayload(
            referral=outcome.map(Referral.from_model), errors=outcome.errors
        )


@strawberry.type
class ReferralsSubscription:
    @strawberry.subscription(
        extensions=signed_in(*READERS),
        description="Live changes to referrals your organisation takes part in.",
    )
    async def referral_changed(
        self, info: Info[Context, None]
    ) -> AsyncGenerator[ReferralChange, None]:
        context = info.context
        organization = context.actor.organization_id
        async with context.bus.subscribe(
            lambda e: e.entity == "Referral" and organization in e.organization_ids
        ) as queue:
            while True:
                event = await queue.get()
                # A socket's context lives as long as the socket: fresh loaders per message,
                # or a referral read for an earlier message would be answered from cache.
                context.loaders = Loaders(context)
                yield ReferralChange.from_event(event)
