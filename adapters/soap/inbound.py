"""The `CorePayloadHandler` of `/soap/core`: the X12 payload of an authenticated envelope is
read once (`adapters.x12.inbound`); what cannot be read is answered with a 999 or TA1 in the
payload, a 278 request for review (005010X217) goes to the inbound domain service and is
answered with a 278 response (pended with HCR A4 until the payer decides; an AAA when the
domain refuses it), and a 278 inquiry (005010X215) is answered with the current status of a
review the same partner requested. A pushed 278 response (the answer to a request we sent)
goes to `inbound_push`. Nothing is written for a refused payload."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import MappingProxyType

from adapters.soap.accounts import submitting_partner
from adapters.soap.codes import PayloadType
from adapters.soap.envelope import CoreRequest
from adapters.soap.inbound_push import PushedResponseHandler
from adapters.soap.ports import CoreAnswer
from adapters.x12.acknowledge import Answer
from adapters.x12.answer_inbound import rejection_for, to_inbound_response
from adapters.x12.inbound import (
    Acknowledgment,
    Received,
    answer_parties,
    control_number_for,
    read_inbound,
)
from adapters.x12.inquiry import Inquiry278
from adapters.x12.inquiry_answer import inquiry_filters, to_inquiry_response
from adapters.x12.mapping_inbound import to_inbound_submission
from adapters.x12.mapping_payer import to_278_response
from adapters.x12.review import Transaction278
from domain.authorizations import inbound
from domain.clock import Clock
from domain.errors import DomainError, ErrorCode
from domain.identity import service as identity
from domain.identity.rules import Principal
from domain.partners.polling import PollingPolicy
from domain.uow import UnitOfWorkFactory

log = logging.getLogger("carebridge.soap")


# What the endpoint takes in real time: requests and inquiries, and pushed 278 responses.
INBOUND_PAYLOAD_TYPES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "RealTimeTransaction": frozenset(
            {PayloadType.X12_278_REQUEST, PayloadType.X12_278_RESPONSE}
        ),
    }
)


class InboundCoreHandler:
    def __init__(
        self, units: UnitOfWorkFactory, *, clock: Clock, policy: PollingPolicy = PollingPolicy()
    ) -> None:
        self._units = units
        self._clock = clock
        self._pushes = PushedResponseHandler(units, clock=clock, policy=policy)

    async def handle(self, request: CoreRequest, *, submitter: str) -> CoreAnswer:
        actor = await submitting_partner(self._units, submitter)
        if request.payload_type == PayloadType.X12_278_RESPONSE:
            return await self._pushes.handle(request, actor)
        if not identity.is_submitting_partner(actor):
            raise DomainError(
                ErrorCode.UNAUTHENTICATED, "Requests come from providers and clearinghouses"
            )
        answer = Answer(control_number_for(request.payload_id), self._clock.now())
        read = read_inbound(request.payload or "", answer=answer)
        if isinstance(read, Acknowledgment):
            log.info(
                "inbound x12 refused", extra={"acknowledgment": "TA1" if read.is_ta1 else "999"}
            )
            kind = PayloadType.X12_TA1_RESPONSE if read.is_ta1 else PayloadType.X12_999_RESPONSE
            return CoreAnswer(kind, read.text)
        if isinstance(read.message, Inquiry278):
            return await self._inquiry(read, read.message, actor, answer)
        assert isinstance(read.message, Transaction278)
        return await self._review(read, read.message, actor, answer)

    async def _review(
        self, read: Received, review: Transaction278, actor: Principal, answer: Answer
    ) -> CoreAnswer:
        parties = answer_parties(read, control_number=answer.control_number, at=answer.at)
        submission = to_inbound_submission(review)
        try:
            async with self._units() as uow:
                outcome = await inbound.receive_submission(
                    uow=uow, actor=actor, submission=submission
                )
        except DomainError as error:
            rejection = rejection_for(error)
            if rejection is None:
                raise  # not about the content: the envelope answers it
            log.info(
                "inbound 278 rejected",
                extra={"error_code": str(error.code), "aaa": rejection.reason},
            )
            data = to_278_response(review, parties, rejection=rejection)
            return CoreAnswer(PayloadType.X12_278_RESPONSE, data.decode())
        services = submission.intake.requested_services
        data = to_inbound_response(review, parties, outcome.state, services)
        return CoreAnswer(PayloadType.X12_278_RESPONSE, data.decode())

    async def _inquiry(
        self, read: Received, inquiry: Inquiry278, actor: Principal, answer: Answer
    ) -> CoreAnswer:
        parties = answer_parties(read, control_number=answer.control_number, at=answer.at)
        async with self._units() as uow:
            found = await inbound.find_submissions(uow=uow, actor=actor, **inquiry_filters(inquiry))
        data = to_inquiry_response(inquiry, parties, found)
        return CoreAnswer(PayloadType.X12_278_RESPONSE, data.decode())
