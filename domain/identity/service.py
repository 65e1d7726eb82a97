"""Use cases on organisations, users and API clients."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from domain.errors import DomainError, ErrorCode, not_found
from domain.identity.models import ApiClient, Organization, OrganizationKind, Role, User
from domain.identity.rules import (
    Principal,
    check_organization,
    check_roles_fit_organization,
    check_user,
    principal_of,
)
from domain.models import keyset_after
from domain.pagination import Page, PageRequest, decode_cursor, page_from_rows
from domain.uow import UnitOfWork


async def get_organizations(
    *, uow: UnitOfWork, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Organization]:
    """Organisations are a shared directory (name and kind); their records stay scoped."""
    if not ids:
        return {}
    rows = await uow.session.scalars(select(Organization).where(Organization.id.in_(set(ids))))
    return {o.id: o for o in rows}


@dataclass(frozen=True, slots=True)
class OrganizationFilter:
    kind: OrganizationKind | None = None
    text: str | None = None


async def list_organizations(
    *, uow: UnitOfWork, filter: OrganizationFilter, page: PageRequest, with_total: bool = False
) -> Page[Organization]:
    """The shared directory of organisations (names and kinds), by name."""
    query = select(Organization).where(Organization.active.is_(True))
    if filter.kind:
        query = query.where(Organization.kind == filter.kind)
    for word in (filter.text or "").lower().split()[:5]:
        query = query.where(func.lower(Organization.name).contains(word, autoescape=True))
    total = None
    if with_total:
        total = await uow.session.scalar(select(func.count()).select_from(query.subquery()))
    if page.after:
        name, last_id = decode_cursor(page.after, (str, uuid.UUID))
        query = query.where(keyset_after((Organization.name, Organization.id), (name, last_id)))
    rows = (
        await uow.session.scalars(
            query.order_by(Organization.name, Organization.id).limit(page.first + 1)
        )
    ).all()
    return page_from_rows(rows, page, lambda o: (o.name, o.id)).with_total(total)


async def get_users(
    *, uow: UnitOfWork, actor: Principal, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, User]:
    """Users of the actor's own organisation only."""
    if not ids:
        return {}
    query = select(User).where(User.id.in_(set(ids)), User.organization_id == actor.organization_id)
    return {u.id: u for u in await uow.session.scalars(query)}


async def create_organization(
    *,
    uow: UnitOfWork,
    name: str,
    kind: OrganizationKind,
    npi: str | None = None,
    payer_id: str | None = None,
) -> Organization:
    """Operators create organisations (CLI, seed); there is no self-service sign-up."""
    check_organization(name, npi, payer_id)
    taken = await uow.session.scalar(
        select(Organization.id).where(Organization.name == name.strip())
    )
    if taken is not None:
        raise DomainError(ErrorCode.DUPLICATE, "An organisation with this name exists", "name")
    now = uow.clock.now()
    organization = Organization(
        name=name.strip(), kind=kind, npi=npi, payer_id=payer_id, created_at=now, updated_at=now
    )
    uow.session.add(organization)
    await uow.session.flush()
    return organization


