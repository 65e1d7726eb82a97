"""Operator commands for accounts: organisations, users and API clients (no self sign-up)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy import select

from db.engine import create_engine
from db.uow import Database, SqlAlchemyUnitOfWork
from domain.clock import SystemClock
from domain.errors import DomainError, ErrorCode
from domain.identity import service as identity
from domain.identity.models import Organization, OrganizationKind, Role
from domain.partners import service as partners
from domain.partners.models import Protocol
from domain.uow import UnitOfWork
from settings import Settings


@asynccontextmanager
async def operator_units(settings: Settings) -> AsyncIterator[Callable[[], SqlAlchemyUnitOfWork]]:
    """Units of work for a one-off command; the engine is disposed afterwards."""
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    try:
        yield database.uow_factory("cli")
    finally:
        await database.dispose()


async def find_organization(uow: UnitOfWork, name_or_id: str) -> Organization:
    """An organisation by id, or by its exact name."""
    try:
        query = select(Organization).where(Organization.id == uuid.UUID(name_or_id))
    except ValueError:
        query = select(Organization).where(Organization.name == name_or_id)
    found = (await uow.session.scalars(query)).all()
    if len(found) != 1:
        problem = "No" if not found else "More than one"
        raise DomainError(ErrorCode.NOT_FOUND, f"{problem} organisation {name_or_id!r}")
    return found[0]


async def add_organization(
    settings: Settings, *, name: str, kind: str, npi: str | None, payer_id: str | None
) -> str:
    async with operator_units(settings) as units, units() as uow:
        org = await identity.create_organization(
            uow=uow, name=name, kind=OrganizationKind(kind), npi=npi, payer_id=payer_id
        )
        await uow.commit()
        return f"organisation {org.name} ({org.kind.value}) id {org.id}"


async def add_user(
    settings: Settings, *, organization: str, email: str, display_name: str, roles: list[str]
) -> str:
    async with operator_units(settings) as units, units() as uow:
        org = await find_organization(uow, organization)
        user = await identity.create_user(
            uow=uow,
            organization_id=org.id,
            email=email,
            display_name=display_name,
            roles={Role(r) for r in roles},
        )
        await uow.commit()
        return f"user {user.email} at {org.name} with {', '.join(user.roles)} id {user.id}"


async def add_api_client(
    settings: Settings, *, organization: str, client_id: str, name: str
) -> str:
    """A machine partner; its secret is shown once and stored only as a hash."""
    secret = secrets.token_urlsafe(32)
    async with operator_units(settings) as units, units() as uow:
        org = await find_organization(uow, organization)
        await identity.create_api_client(
            uow=uow, organization_id=org.id, name=name, client_id=client_id, secret=secret
        )
        await uow.commit()
    return f"client id {client_id}\nsecret {secret}\n(the secret is not stored; keep it now)"


async def add_trading_partner(
    settings: Settings,
    *,
    payer: str,
    name: str,
    protocol: str,
    endpoint_url: str | None = None,
    expedited_hours: int | None = None,
    standard_days: int | None = None,
    options: dict[str, object] | None = None,
) -> str:
    """How requests to a payer travel (MANUAL, FHIR_PAS or X12_CORE), and its rate limits
    (options `rate_per_second`, `burst`, `max_concurrency`)."""
    async with operator_units(settings) as units, units() as uow:
        org = await find_organization(uow, payer)
        partner = await partners.create_trading_partner(
            uow=uow,
            payer_organization_id=org.id,
            name=name,
            protocol=Protocol(protocol.upper()),
            endpoint_url=endpoint_url,
            expedited_hours=expedited_hours,
            standard_days=standard_days,
            options=options,
        )
        await uow.commit()
    return f"trading partner {partner.name} ({partner.protocol.value}) for {org.name}"
