"""The real ASGI app over HTTP (httpx), with a fixed clock and tokens for test users."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn
from asgi_lifespan import LifespanManager
from sqlalchemy import event

from adapters.partners.dispatcher import IN_BACKGROUND
from adapters.tokens import mint_token
from domain.clock import FixedClock
from domain.identity.rules import Principal
from server import create_app
from settings import Settings
from tests.adapters.ehr_support import serving


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    settings: Settings
    clock: FixedClock
    app: Any = None

    @contextmanager
    def count_statements(self) -> Iterator[list[str]]:
        """Collects the SQL statements the app runs inside the block."""
        statements: list[str] = []
        engine = self.app.state.database.engine.sync_engine

        def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not IN_BACKGROUND.get():  # the embedded worker's scans are not the request's
                statements.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    def token(self, principal: Principal) -> str:
        return mint_token(self.settings, principal, self.clock.now())

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        as_: Principal | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        all_headers = dict(headers or {})
        if as_ is not None:
            all_headers["Authorization"] = f"Bearer {self.token(as_)}"
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Principal | None = None
    ) -> dict[str, Any]:
        """The response body of a request that must answer 200."""
        response = await self.post(query, variables, as_=as_)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, as_: Principal | None = None
    ) -> dict[str, Any]:
        """`data` of a request that must succeed without GraphQL errors."""
        body = await self.execute(query, variables, as_=as_)
        assert "errors" not in body, body["errors"]
        return body["data"]


@asynccontextmanager
async def graphql_client(settings: Settings, clock: FixedClock) -> AsyncIterator[GraphQLClient]:
    """An app built with `settings`, through its lifespan, and a client for it."""
    app = create_app(settings, clock=clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://carebridge.test"
        ) as http:
            yield GraphQLClient(http=http, settings=settings, clock=clock, app=app)


@pytest.fixture
async def app_client(engine, settings: Settings, clock: FixedClock) -> AsyncIterator[GraphQLClient]:
    async with graphql_client(settings, clock) as client:
        yield client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def live_server(engine, settings, clock) -> AsyncIterator[str]:
    port = _free_port()
    config = uvicorn.Config(
        create_app(settings, clock=clock),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws="websockets-sansio",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await asyncio.wait_for(task, 10)


@pytest.fixture
async def network_server(engine, settings, clock) -> AsyncIterator[GraphQLClient]:
    """The app on a loopback port with the simulated verification sources and e-signature
    service mounted and the app pointed at them, for network tests over real HTTP."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app_settings = settings.model_copy(
        update={
            "simulators": True,
            "port": port,
            "outbox_dispatcher": False,
            "network_verification_base_url": f"{base}/simulator/verification",
            "network_signature_base_url": f"{base}/simulator/signature",
            "network_interest_per_minute": 3,
        }
    )
    app: Any = create_app(app_settings, clock=clock)
    async with serving(app, port), httpx.AsyncClient(base_url=base, timeout=30) as http:
        yield GraphQLClient(http=http, settings=app_settings, clock=clock, app=app)
