"""The ports network management calls out through: verification sources (NPI registry,
licence board, sanctions and exclusions list) and an e-signature service. Implemented over
HTTP in `adapters/network/`; simulated in `adapters/simulator/`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from domain.network.models import CredentialKind, VerificationSourceKind


class SourceUnavailable(Exception):
    """The source could not answer (transport error, timeout, 5xx): the check may be run
    again; the message is safe to store as evidence."""


@dataclass(frozen=True, slots=True)
class VerificationQuery:
    kind: CredentialKind
    subject_name: str
    npi: str | None
    number: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class VerificationAnswer:
    """What the source said: `verified` or not, why (evidence), its own reference for the
    lookup, and the expiry date it holds for the credential, if any."""

    verified: bool
    evidence: str
    reference: str | None = None
    expires_on: date | None = None


class VerificationSources(Protocol):
    async def verify(
        self, source: VerificationSourceKind, query: VerificationQuery
    ) -> VerificationAnswer: ...


@dataclass(frozen=True, slots=True)
class SignatureRequest:
    reference: str  # our contract number and version, e.g. NCT-2026-000001 v2
    document: str
    document_hash: str
    signer_name: str
    signer_email: str


@dataclass(frozen=True, slots=True)
class SignatureStatus:
    envelope_id: str
    completed: bool
    declined: bool = False
    signer_name: str | None = None
    signer_email: str | None = None
    signed_at: datetime | None = None
    document_hash: str | None = None


class SignatureService(Protocol):
    async def send(self, request: SignatureRequest) -> str:
        """The envelope id the signature service gave the request."""
        ...

    async def status(self, envelope_id: str) -> SignatureStatus: ...
