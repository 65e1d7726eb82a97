"""The /graphql endpoint (HTTP and graphql-transport-ws): authentication and context."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from adapters.tokens import bearer_token
from domain.errors import DomainError
from domain.identity.rules import Principal
from schema.context import Context


class CareBridgeGraphQL(GraphQL[Context, None]):
    """Reads the bearer token (header, or connection_init payload on WebSockets)."""

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        correlation_id = request.scope.get("state", {}).get("correlation_id", "-")
        principal: Principal | None = None
        if isinstance(request, Request):
            token = bearer_token(request.headers.get("authorization"))
            principal = state.tokens.read(token, state.clock.now()) if token else None
        return Context(
            request=request,
            response=response,
            principal=principal,
            uow_factory=state.database.uow_factory(correlation_id),
            reader_factory=state.database.uow_factory(correlation_id, read_only=True),
            clock=state.clock,
            settings=state.settings,
            correlation_id=correlation_id,
            bus=state.bus,
            ehr=getattr(state, "ehr", None),
            verification=getattr(state, "verification", None),
            signatures=getattr(state, "signatures", None),
        )

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """A subscription socket must present a token in connection_init."""
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization") or params.get("token")
        try:
            token = bearer_token(raw) if isinstance(raw, str) and " " in raw else raw
            if not isinstance(token, str) or not token:
                raise ConnectionRejectionError({"code": "UNAUTHENTICATED"})
            context.principal = context.request.app.state.tokens.read(token, context.clock.now())
        except DomainError as error:
            raise ConnectionRejectionError(
                {"code": error.code.value, "message": error.message}
            ) from error
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        try:
            response = await self.run(request)
        except DomainError as error:
            # Raised by get_context before anything was sent: a bad token.
            response = unauthenticated(error)
        except HTTPException as error:
            # Unparsable JSON, a wrong content type or method: said as GraphQL errors are.
            response = JSONResponse(
                {
                    "data": None,
                    "errors": [{"message": error.reason, "extensions": {"code": "INVALID"}}],
                },
                status_code=error.status_code,
            )
        await response(scope, receive, send)


def unauthenticated(error: DomainError) -> Response:
    """A missing, malformed, forged or expired token: 401 with a GraphQL-shaped body."""
    return JSONResponse(
        {
            "data": None,
            "errors": [{"message": error.message, "extensions": {"code": error.code.value}}],
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="carebridge"'},
    )
