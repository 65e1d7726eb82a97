"""A subscriber's endpoint for tests: a small Starlette app (served under uvicorn by
`serving`) that records every notification POSTed to it and answers with the statuses the
test sets (`failures`, one per request, then 200)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    answered: int

    @property
    def status(self) -> dict[str, Any]:
        """The SubscriptionStatus parameters by name (notification-event: its parts)."""
        parameters = self.body["entry"][0]["resource"]["parameter"]
        named: dict[str, Any] = {}
        for parameter in parameters:
            if "part" in parameter:
                named[parameter["name"]] = {
                    p["name"]: next(v for k, v in p.items() if k.startswith("value"))
                    for p in parameter["part"]
                }
            else:
                named[parameter["name"]] = next(
                    v for k, v in parameter.items() if k.startswith("value")
                )
        return named

    @property
    def kind(self) -> str:
        return str(self.status["type"])

    @property
    def event_number(self) -> int | None:
        event = self.status.get("notification-event")
        return int(event["event-number"]) if event else None


@dataclass
class Receiver:
    failures: list[int] = field(default_factory=list)
    always: int | None = None  # answer every request with this status
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            status = self.always or (self.failures.pop(0) if self.failures else 200)
            body = orjson.loads(await request.body())
            self.deliveries.append(Delivery(dict(request.headers), body, status))
            self.arrived.set()
            return Response(status_code=status)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])

    def delivered(self, kind: str = "event-notification") -> list[Delivery]:
        """What was taken (answered 2xx), of one kind."""
        return [d for d in self.deliveries if d.answered < 300 and d.kind == kind]

    async def wait_for(
        self, count: int, kind: str = "event-notification", rounds: int = 500
    ) -> list[Delivery]:
        """Until `count` deliveries of `kind` were taken (bounded; fails the test otherwise)."""
        for _ in range(rounds):
            if len(self.delivered(kind)) >= count:
                return self.delivered(kind)
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), 0.02)
        raise AssertionError(f"{count} {kind} not delivered: {self.deliveries}")
