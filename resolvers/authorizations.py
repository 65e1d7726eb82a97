"""Queries and mutations on authorization requests (the agency's, for now)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import strawberry
from strawberry import relay
from strawberry.types import Info

from domain.authorizations import agency
from domain.authorizations import service as authorizations
from domain.authorizations.rules import LineData, LineDecision
from domain.cases.rules import CASE_WORKERS
from domain.identity.models import Role
from domain.referrals.service import PROVIDER_ROLES
from resolvers.outcome import perform
from schema.authorizations import AuthorizationRequest
from schema.context import Context
from schema.permissions import signed_in
from schema.relay import decode_global_id
from schema.workflow_inputs import (
    CreateAuthorizationRequestInput,
    CreateAuthorizationRequestPayload,
    LineDeterminationInput,
    RecordDeterminationInput,
    RecordDeterminationPayload,
)

READERS = (*CASE_WORKERS, *PROVIDER_ROLES, Role.NETWORK_STAFF)


def _decision(line: LineDeterminationInput, index: int) -> LineDecision:
    return LineDecision(
        line_id=decode_global_id(line.line_id, "AuthorizationLine", f"lines.{index}.lineId"),
        review_action=line.review_action,
        approved_quantity=line.approved_quantity,
        approved_start=line.approved_start,
        approved_end=line.approved_end,
        rate=line.rate,
        authorization_number=line.authorization_number,
        reason_codes=tuple(line.reason_codes),
        notes=line.notes,
    )


@strawberry.type
class AuthorizationsQuery:
    @strawberry.field(extensions=signed_in(*READERS))
    async def authorization_request(
        self, info: Info[Context, None], id: relay.GlobalID
    ) -> AuthorizationRequest | None:
        request_id = decode_global_id(id, "AuthorizationRequest", "id")
        found = await info.context.loaders.authorization_request.load(request_id)
        return AuthorizationRequest.from_model(found) if found else None


@strawberry.type
class AuthorizationsMutation:
    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_ROLES),
        description="A provider that accepted a referral asks the agency to authorize it.",
    )
    async def create_authorization_request(
        self, info: Info[Context, None], input: CreateAuthorizationRequestInput
    ) -> CreateAuthorizationRequestPayload:
        def data() -> authorizations.AgencyRequestData:
            return authorizations.AgencyRequestData(
                referral_recipient_id=decode_global_id(
                    input.referral_recipient_id, "ReferralRecipient", "referralRecipientId"
                ),
                lines=tuple(
                    LineData(
                        quantity=line.quantity,
                        requested_start=line.requested_start,
                        requested_end=line.requested_end,
                        requested_rate=line.requested_rate,
                        description=line.description,
                    )
                    for line in input.lines
                ),
                notes=input.notes,
                priority=input.priority,
            )

        outcome = await perform(
            info,
            lambda uow, actor: authorizations.create_agency_request(
                uow=uow, actor=actor, data=data()
            ),
        )
        return CreateAuthorizationRequestPayload(
            authorization_request=outcome.map(AuthorizationRequest.from_model),
            errors=outcome.errors,
        )

    @strawberry.mutation(
        extensions=signed_in(*CASE_WORKERS),
        description="Decide a request line by line; approving one provider closes the others.",
    )
    async def record_determination(
        self, info: Info[Context, None], input: RecordDeterminationInput
    ) -> RecordDeterminationPayload:
        policy = agency.AgencyPolicy(
            supervisor_threshold=Decimal(info.context.settings.agency_supervisor_threshold)
        )

        def request_id() -> uuid.UUID:
            return decode_global_id(input.request_id, "AuthorizationRequest", "requestId")

        outcome = await perform(
            info,
            lambda uow, actor: agency.record_agency_determination(
                uow=uow,
                actor=actor,
                request_id=request_id(),
                decisions=tuple(_decision(line, i) for i, line in enumerate(input.lines)),
                policy=policy,
                notes=input.notes,
            ),
        )
        return RecordDeterminationPayload(
            authorization_request=outcome.map(AuthorizationRequest.from_model),
            errors=outcome.errors,
        )
