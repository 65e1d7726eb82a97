"""Which cases an actor may see and work on: its own agency's, as one of its case workers."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from domain.cases.models import Case
from domain.cases.rules import CASE_WORKERS
from domain.errors import not_found
from domain.identity.rules import Principal
from domain.uow import UnitOfWork


def case_scope(actor: Principal) -> Any:
    """A WHERE clause: cases of the actor's agency, for its case workers (and its ADMIN)."""
    if not (actor.is_admin or actor.has_any(*CASE_WORKERS)):
        return Case.id.is_(None)
    return Case.organization_id == actor.organization_id


async def load_case(
    uow: UnitOfWork,
    actor: Principal,
    case_id: uuid.UUID,
    field: str = "caseId",
    *,
    for_update: bool = False,
) -> Case:
    """The case if the actor may work on it, else NOT_FOUND (existence is not disclosed)."""
    query = select(Case).where(Case.id == case_id, case_scope(actor))
    case = await uow.session.scalar(query.with_for_update() if for_update else query)
    if case is None:
        raise not_found("Case", field)
    return case
