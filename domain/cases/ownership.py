"""Who owns a new case (seed 003's case-ownership strategy): the creator, a named user, or the
agency's least-loaded caseworker, as the agency's ADMIN set it per case type."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from domain.cases.lifecycle import CLOSED_STATUSES, CaseType
from domain.cases.members import load_agency_user
from domain.cases.models import Case, CaseOwnershipRule, CaseRole, CaseUserRole, OwnershipStrategy
from domain.cases.rules import check_case_role_holder
from domain.errors import DomainError, ErrorCode
from domain.identity.models import Role, User
from domain.identity.rules import Principal, require_role
from domain.uow import UnitOfWork


async def owner_for_new_case(
    *, uow: UnitOfWork, actor: Principal, case_type: CaseType
) -> uuid.UUID:
    """The owner a new case gets: the agency's ownership rule for its type, else its creator."""
    rule = await uow.session.scalar(
        select(CaseOwnershipRule).where(
            CaseOwnershipRule.organization_id == actor.organization_id,
            CaseOwnershipRule.case_type == case_type,
        )
    )
    if rule is None or rule.strategy is OwnershipStrategy.CREATOR:
        return actor.subject_id
    if rule.strategy is OwnershipStrategy.USER and rule.user_id is not None:
        return rule.user_id
    return await _least_loaded_caseworker(uow, actor) or actor.subject_id


async def _least_loaded_caseworker(uow: UnitOfWork, actor: Principal) -> uuid.UUID | None:
    """The agency's active caseworker owning the fewest open cases (ties by user id)."""
    users = (
        await uow.session.scalars(
            select(User).where(User.organization_id == actor.organization_id, User.active)
        )
    ).all()
    candidates = sorted(u.id for u in users if Role.CASEWORKER.value in u.roles)
    if not candidates:
        return None
    owned = select(CaseUserRole.user_id, func.count()).join(Case, Case.id == CaseUserRole.case_id)
    owned = owned.where(
        CaseUserRole.user_id.in_(candidates),
        CaseUserRole.role == CaseRole.OWNER,
        CaseUserRole.ended_at.is_(None),
        Case.status.not_in(CLOSED_STATUSES),
    ).group_by(CaseUserRole.user_id)
    load: dict[uuid.UUID, int] = {}
    for user_id, count in (await uow.session.execute(owned)).all():
        load[user_id] = count
    return min(candidates, key=lambda user_id: (load.get(user_id, 0), user_id))


async def set_ownership_rule(
    *,
    uow: UnitOfWork,
    actor: Principal,
    case_type: CaseType,
    strategy: OwnershipStrategy,
    user_id: uuid.UUID | None = None,
) -> CaseOwnershipRule:
    """An agency ADMIN says how new cases of a type get their owner."""
    require_role(actor, Role.ADMIN)
    if (strategy is OwnershipStrategy.USER) != (user_id is not None):
        raise DomainError(ErrorCode.INVALID, "A USER strategy names its user (only it)", "userId")
    if user_id is not None:
        user = await load_agency_user(uow, actor, user_id)
        check_case_role_holder(CaseRole.OWNER.value, frozenset(Role(r) for r in user.roles))
    rule = await uow.session.scalar(
        select(CaseOwnershipRule).where(
            CaseOwnershipRule.organization_id == actor.organization_id,
            CaseOwnershipRule.case_type == case_type,
        )
    )
    now = uow.clock.now()
    if rule is None:
        rule = CaseOwnershipRule(
            organization_id=actor.organization_id, case_type=case_type, created_at=now
        )
        uow.session.add(rule)
    rule.strategy, rule.user_id, rule.updated_at = strategy, user_id, now
    await uow.commit()
    return rule
