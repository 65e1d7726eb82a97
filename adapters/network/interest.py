"""The public provider interest form: `POST /network/interest` (JSON or a form post), no
sign-in, limited per client address, validated like any input. It answers 202 without
saying whether the provider was on the campaign's list already."""

from __future__ import annotations

import time
from collections import deque

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.errors import DomainError, ValidationErrors
from domain.network.recruiting import LeadData, submit_interest

FIELDS = (
    "name",
    "email",
    "practice_name",
    "npi",
    "phone",
    "specialty_code",
    "postal_code",
    "message",
)
_CAMEL = {
    "practiceName": "practice_name",
    "specialtyCode": "specialty_code",
    "postalCode": "postal_code",
}


class RateLimiter:
    """At most `limit` calls per `window` seconds per key (a sliding window, in process)."""

    def __init__(self, limit: int, window: float = 60.0, max_keys: int = 10_000) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self._calls: dict[str, deque[float]] = {}

    def allow(self, key: str, now: float | None = None) -> float | None:
        """None if allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        calls = self._calls.setdefault(key, deque())
        while calls and calls[0] <= now - self.window:
            calls.popleft()
        if len(calls) >= self.limit:
            return calls[0] + self.window - now
        if len(self._calls) > self.max_keys:
            self._calls = {key: calls}
        calls.append(now)
        return None


def _errors(error: DomainError, status: int = 422) -> JSONResponse:
    found = error.errors if isinstance(error, ValidationErrors) else [error]
    body = [{"code": e.code.value, "message": e.message, "field": e.field} for e in found]
    return JSONResponse({"errors": body}, status_code=status)


async def _read(request: Request) -> dict[str, object] | None:
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind == "application/json":
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None
        return body if isinstance(body, dict) else None
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return dict((await request.form()).items())
    return None


def interest_route(limiter: RateLimiter) -> Route:
    async def interest(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        wait = limiter.allow(client)
        if wait is not None:
            return JSONResponse(
                {
                    "errors": [
                        {"code": "LIMIT_EXCEEDED", "message": "Too many requests", "field": None}
                    ]
                },
                status_code=429,
                headers={"Retry-After": str(max(1, int(wait + 0.999)))},
            )
        body = await _read(request)
        if body is None:
            return JSONResponse(
                {
                    "errors": [
                        {
                            "code": "INVALID",
                            "message": "Send a JSON object or a form",
                            "field": None,
                        }
                    ]
                },
                status_code=400,
            )
        values = {_CAMEL.get(k, k): v for k, v in body.items()}
        text = {
            k: (str(values[k]).strip() or None) if values.get(k) is not None else None
            for k in FIELDS
        }
        campaign = str(values.get("campaign") or "")
        data = LeadData(
            name=text["name"] or "",
            email=text["email"] or "",
            **{k: text[k] for k in FIELDS if k not in ("name", "email")},
        )
        database = request.app.state.database
        correlation = request.scope.get("state", {}).get("correlation_id", "-")
        try:
            async with database.uow_factory(correlation)() as uow:
                await submit_interest(uow=uow, campaign_code=campaign, data=data)
        except DomainError as error:
            return _errors(error, 404 if error.field == "campaign" else 422)
        return JSONResponse({"status": "received"}, status_code=202)

    return Route("/network/interest", interest, methods=["POST"])
