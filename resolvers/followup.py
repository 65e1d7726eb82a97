"""Mutations after a payer's decision: claim references, appeals and peer to peer."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from domain.authorizations import after_decision
from domain.referrals.access import PROVIDER_ROLES
from resolvers.authorizations import as_request, decision_of, request_id_of, uuid_of
from resolvers.outcome import perform
from schema.authorizations import appeal_from, peer_to_peer_from
from schema.context import Context
from schema.followup_inputs import (
    AppealDeterminationInput,
    AppealDeterminationPayload,
    RecordAppealOutcomeInput,
    RecordAppealOutcomePayload,
    RecordPeerToPeerOutcomeInput,
    RecordPeerToPeerOutcomePayload,
    RequestPeerToPeerInput,
    RequestPeerToPeerPayload,
    SubmitClaimReferenceInput,
    SubmitClaimReferencePayload,
)
from schema.permissions import signed_in
from schema.relay import decode_global_id


@strawberry.type
class FollowUpMutation:
    @strawberry.mutation(
        extensions=signed_in(*PROVIDER_ROLES),
        description="A claim used the authorization: within approved units and period.",
    )
    async def submit_claim_reference(
        self, info: Info[Context, None], input: SubmitClaimReferenceInput
    ) -> SubmitClaimReferencePayload:
        def lines() -> tuple[after_decision.ClaimLineData, ...]:
            return tuple(
                after_decision.ClaimLineData(
                    line_id=decode_global_id(
                        line.line_id, "AuthorizationLine", f"lines.{i}.lineId"
                    ),
                    units_used=line.units_used,
                    service_date=line.service_date,
                )
                for i, line in enumerate(input.lines)
            )

        outcome = await perform(
            info,
            lambda uow, actor: after_decision.submit_claim_reference(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                claim_id=input.claim_id,
                lines=lines(),
            ),
        )
        return SubmitClaimReferencePayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def appeal_determination(
        self, info: Info[Context, None], input: AppealDeterminationInput
    ) -> AppealDeterminationPayload:
        outcome = await perform(
            info,
            lambda uow, actor: after_decision.appeal_determination(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                reason=input.reason,
                expedited=input.expedited,
            ),
        )
        return AppealDeterminationPayload(appeal=outcome.map(appeal_from), errors=outcome.errors)

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def record_appeal_outcome(
        self, info: Info[Context, None], input: RecordAppealOutcomeInput
    ) -> RecordAppealOutcomePayload:
        outcome = await perform(
            info,
            lambda uow, actor: after_decision.record_appeal_outcome(
                uow=uow,
                actor=actor,
                appeal_id=uuid_of(input.appeal_id, "appealId"),
                outcome=input.outcome,
                decisions=tuple(decision_of(line, i) for i, line in enumerate(input.lines)),
                notes=input.notes,
            ),
        )
        return RecordAppealOutcomePayload(
            authorization_request=as_request(outcome), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def request_peer_to_peer(
        self, info: Info[Context, None], input: RequestPeerToPeerInput
    ) -> RequestPeerToPeerPayload:
        outcome = await perform(
            info,
            lambda uow, actor: after_decision.request_peer_to_peer(
                uow=uow,
                actor=actor,
                request_id=request_id_of(input.request_id, "requestId"),
                proposed_times=tuple(input.proposed_times),
                contact_name=input.contact_name,
                contact_phone=input.contact_phone,
            ),
        )
        return RequestPeerToPeerPayload(
            peer_to_peer=outcome.map(peer_to_peer_from), errors=outcome.errors
        )

    @strawberry.mutation(extensions=signed_in(*PROVIDER_ROLES))
    async def record_peer_to_peer_outcome(
        self, info: Info[Context, None], input: RecordPeerToPeerOutcomeInput
    ) -> RecordPeerToPeerOutcomePayload:
        outcome = await perform(
            info,
            lambda uow, actor: after_decision.record_peer_to_peer_outcome(
                uow=uow,
                actor=actor,
                peer_to_peer_id=uuid_of(input.peer_to_peer_id, "peerToPeerId"),
                outcome=input.outcome,
                held_at=input.held_at,
                decisions=tuple(decision_of(line, i) for i, line in enumerate(input.lines)),
                notes=input.notes,
            ),
        )
        return RecordPeerToPeerOutcomePayload(
            peer_to_peer=outcome.map(peer_to_peer_from), errors=outcome.errors
        )
