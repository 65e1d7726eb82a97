"""The verification-source and e-signature ports over HTTP (httpx). Transport errors,
timeouts and 5xx answers become SourceUnavailable (the check can be run again); no httpx or
JSON exception escapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import httpx

from domain.network.models import VerificationSourceKind
from domain.network.ports import (
    SignatureRequest,
    SignatureStatus,
    SourceUnavailable,
    VerificationAnswer,
    VerificationQuery,
)


class _Http:
    def __init__(self, base_url: str, timeout: float, http: httpx.AsyncClient | None) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("the base URL must be an absolute http(s) URL")
        self.base = base_url.rstrip("/")
        self._owns = http is None
        self._http = http or httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        try:
            response = await self._http.request(method, f"{self.base}{path}", **kwargs)
        except httpx.HTTPError as error:
            raise SourceUnavailable(type(error).__name__) from None
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise SourceUnavailable(f"HTTP {response.status_code}")
        try:
            return response.status_code, response.json()
        except ValueError:
            raise SourceUnavailable("the answer was not JSON") from None

    async def aclose(self) -> None:
        if self._owns:
            await self._http.aclose()


class HttpVerificationSources(_Http):
    """NPI registry, licence board and sanctions list under one base URL (the simulator's
    layout; a deployment points each at its provider's gateway)."""

    def __init__(
        self, base_url: str, *, timeout: float = 10.0, http: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(base_url, timeout, http)

    async def verify(
        self, source: VerificationSourceKind, query: VerificationQuery
    ) -> VerificationAnswer:
        if source is VerificationSourceKind.NPI_REGISTRY:
            return await self._npi(query)
        if source is VerificationSourceKind.LICENSE_BOARD:
            return await self._licence(query)
        return await self._sanctions(query)

    async def _npi(self, query: VerificationQuery) -> VerificationAnswer:
        _, body = await self.call(
            "GET", "/npi-registry/api/", params={"number": query.npi or "", "version": "2.1"}
        )
        results = body.get("results") or [] if isinstance(body, dict) else []
        if not results:
            return VerificationAnswer(False, f"NPI {query.npi} not found in the NPI registry")
        status = (results[0].get("basic") or {}).get("status")
        ok = status == "A"
        return VerificationAnswer(
            ok,
            f"NPI registry: {query.npi} {'active' if ok else 'not active'}",
            f"NPPES {query.npi}",
        )

    async def _licence(self, query: VerificationQuery) -> VerificationAnswer:
        code, body = await self.call("GET", f"/license-board/licenses/{query.state}/{query.number}")
        if code == 404:
            return VerificationAnswer(
                False, f"Licence {query.state} {query.number} not on the board's register"
            )
        active = body.get("status") == "ACTIVE" and not body.get("disciplinary_actions")
        expires = _date(body.get("expires_on"))
        evidence = (
            f"Licence board {query.state}: {query.number} {body.get('status')}, expires {expires}"
        )
        return VerificationAnswer(active, evidence, body.get("lookup_id"), expires)

    async def _sanctions(self, query: VerificationQuery) -> VerificationAnswer:
        _, body = await self.call(
            "POST", "/sanctions/search", json={"name": query.subject_name, "npi": query.npi}
        )
        matches = body.get("matches") or []
        listed = body.get("list")
        if matches:
            return VerificationAnswer(
                False, f"{len(matches)} match(es) on exclusion list {listed}", listed
            )
        return VerificationAnswer(True, f"No match on exclusion list {listed}", listed)


class HttpSignatureService(_Http):
    def __init__(
        self, base_url: str, *, timeout: float = 10.0, http: httpx.AsyncClient | None = None
    ) -> None:
        super().__init__(base_url, timeout, http)

    async def send(self, request: SignatureRequest) -> str:
        code, body = await self.call(
            "POST",
            "/envelopes",
            json={
                "reference": request.reference,
                "document": request.document,
                "document_hash": request.document_hash,
                "signer": {"name": request.signer_name, "email": request.signer_email},
            },
        )
        if code != 201 or not isinstance(body, dict) or not body.get("id"):
            raise SourceUnavailable(f"envelope not created (HTTP {code})")
        return str(body["id"])

    async def status(self, envelope_id: str) -> SignatureStatus:
        code, body = await self.call("GET", f"/envelopes/{envelope_id}")
        if code != 200 or not isinstance(body, dict):
            raise SourceUnavailable(f"envelope not found (HTTP {code})")
        signer = body.get("signer") or {}
        signed_at = body.get("signed_at")
        return SignatureStatus(
            envelope_id=envelope_id,
            completed=body.get("status") == "completed",
            declined=body.get("status") == "declined",
            signer_name=signer.get("name"),
            signer_email=signer.get("email"),
            signed_at=datetime.fromisoformat(signed_at) if signed_at else None,
            document_hash=body.get("document_hash"),
        )


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
