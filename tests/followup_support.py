"""For follow-up tests: the office's payer reached over FHIR PAS at a simulated payer, and
requests submitted to it; bounded waits for states (never a timing assertion)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest, CodeSystem
from domain.authorizations.payer_rules import ServiceLineData
from domain.partners.models import Exchange, Protocol, TradingPartner
from tests.office import submitted_payer_request

PENDED_CODE = "72148"


async def point_partner_at(uow_factory, endpoint: str, **options: Any) -> uuid.UUID:
    """The office's (only) trading partner speaks FHIR PAS at `endpoint`, with `options`."""
    async with uow_factory() as uow:
        partner = await uow.session.scalar(select(TradingPartner))
        partner.protocol, partner.endpoint_url = Protocol.FHIR_PAS, endpoint
        partner.options = {"timeout_seconds": 2, **options}
        await uow.commit()
        return partner.id


async def submit_requests(office, uow_factory, count: int = 1) -> list[uuid.UUID]:
    """`count` requests for Maria, submitted (their outbox rows written, not yet sent)."""
    ids = []
    for _ in range(count):
        line = ServiceLineData(CodeSystem.CPT, PENDED_CODE, Decimal(1))
        ids.append((await submitted_payer_request(uow_factory, office, line)).id)
    return ids


async def statuses(uow_factory, ids) -> dict[uuid.UUID, AuthorizationStatus]:
    async with uow_factory() as uow:
        rows = await uow.session.execute(
            select(AuthorizationRequest.id, AuthorizationRequest.status).where(
                AuthorizationRequest.id.in_(ids)
            )
        )
        return {row.id: row.status for row in rows}


async def exchange_counts(uow_factory, operation: str) -> dict[uuid.UUID, int]:
    async with uow_factory() as uow:
        rows = await uow.session.execute(
            select(Exchange.request_id, func.count())
            .where(Exchange.operation == operation)
            .group_by(Exchange.request_id)
        )
        return {row[0]: row[1] for row in rows}


async def eventually(
    check: Callable[[], Awaitable[bool]], *, attempts: int = 600, pause: float = 0.05
) -> None:
    """Waits (bounded) until `check` holds; fails the test otherwise."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(pause)
    raise AssertionError("the expected state was not reached")
