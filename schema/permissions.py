"""Role checks declared on fields; business rules stay in the domain services."""

from __future__ import annotations

from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types import Info

from domain.identity.models import Role


class IsAuthenticated(BasePermission):
    message = "Sign in with a bearer token"
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.principal is not None


class HasRole(BasePermission):
    """One of `roles` (ADMIN of the organisation always qualifies)."""

    error_extensions = {"code": "FORBIDDEN"}

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles) | {Role.ADMIN}
        names = ", ".join(sorted(r.value for r in roles))
        self.message = f"This needs one of the roles: {names}"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        principal = info.context.principal
        return principal is not None and bool(principal.roles & self.roles)


def signed_in(*roles: Role) -> list[FieldExtension]:
    """Field extensions: a token is required, and one of `roles` when given."""
    checks: list[BasePermission] = [IsAuthenticated()]
    if roles:
        checks.append(HasRole(*roles))
    return [PermissionExtension(permissions=checks, use_directives=False)]
