"""A simulated e-signature service, over HTTP:

    POST /envelopes {"reference", "document", "document_hash", "signer": {"name", "email"}}
    GET  /envelopes/{id}                  status, signer, signed_at, document_hash
    POST /envelopes/{id}/sign {"name", "email"}     the signer signs (stands in for the UI)
    POST /envelopes/{id}/decline

The hash of a signature is computed here from the document received, so a document changed
on the way would not match the approved version's hash."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


class SignatureSimulator:
    def __init__(self) -> None:
        self.envelopes: dict[str, dict[str, Any]] = {}

    async def create(self, request: Request) -> JSONResponse:
        body = await request.json()
        document = body.get("document")
        signer = body.get("signer") or {}
        if not isinstance(document, str) or not signer.get("email"):
            return JSONResponse(
                {"error": "document and signer.email are required"}, status_code=400
            )
        envelope_id = f"env-{uuid.uuid4().hex[:16]}"
        self.envelopes[envelope_id] = {
            "id": envelope_id,
            "reference": body.get("reference"),
            "status": "sent",
            "document_hash": hashlib.sha256(document.encode()).hexdigest(),
            "signer": {"name": signer.get("name"), "email": signer["email"]},
            "signed_at": None,
        }
        return JSONResponse({"id": envelope_id, "status": "sent"}, status_code=201)

    async def show(self, request: Request) -> JSONResponse:
        envelope = self.envelopes.get(request.path_params["id"])
        if envelope is None:
            return JSONResponse({"error": "no such envelope"}, status_code=404)
        return JSONResponse(envelope)

    async def sign(self, request: Request) -> JSONResponse:
        envelope = self.envelopes.get(request.path_params["id"])
        if envelope is None:
            return JSONResponse({"error": "no such envelope"}, status_code=404)
        body = await request.json()
        if envelope["status"] != "sent" or body.get("email") != envelope["signer"]["email"]:
            return JSONResponse(
                {"error": "not the signer, or not out for signature"}, status_code=409
            )
        envelope["status"] = "completed"
        envelope["signer"]["name"] = body.get("name") or envelope["signer"]["name"]
        envelope["signed_at"] = datetime.now(UTC).isoformat()
        return JSONResponse(envelope)

    async def decline(self, request: Request) -> JSONResponse:
        envelope = self.envelopes.get(request.path_params["id"])
        if envelope is None:
            return JSONResponse({"error": "no such envelope"}, status_code=404)
        envelope["status"] = "declined"
        return JSONResponse(envelope)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/envelopes", self.create, methods=["POST"]),
                Route("/envelopes/{id}", self.show),
                Route("/envelopes/{id}/sign", self.sign, methods=["POST"]),
                Route("/envelopes/{id}/decline", self.decline, methods=["POST"]),
            ]
        )
