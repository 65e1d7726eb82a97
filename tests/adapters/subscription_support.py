"""A subscriber's endpoint for tests: a small Starlette app (served under uvicorn by
`serving`) that records every notification POSTed to it and answers with the statuses the
test sets (`failures`, one per request, then 200); and the world they are tested in: the
provider office with its NPI and its EHR's PARTNER API client, and another clinic's."""

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

from domain.identity import service as identity
from domain.identity.models import Organization, OrganizationKind
from domain.identity.rules import principal_of
from tests.office import build_office

NORTHSIDE_NPI = "1234567893"
ELSEWHERE_NPI = "1245319599"


async def partner(uow_factory, organization_id, client_id):
    """A PARTNER API client of the organisation, as the principal its token carries."""
    async with uow_factory() as uow:
        client = await identity.create_api_client(
            uow=uow, organization_id=organization_id, name=client_id, client_id=client_id,
            secret="client-secret-0123456789",
        )  # fmt: skip
        await uow.commit()
        return principal_of(client, OrganizationKind.PROVIDER, is_machine=True)


async def build_world(orgs, uow_factory) -> dict[str, Any]:
    """`build_office` with NPIs on both clinics, and each clinic's EHR partner ("ehr",
    "other_ehr")."""
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        for key, npi in (("olive", NORTHSIDE_NPI), ("stranger", ELSEWHERE_NPI)):
            organization = await uow.session.get(Organization, office[key].organization_id)
            organization.npi = npi
        await uow.commit()
    office["ehr"] = await partner(uow_factory, office["olive"].organization_id, "northside-ehr")
    office["other_ehr"] = await partner(
        uow_factory, office["stranger"].organization_id, "elsewhere-ehr"
    )
    return office


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
