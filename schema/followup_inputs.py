"""Inputs and payloads of what follows a payer's decision: claims, appeals, peer to peer."""

from __future__ import annotations

import datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from domain.authorizations.lifecycle import AppealOutcome
from schema.authorizations import Appeal, AuthorizationRequest, PeerToPeer
from schema.errors import UserError
from schema.workflow_inputs import LineDeterminationInput


@strawberry.input
class ClaimLineInput:
    line_id: strawberry.ID
    units_used: Decimal
    service_date: datetime.date


@strawberry.input
class SubmitClaimReferenceInput:
    request_id: relay.GlobalID
    claim_id: str = strawberry.field(description="The claim's id in your billing system")
    lines: list[ClaimLineInput]


@strawberry.input
class AppealDeterminationInput:
    request_id: relay.GlobalID
    reason: str
    expedited: bool = False


@strawberry.input
class RecordAppealOutcomeInput:
    appeal_id: strawberry.ID
    outcome: AppealOutcome
    lines: list[LineDeterminationInput] = strawberry.field(
        default_factory=list, description="OVERTURNED: the lines as redetermined"
    )
    notes: str | None = None


@strawberry.input
class RequestPeerToPeerInput:
    request_id: relay.GlobalID
    proposed_times: list[datetime.datetime]
    contact_name: str
    contact_phone: str


@strawberry.input
class RecordPeerToPeerOutcomeInput:
    peer_to_peer_id: strawberry.ID
    outcome: AppealOutcome
    held_at: datetime.datetime | None = None
    lines: list[LineDeterminationInput] = strawberry.field(
        default_factory=list, description="OVERTURNED: the lines as redetermined"
    )
    notes: str | None = None


@strawberry.type
class SubmitClaimReferencePayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AppealDeterminationPayload:
    appeal: Appeal | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordAppealOutcomePayload:
    authorization_request: AuthorizationRequest | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RequestPeerToPeerPayload:
    peer_to_peer: PeerToPeer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordPeerToPeerOutcomePayload:
    peer_to_peer: PeerToPeer | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
