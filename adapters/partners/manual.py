"""MANUAL: payers reached by portal, phone or fax. Nothing is sent: the coordinator submits by
hand and records what the payer said. The adapter acknowledges, so the request is SUBMITTED
and appears on the worklist waiting for the payer's answer."""

from __future__ import annotations

import uuid

from domain.partners.ports import AnswerKind, PartnerAnswer, PartnerRequest


class ManualPartner:
    async def submit(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        return PartnerAnswer(kind=AnswerKind.RECEIVED)

    async def inquire(self, request: PartnerRequest) -> PartnerAnswer:
        return PartnerAnswer(kind=AnswerKind.RECEIVED)

    async def cancel(self, request: PartnerRequest, *, idempotency_key: uuid.UUID) -> PartnerAnswer:
        return PartnerAnswer(kind=AnswerKind.CANCELLED, reason="cancelled by the provider")

    async def provide_information(
        self, request: PartnerRequest, *, idempotency_key: uuid.UUID
    ) -> PartnerAnswer:
        return PartnerAnswer(kind=AnswerKind.RECEIVED)
