"""JWT bearer tokens: HS256 with a shared secret in development, RS256 in production."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from datetime import datetime, timedelta

import jwt

from domain.errors import DomainError, ErrorCode
from domain.identity.models import OrganizationKind, Role
from domain.identity.rules import Principal
from settings import Settings

LEEWAY_SECONDS = 30


def mint_token(
    settings: Settings, principal: Principal, now: datetime, ttl: timedelta | None = None
) -> str:
    """A signed token carrying the principal's organisation and roles."""
    lifetime = ttl or timedelta(seconds=settings.token_ttl_seconds)
    claims = {
        "sub": str(principal.subject_id),
        "org": str(principal.organization_id),
        "org_kind": principal.organization_kind.value,
        "roles": sorted(r.value for r in principal.roles),
        "machine": principal.is_machine,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.jwt_signing_key, algorithm=settings.jwt_algorithm)


def read_token(settings: Settings, token: str, now: datetime) -> Principal:
    """The principal a valid token names; UNAUTHENTICATED for anything else.

    Expiry is checked against the service's clock (settable in tests), not the host's."""
    try:
        claims = jwt.decode(
            token,
            settings.jwt_verify_key,
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={
                "require": ["sub", "org", "org_kind", "roles", "exp", "iat"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
        instant = now.timestamp()
        if instant >= float(claims["exp"]) + LEEWAY_SECONDS:
            raise jwt.ExpiredSignatureError("expired")
        if instant + LEEWAY_SECONDS < float(claims.get("nbf", claims["iat"])):
            raise jwt.ImmatureSignatureError("not yet valid")
        return Principal(
            subject_id=uuid.UUID(claims["sub"]),
            organization_id=uuid.UUID(claims["org"]),
            organization_kind=OrganizationKind(claims["org_kind"]),
            roles=frozenset(Role(r) for r in claims["roles"]),
            is_machine=bool(claims.get("machine", False)),
        )
    except jwt.ExpiredSignatureError as exc:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "The token has expired") from exc
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "The token is not valid") from exc


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header value."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Use 'Authorization: Bearer <token>'")
    return token.strip()


class TokenReader:
    """`read_token` with a small cache: a token verified once is trusted until it expires,
    so a busy client does not pay for signature checks on every request."""

    def __init__(self, settings: Settings, max_entries: int = 4096) -> None:
        self._settings = settings
        self._max_entries = max_entries
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    def read(self, token: str, now: datetime) -> Principal:
        found = self._verified.get(token)
        if found is not None and now.timestamp() < found[1]:
            self._verified.move_to_end(token)
            return found[0]
        principal = read_token(self._settings, token, now)
        expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
        self._verified[token] = (principal, expires + LEEWAY_SECONDS)
        if len(self._verified) > self._max_entries:
            self._verified.popitem(last=False)
        return principal