async def create_user(
    *,
    uow: UnitOfWork,
    organization_id: uuid.UUID,
    email: str,
    display_name: str,
    roles: set[Role],
) -> User:
    """A user of one organisation, with roles that exist at that kind of organisation."""
    organization = await uow.session.get(Organization, organization_id)
    if organization is None:
        raise not_found("Organization", "organizationId")
    if not roles:
        raise DomainError(ErrorCode.REQUIRED, "A user needs at least one role", "roles")
    check_roles_fit_organization(organization.kind, roles)
    check_user(email, display_name)
    email = email.strip().lower()
    if await uow.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(ErrorCode.DUPLICATE, "A user with this email exists", "email")
    now = uow.clock.now()
    user = User(
        organization_id=organization_id,
        email=email,
        display_name=display_name.strip(),
        roles=sorted(role.value for role in roles),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(user)
    await uow.session.flush()
    return user


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    """scrypt, with the salt and parameters stored beside the hash."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, salt_hex, _digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    return hmac.compare_digest(hash_secret(secret, bytes.fromhex(salt_hex)), stored)


async def create_api_client(
    *, uow: UnitOfWork, organization_id: uuid.UUID, name: str, client_id: str, secret: str
) -> ApiClient:
    """A machine partner of an organisation; it acts with the PARTNER role."""
    organization = await uow.session.get(Organization, organization_id)
    if organization is None:
        raise not_found("Organization", "organizationId")
    if await uow.session.scalar(select(ApiClient.id).where(ApiClient.client_id == client_id)):
        raise DomainError(ErrorCode.DUPLICATE, "This client id is taken", "clientId")
    now = uow.clock.now()
    client = ApiClient(
        organization_id=organization_id,
        name=name,
        client_id=client_id,
        secret_hash=hash_secret(secret),
        roles=[Role.PARTNER.value],
        created_at=now,
        updated_at=now,
    )
    uow.session.add(client)
    await uow.session.flush()
    return client


async def _active_client(
    uow: UnitOfWork, which: ColumnElement[bool]
) -> tuple[ApiClient, OrganizationKind] | None:
    """The active API client `which` selects, of an active organisation, with its kind."""
    row = await uow.session.execute(
        select(ApiClient, Organization.kind)
        .join(Organization, Organization.id == ApiClient.organization_id)
        .where(which, ApiClient.active.is_(True), Organization.active.is_(True))
    )
    found = row.one_or_none()
    return (found[0], found[1]) if found is not None else None


# Verified against when the client id is unknown, so that a wrong id costs what a wrong
# secret costs and the answer's timing does not tell which client ids exist.
_UNKNOWN_CLIENT_HASH = hash_secret(secrets.token_urlsafe(16))


async def authenticate_api_client(*, uow: UnitOfWork, client_id: str, secret: str) -> Principal:
    """The principal of a partner presenting its client id and secret; UNAUTHENTICATED if wrong."""
    found = await _active_client(uow, ApiClient.client_id == client_id)
    stored = found[0].secret_hash if found is not None else _UNKNOWN_CLIENT_HASH
    if not verify_secret(secret, stored) or found is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Unknown client or wrong secret")
    client, kind = found
    return principal_of(client, kind, is_machine=True)


# The organisations whose machine partners may send us requests for review (CORE, PAS).
SUBMITTING_PARTNER_KINDS = frozenset({OrganizationKind.PROVIDER, OrganizationKind.CLEARINGHOUSE})
# ... and those that may talk to our CORE endpoint at all: payers (and clearinghouses) also
# push the answers to requests we sent them, when their trading partner allows it.
CORE_PARTNER_KINDS = SUBMITTING_PARTNER_KINDS | {OrganizationKind.PAYER}


def is_submitting_partner(principal: Principal) -> bool:
    return principal.organization_kind in SUBMITTING_PARTNER_KINDS and principal.has_any(
        Role.PARTNER
    )


async def authenticate_core_partner(*, uow: UnitOfWork, client_id: str, secret: str) -> Principal:
    """A PARTNER API client of a provider organisation, clearinghouse or payer, by its client
    id and secret; UNAUTHENTICATED for anything else (wrong secret, another kind or role).
    What it may send is decided per message (`is_submitting_partner`, pushing partners)."""
    principal = await authenticate_api_client(uow=uow, client_id=client_id, secret=secret)
    if principal.organization_kind not in CORE_PARTNER_KINDS or not principal.has_any(Role.PARTNER):
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Unknown client or wrong secret")
    return principal


async def principal_for_api_client(*, uow: UnitOfWork, api_client_id: uuid.UUID) -> Principal:
    """The principal of an active API client of an active organisation, by its row id."""
    found = await _active_client(uow, ApiClient.id == api_client_id)
    if found is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Unknown or inactive client")
    client, kind = found
    return principal_of(client, kind, is_machine=True)


async def principal_for_user(*, uow: UnitOfWork, user_id: uuid.UUID) -> Principal:
    """The principal of an active user, as a token would carry it."""
    row = await uow.session.execute(
        select(User, Organization.kind)
        .join(Organization, Organization.id == User.organization_id)
        .where(User.id == user_id, User.active.is_(True), Organization.active.is_(True))
    )
    found = row.one_or_none()
    if found is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Unknown or inactive user")
    user, kind = found
    return principal_of(user, kind)
