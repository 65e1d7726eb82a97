"""Asynchronous 278 responses on `/soap/core`: a payer or clearinghouse that decides later
sends the 278 response (PayloadType X12_278_Response_005010X217E1_2, real time) to a request
we submitted to it. The sender is an API client that the trading partner's option
`push_core_clients` names; the response names our request by the trace our 278 carried
(TRN*2, our originator in TRN03) or by the payer's reference (REF*NT), and is applied like a
polled answer (`apply_pushed_answer`: the pending poll is cancelled, duplicates and older
answers change nothing).

The answer is a 999: accepted when applied, and also for a duplicate, an older answer or a
request no longer waiting (the partner stops resending); rejected, with IK3/IK4 at the segment
in error, for invalid X12 and for a response naming no request of that partner (X12 answers
a 278 response with nothing but an acknowledgment: no AAA can go back to the payer). A client
no partner names is refused in the envelope (UnAuthorized), and so is one whose request is
still being submitted (Receiver: try again later). Nothing is written unless applied."""

from __future__ import annotations

import logging
import uuid

from adapters.partners.x12_core import originator_of
from adapters.soap.codes import PayloadType
from adapters.soap.envelope import CoreRequest
from adapters.soap.ports import CoreAnswer
from adapters.x12.acknowledge import Answer
from adapters.x12.errors import X12Problem
from adapters.x12.inbound import (
    Acknowledgment,
    acceptance,
    control_number_for,
    read_pushed_response,
    refusal,
)
from adapters.x12.pushed import read_pushed, unknown_payer, unknown_request
from adapters.x12.review import Transaction278
from domain.clock import Clock
from domain.errors import DomainError, ErrorCode
from domain.identity.rules import Principal
from domain.partners import pushes
from domain.partners.polling import PollingPolicy
from domain.uow import UnitOfWorkFactory

log = logging.getLogger("carebridge.soap")


class PushedResponseHandler:
    def __init__(
        self, units: UnitOfWorkFactory, *, clock: Clock, policy: PollingPolicy = PollingPolicy()
    ) -> None:
        self._units = units
        self._clock = clock
        self._policy = policy

    async def handle(self, request: CoreRequest, actor: Principal) -> CoreAnswer:
        async with self._units() as uow:  # FORBIDDEN before any X12 is read
            partners = await pushes.core_pushing_partners(uow=uow, actor=actor)
        payload = request.payload or ""
        answer = Answer(control_number_for(request.payload_id), self._clock.now())
        read = read_pushed_response(payload, answer=answer)
        if isinstance(read, Acknowledgment):
            log.info("pushed 278 refused", extra={"acknowledgment": _kind(read)})
            return _acknowledgment(read)
        response = read.message
        assert isinstance(response, Transaction278)  # what read_pushed_response takes
        try:
            result = await self._apply(request, response, partners)
        except DomainError as error:
            problems = _refused(error, response)
            if problems is None:
                raise  # not about the content: the envelope answers it
            log.info("pushed 278 names no request of the partner", extra={"field": error.field})
            return _acknowledgment(refusal(payload, answer, problems))
        log.info("pushed 278 received", extra={"outcome": result.outcome.value})
        return _acknowledgment(acceptance(payload, answer))

    async def _apply(
        self,
        request: CoreRequest,
        response: Transaction278,
        partners: list[pushes.PushingPartner],
    ) -> pushes.PushResult:
        umo = response.umo
        partner = pushes.choose_pushing_partner(partners, umo.identifier if umo else None)
        pushed = read_pushed(response, originator=originator_of(partner.options or {}))
        async with self._units() as uow:
            return await pushes.apply_pushed_answer(
                uow=uow,
                partner=partner,
                identifiers=pushed.traces,
                answer=pushed.answer,
                policy=self._policy,
                idempotency_key=_uuid(request.payload_id),
            )


def _refused(error: DomainError, response: Transaction278) -> list[X12Problem] | None:
    """The 999's problems for a response that names nothing of this partner's, else None."""
    if error.code is ErrorCode.NOT_FOUND and error.field == pushes.PAYER_FIELD:
        return unknown_payer(response) or unknown_request(response)
    if error.code in (ErrorCode.NOT_FOUND, ErrorCode.REQUIRED):
        return unknown_request(response)
    return None


def _acknowledgment(read: Acknowledgment) -> CoreAnswer:
    return CoreAnswer(
        PayloadType.X12_TA1_RESPONSE if read.is_ta1 else PayloadType.X12_999_RESPONSE, read.text
    )


def _kind(read: Acknowledgment) -> str:
    return "TA1" if read.is_ta1 else "999"


def _uuid(payload_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(payload_id)
    except ValueError:
        return None
