"""Following up with partners: requests waiting on a payer are asked for their status
(PAS $inquire, X12 278 inquiry) and the answer is applied like any other. The follow-up engine
picks the due requests; this module asks one partner about one request."""

from __future__ import annotations

import time
import uuid
from datetime import datetime

from sqlalchemy import select

from domain.authorizations.answers import apply_inquiry_answer, snapshot
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest
from domain.partners.models import Exchange, ExchangeOutcome, Protocol, TradingPartner
from domain.partners.ports import PartnerDirectory, PartnerError
from domain.uow import UnitOfWork

POLLABLE = (
    AuthorizationStatus.SUBMITTED,
    AuthorizationStatus.PENDED,
    AuthorizationStatus.INFO_REQUESTED,
)


async def poll_request(
    *, uow: UnitOfWork, request_id: uuid.UUID, directory: PartnerDirectory
) -> AuthorizationStatus | None:
    """Ask the request's partner for its status and apply the answer; None when there is
    nothing to ask (not waiting, a MANUAL payer, or another poller holds it)."""
    request = await uow.session.scalar(
        select(AuthorizationRequest)
        .where(AuthorizationRequest.id == request_id, AuthorizationRequest.status.in_(POLLABLE))
        .with_for_update(skip_locked=True)
    )
    if request is None or request.trading_partner_id is None:
        return None
    partner = await uow.session.get(TradingPartner, request.trading_partner_id)
    if partner is None or partner.protocol is Protocol.MANUAL:
        return None
    port = directory.for_partner(partner.protocol.value, partner.port_options())
    started, began = uow.clock.now(), time.monotonic()
    try:
        answer = await port.inquire(await snapshot(uow, request))
    except PartnerError as error:
        _log(uow, request, partner, started, began, ExchangeOutcome.FAILED, error.message)
        await uow.commit()
        return request.status
    _log(uow, request, partner, started, began, ExchangeOutcome.SUCCEEDED, answer.kind.value)
    await apply_inquiry_answer(uow, request, answer)
    await uow.commit()
    return request.status


def _log(
    uow: UnitOfWork,
    request: AuthorizationRequest,
    partner: TradingPartner,
    started: datetime,
    began: float,
    outcome: ExchangeOutcome,
    detail: str,
) -> None:
    uow.session.add(
        Exchange(
            request_id=request.id,
            partner_id=partner.id,
            direction="OUTBOUND",
            operation="INQUIRE",
            idempotency_key=None,
            outcome=outcome,
            started_at=started,
            duration_ms=int((time.monotonic() - began) * 1000),
            detail=detail[:500],
        )
    )
