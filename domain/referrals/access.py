"""Which referrals and recipients an actor may see: the agency its own, a provider only those
addressed to it, and of those only its own recipient record."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, select

from domain.cases.rules import CASE_WORKERS
from domain.errors import not_found
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from domain.referrals.models import Referral, ReferralRecipient
from domain.uow import UnitOfWork

PROVIDER_ROLES = (Role.PROVIDER_STAFF, Role.AUTH_COORDINATOR)
READERS = (*CASE_WORKERS, *PROVIDER_ROLES)


def referral_scope(actor: Principal) -> Any:
    """A WHERE clause on Referral: the agency's own, or those addressed to the provider."""
    if actor.organization_kind is OrganizationKind.AGENCY and (
        actor.is_admin or actor.has_any(*CASE_WORKERS)
    ):
        return Referral.organization_id == actor.organization_id
    if actor.is_admin or actor.has_any(*PROVIDER_ROLES):
        return exists().where(
            ReferralRecipient.referral_id == Referral.id,
            ReferralRecipient.provider_organization_id == actor.organization_id,
        )
    return Referral.id.is_(None)


def recipient_scope(actor: Principal) -> Any:
    """A WHERE clause on ReferralRecipient joined to its Referral: a provider sees only its
    own answers; the agency sees every provider's."""
    if actor.organization_kind is OrganizationKind.AGENCY:
        return Referral.organization_id == actor.organization_id
    return ReferralRecipient.provider_organization_id == actor.organization_id


async def load_referral(
    uow: UnitOfWork,
    actor: Principal,
    referral_id: uuid.UUID,
    field: str = "referralId",
    *,
    for_update: bool = False,
) -> Referral:
    query = select(Referral).where(Referral.id == referral_id, referral_scope(actor))
    referral = await uow.session.scalar(query.with_for_update() if for_update else query)
    if referral is None:
        raise not_found("Referral", field)
    return referral


async def load_recipient(
    uow: UnitOfWork,
    actor: Principal,
    recipient_id: uuid.UUID,
    field: str = "id",
    *,
    for_update: bool = False,
) -> tuple[ReferralRecipient, Referral]:
    query = (
        select(ReferralRecipient, Referral)
        .join(Referral, Referral.id == ReferralRecipient.referral_id)
        .where(ReferralRecipient.id == recipient_id, recipient_scope(actor))
    )
    if for_update:
        query = query.with_for_update()
    found = (await uow.session.execute(query)).one_or_none()
    if found is None:
        raise not_found("Referral recipient", field)
    return found[0], found[1]
