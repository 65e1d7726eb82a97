"""The `CoreAuthenticator` of `/soap/core`: a WS-Security UsernameToken is a PARTNER API client
of a provider organisation, clearinghouse or payer (`domain/identity`), its username the client
id and its password the client secret, checked the way every API client secret is (scrypt,
compared in constant time; an unknown client id costs the same as a wrong secret). What the
client may send is decided per message: requests for review and inquiries come from providers
and clearinghouses, pushed 278 responses from the clients a trading partner names."""

from __future__ import annotations

import logging
import uuid

from adapters.soap.soap12 import UsernameToken
from domain.errors import DomainError, ErrorCode
from domain.identity import service as identity
from domain.identity.rules import Principal
from domain.uow import UnitOfWorkFactory

log = logging.getLogger("carebridge.soap")

SUBMITTER_PREFIX = "api-client:"
# Longer values are refused before any lookup: no client id or secret is this long.
MAX_CREDENTIAL_CHARS = 256


class ApiClientAuthenticator:
    """Answers `api-client:<id>` for the right client id and secret, None otherwise. Neither
    the password nor the username is logged."""

    def __init__(self, units: UnitOfWorkFactory) -> None:
        self._units = units

    async def authenticate(self, token: UsernameToken) -> str | None:
        if not token.username or len(token.username) > MAX_CREDENTIAL_CHARS:
            return _refused("malformed username")
        if len(token.password) > MAX_CREDENTIAL_CHARS:
            return _refused("malformed password")
        try:
            async with self._units() as uow:
                principal = await identity.authenticate_core_partner(
                    uow=uow, client_id=token.username, secret=token.password
                )
        except DomainError as error:
            if error.code is not ErrorCode.UNAUTHENTICATED:
                raise
            return _refused("unknown client, wrong secret, or not a CORE partner")
        return submitter_of(principal)


def _refused(reason: str) -> str | None:
    log.info("core partner not authenticated", extra={"reason": reason})
    return None


def submitter_of(principal: Principal) -> str:
    return f"{SUBMITTER_PREFIX}{principal.subject_id}"


async def submitting_partner(units: UnitOfWorkFactory, submitter: str) -> Principal:
    """The principal `ApiClientAuthenticator` named `submitter`, read again in its own unit of
    work; UNAUTHENTICATED when the client has been deactivated since."""
    prefix, _, raw_id = submitter.partition(":")
    try:
        client_id = uuid.UUID(raw_id)
    except ValueError:
        client_id = None
    if f"{prefix}:" != SUBMITTER_PREFIX or client_id is None:
        raise DomainError(ErrorCode.UNAUTHENTICATED, "Unknown submitter")
    async with units() as uow:
        return await identity.principal_for_api_client(uow=uow, api_client_id=client_id)
