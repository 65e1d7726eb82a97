"""`/fhir/Subscription` for EHR partners (PARTNER bearer tokens), R4 Subscriptions Backport
as Da Vinci PAS uses it: create (POST), read, update (PUT), search by status, delete
(status off) and `$status`. A partner sees only its own organisation's subscriptions; anyone
else's is 404. Bad input answers one OperationOutcome (400 unparsable, 422 not offered) and
writes nothing.

`subscription_routes()` is a list of routes for the `/fhir` mount, beside the PAS operations."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.subscription import Subscription
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from adapters.fhir.backport import (
    HEADER_VALUE_HIDDEN,
    SubscriptionInputError,
    from_subscription,
    to_searchset,
    to_status_bundle,
    to_subscription,
)
from adapters.fhir.outcomes import domain_error_response, outcome_response
from adapters.fhir.pas import FHIR_JSON, PasMappingError, dump, parse_resource
from adapters.fhir.server_io import (
    FhirProblem,
    bearer_principal,
    problem_response,
    read_body,
    request_uow,
)
from adapters.sealing import Sealer
from domain.errors import DomainError, ErrorCode
from domain.partners import subscriptions
from domain.partners.models import PartnerSubscription, SubscriptionStatus
from domain.partners.subscription_rules import SubscriptionData

Handler = Callable[[Request], Awaitable[Response]]


def subscription_routes() -> list[BaseRoute]:
    return [
        Route("/Subscription", _guarded(_create), methods=["POST"]),
        Route("/Subscription", _guarded(_search), methods=["GET"]),
        Route("/Subscription/{id}/$status", _guarded(_status), methods=["GET"]),
        Route("/Subscription/{id}", _guarded(_read), methods=["GET"]),
        Route("/Subscription/{id}", _guarded(_update), methods=["PUT"]),
        Route("/Subscription/{id}", _guarded(_delete), methods=["DELETE"]),
    ]


def _guarded(handler: Handler) -> Handler:
    """Domain errors (a bad token included) as OperationOutcomes."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except DomainError as error:
            return domain_error_response(error)

    return endpoint


async def _create(request: Request) -> Response:
    actor = bearer_principal(request)
    given = await _given(request)
    if isinstance(given, Response):
        return given
    _resource, data, headers = given
    if headers:
        data = replace(data, sealed_headers=_sealer(request).seal(headers))
    async with request_uow(request) as uow:
        created = await subscriptions.create_subscription(uow=uow, actor=actor, data=data)
    location = f"{str(request.url).split('?')[0].rstrip('/')}/{created.id}"
    return _fhir(to_subscription(created), 201, {"Location": location})


async def _update(request: Request) -> Response:
    """PUT: the whole Subscription again (status off turns it off). Headers read back as
    `Name: [hidden]` and sent again unchanged keep their stored values."""
    actor = bearer_principal(request)
    given = await _given(request)
    if isinstance(given, Response):
        return given
    resource, data, headers = given
    async with request_uow(request) as uow:
        if resource.status == SubscriptionStatus.OFF.value:
            changed = await subscriptions.turn_off_subscription(
                uow=uow, actor=actor, subscription_id=_id(request)
            )
            return _fhir(to_subscription(changed))
        current = await subscriptions.get_subscription(
            uow=uow, actor=actor, subscription_id=_id(request)
        )
        kept = [f"{name}: {HEADER_VALUE_HIDDEN}" for name in current.header_names]
        if headers and headers == kept:
            data = replace(data, sealed_headers=current.sealed_headers)
        elif headers:
            data = replace(data, sealed_headers=_sealer(request).seal(headers))
        changed = await subscriptions.update_subscription(
            uow=uow, actor=actor, subscription_id=current.id, data=data
        )
    return _fhir(to_subscription(changed))


async def _given(request: Request) -> tuple[Subscription, SubscriptionData, list[str]] | Response:
    """The Subscription in the body and what it asks for, or the OperationOutcome saying why
    it cannot be taken."""
    try:
        body = await read_body(request, request.app.state.settings.fhir_max_bundle_bytes)
    except FhirProblem as problem:
        return problem_response(problem)
    try:
        resource = parse_resource(body, "Subscription")
        assert isinstance(resource, Subscription)
        data, headers = from_subscription(resource)
    except PasMappingError as error:
        return outcome_response(400, "invalid", error.message)
    except SubscriptionInputError as error:
        return outcome_response(422, "not-supported", error.message, expression=error.where)
    return resource, data, headers


async def _search(request: Request) -> Response:
    actor = bearer_principal(request)
    wanted = request.query_params.get("status")
    statuses: list[SubscriptionStatus | None] = [None]
    if wanted:
        try:
            statuses = [SubscriptionStatus(s.strip()) for s in wanted.split(",")]
        except ValueError:
            return outcome_response(
                400, "invalid", "status is requested, active, error or off", expression="status"
            )
    async with request_uow(request) as uow:
        found = [
            s
            for status in statuses
            for s in await subscriptions.list_subscriptions(uow=uow, actor=actor, status=status)
        ]
    return _fhir(to_searchset(found))


async def _read(request: Request) -> Response:
    return await _one(request, to_subscription)


async def _status(request: Request) -> Response:
    return await _one(request, to_status_bundle)


async def _one(request: Request, render: Callable[[PartnerSubscription], Resource]) -> Response:
    actor = bearer_principal(request)
    async with request_uow(request) as uow:
        found = await subscriptions.get_subscription(
            uow=uow, actor=actor, subscription_id=_id(request)
        )
    return _fhir(render(found))


async def _delete(request: Request) -> Response:
    actor = bearer_principal(request)
    async with request_uow(request) as uow:
        off = await subscriptions.turn_off_subscription(
            uow=uow, actor=actor, subscription_id=_id(request)
        )
    return _fhir(to_subscription(off))


def _id(request: Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.path_params["id"])
    except ValueError:
        raise DomainError(ErrorCode.NOT_FOUND, "Subscription not found") from None


def _sealer(request: Request) -> Sealer:
    state = request.app.state
    sealer: Sealer | None = getattr(state, "sealer", None)
    if sealer is None:
        sealer = state.sealer = Sealer.from_settings(state.settings)
    return sealer


def _fhir(resource: Resource, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(dump(resource), status_code=status, media_type=FHIR_JSON, headers=headers)
