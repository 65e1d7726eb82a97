"""Set-based steps of a payment run over many disbursements: each is one statement whatever
the number of rows, so a period of 100,000 disbursements is never loaded into memory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, literal, select, update

from domain.delivery.lifecycle import DisbursementAction, DisbursementStatus
from domain.delivery.models import Disbursement
from domain.history import StatusChange
from domain.identity.rules import Principal
from domain.models import UTCDateTime
from domain.uow import UnitOfWork

ENTITY = "Disbursement"


async def history_of(
    uow: UnitOfWork,
    actor: Principal,
    where: Any,
    from_status: DisbursementStatus,
    to_status: DisbursementStatus,
    action: DisbursementAction,
) -> None:
    """Status history for every disbursement matching `where`, in one INSERT ... SELECT."""
    rows = select(
        literal(ENTITY),
        Disbursement.id,
        literal(from_status.value),
        literal(to_status.value),
        literal(action.value),
        literal(uow.clock.now(), UTCDateTime()),
        literal(actor.subject_id),
        literal(actor.organization_id),
    ).where(where)
    await uow.session.execute(
        insert(StatusChange).from_select(
            [
                "entity",
                "entity_id",
                "from_status",
                "to_status",
                "action",
                "changed_at",
                "changed_by_id",
                "changed_by_organization_id",
            ],
            rows,
        )
    )


async def set_status(uow: UnitOfWork, where: Any, status: DisbursementStatus, **values: Any) -> int:
    result = await uow.session.execute(
        update(Disbursement)
        .where(where)
        .values(status=status, updated_at=uow.clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
