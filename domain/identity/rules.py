"""Who is acting, and what their role and organisation let them do (pure rules)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Protocol

from domain.errors import DomainError, ErrorCode, ErrorCollector
from domain.identifiers import EMAIL, is_valid_npi
from domain.identity.models import OrganizationKind, Role


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated actor: a person at an organisation, or a machine partner."""

    subject_id: uuid.UUID
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    roles: frozenset[Role] = field(default_factory=frozenset)
    is_machine: bool = False

    def has_any(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles


class Account(Protocol):
    """A user or an API client."""

    id: uuid.UUID
    organization_id: uuid.UUID
    roles: list[str]


def principal_of(
    account: Account, kind: OrganizationKind, *, is_machine: bool = False
) -> Principal:
    """The principal a user or API client acts as."""
    return Principal(
        subject_id=account.id,
        organization_id=account.organization_id,
        organization_kind=kind,
        roles=frozenset(Role(r) for r in account.roles),
        is_machine=is_machine,
    )


def require_role(actor: Principal, *roles: Role) -> None:
    """Raise FORBIDDEN unless the actor holds one of `roles` (ADMIN always passes)."""
    if actor.is_admin or actor.has_any(*roles):
        return
    wanted = ", ".join(sorted(role.value for role in roles))
    raise DomainError(ErrorCode.FORBIDDEN, f"This needs one of the roles: {wanted}")


ROLES_BY_ORGANIZATION_KIND: dict[OrganizationKind, frozenset[Role]] = {
    OrganizationKind.AGENCY: frozenset(
        {Role.CASEWORKER, Role.CASE_SUPERVISOR, Role.NETWORK_STAFF, Role.ADMIN}
    ),
    OrganizationKind.PROVIDER: frozenset(
        {Role.PROVIDER_STAFF, Role.AUTH_COORDINATOR, Role.PARTNER, Role.ADMIN}
    ),
    OrganizationKind.PAYER: frozenset({Role.NETWORK_STAFF, Role.PARTNER, Role.ADMIN}),
    OrganizationKind.CLEARINGHOUSE: frozenset({Role.PARTNER, Role.ADMIN}),
}


def check_roles_fit_organization(kind: OrganizationKind, roles: set[Role]) -> None:
    """A provider's staff cannot be given a caseworker's role, and so on."""
    misfits = roles - ROLES_BY_ORGANIZATION_KIND[kind]
    if misfits:
        names = ", ".join(sorted(role.value for role in misfits))
        raise DomainError(
            ErrorCode.INVALID,
            f"Roles {names} do not exist at an organization of kind {kind.value}",
            "roles",
        )


def check_organization(name: str, npi: str | None, payer_id: str | None) -> None:
    errors = ErrorCollector()
    errors.check_lengths({"name": name, "payerId": payer_id}, {"name": 200, "payerId": 80})
    if not name.strip():
        errors.add(ErrorCode.REQUIRED, "Name is required", "name")
    if npi is not None and not is_valid_npi(npi):
        errors.add(ErrorCode.INVALID_NPI, "An NPI is 10 digits with a valid check digit", "npi")
    errors.raise_if_any()


def check_user(email: str, display_name: str) -> None:
    errors = ErrorCollector()
    errors.check_lengths(
        {"email": email, "displayName": display_name}, {"email": 254, "displayName": 200}
    )
    if not EMAIL.match(email.strip()):
        errors.add(ErrorCode.INVALID, "Email address is not valid", "email")
    if not display_name.strip():
        errors.add(ErrorCode.REQUIRED, "Display name is required", "displayName")
    errors.raise_if_any()
