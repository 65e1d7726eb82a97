"""Request body cap for every endpoint: 413 before the body is read or parsed."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyTooLarge(Exception):
    pass


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int, own_limits: tuple[str, ...] = ()) -> None:
        """`own_limits`: path prefixes whose routes cap (and answer) oversized bodies themselves,
        e.g. /fhir/ with an OperationOutcome and its own size setting."""
        self.app = app
        self.max_bytes = max_bytes
        self.own_limits = own_limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(self.own_limits):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > self.max_bytes
            except ValueError:
                await self._reject(scope, receive, send, 400, "Content-Length is not a number")
                return
            if too_large:
                await self._reject(scope, receive, send, 413, self._message())
                return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._reject(scope, receive, send, 413, self._message())

    def _message(self) -> str:
        return f"The request body is larger than {self.max_bytes} bytes"

    @staticmethod
    async def _reject(
        scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        code = "LIMIT_EXCEEDED" if status == 413 else "INVALID"
        body = {"errors": [{"message": message, "extensions": {"code": code}}]}
        await JSONResponse(body, status_code=status)(scope, receive, send)
