"""Where payers push Da Vinci PAS notifications (rest-hook subscription notifications, R4B
SubscriptionStatus or the R4 backport's Parameters, carrying the updated ClaimResponse): `POST
/partners/{partner id}/pas/notifications` with the bearer token agreed with that trading
partner. The answer in it is applied like a polled one and cancels the pending poll;
duplicates and answers older than one already applied change nothing (200 either way, so the
payer stops resending). Problems are OperationOutcomes: 401 (token), 400 (not a notification),
404 (no such request of this partner), 409 (the request is still being submitted: retry).

Handshake and heartbeat notifications carry no ClaimResponse and are acknowledged."""

from __future__ import annotations

import uuid

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from adapters.fhir.pas import FHIR_JSON, PasMappingError, dump, parse_resource
from adapters.fhir.pas_answer import claim_response_in, from_pas_response
from adapters.partners.dispatcher import polling_policy
from domain.errors import DomainError, ErrorCode
from domain.partners.pushes import apply_pushed_answer, authenticate_partner

_STATUS = {
    ErrorCode.UNAUTHENTICATED: (401, "login"),
    ErrorCode.NOT_FOUND: (404, "not-found"),
    ErrorCode.CONFLICT: (409, "conflict"),
    ErrorCode.REQUIRED: (400, "required"),
}


def notification_routes() -> list[BaseRoute]:
    return [Route("/{partner_id}/pas/notifications", receive_notification, methods=["POST"])]


async def receive_notification(request: Request) -> Response:
    try:
        partner_id = uuid.UUID(request.path_params["partner_id"])
    except ValueError:
        return _outcome(401, "login", "A valid partner token is required")
    sent = request.headers.get("authorization", "")
    token = sent[7:] if sent.lower().startswith("bearer ") else None
    factory = request.app.state.database.uow_factory("pas-notification")
    try:
        async with factory() as uow:
            partner = await authenticate_partner(uow=uow, partner_id=partner_id, token=token)
        bundle = parse_resource(await request.body(), "Bundle")
        assert isinstance(bundle, Bundle)
        if bundle.type != "history":
            raise PasMappingError("A subscription notification is a Bundle of type history")
        response = claim_response_in(bundle)
        if response is None:  # handshake, heartbeat, or an id-only notification
            return JSONResponse({"received": True, "applied": None})
        answer = from_pas_response(response)
        async with factory() as uow:
            result = await apply_pushed_answer(
                uow=uow,
                partner=partner,
                identifiers=tuple(i.value for i in response.identifier or () if i.value),
                answer=answer,
                policy=polling_policy(request.app.state.settings),
            )
    except PasMappingError as error:
        return _outcome(400, "invalid", error.message)
    except DomainError as error:
        status, code = _STATUS.get(error.code, (400, "processing"))
        return _outcome(status, code, error.message)
    return JSONResponse({"received": True, "applied": result.outcome.value})


def _outcome(status: int, code: str, message: str) -> Response:
    body = OperationOutcome(issue=[{"severity": "error", "code": code, "diagnostics": message}])
    return Response(dump(body), status_code=status, media_type=FHIR_JSON)
