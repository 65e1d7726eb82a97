"""create_app(settings) -> Starlette: /graphql (HTTP + WebSocket), /fhir (Da Vinci PAS),
/soap/core (CAQH CORE), /healthz, /readyz, /metrics."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router, WebSocketRoute

from adapters.eventbus import create_event_bus
from adapters.fhir.ehr import EhrClient
from adapters.fhir.ehr_http import EhrConnection
from adapters.fhir.formats import FhirFormats
from adapters.fhir.notifier import HttpSubscriptionNotifier
from adapters.fhir.pas_notifications import notification_routes
from adapters.fhir.server import pas_server_routes, unsupported_fhir_routes
from adapters.fhir.subscriptions import subscription_routes
from adapters.http_limits import BodySizeLimitMiddleware
from adapters.network.clients import HttpSignatureService, HttpVerificationSources
from adapters.network.interest import RateLimiter, interest_route
from adapters.observability import (
    Metrics,
    RequestContextMiddleware,
    configure_logging,
    correlation_id_var,
)
from adapters.partners.directory import PartnerRegistry
from adapters.partners.dispatcher import OutboxDispatcher, in_flight, polling_policy
from adapters.partners.followup_metrics import FollowUpMetrics
from adapters.reporting import FollowUpReport, PriorAuthorizationReport
from adapters.simulator.all import simulator_routes
from adapters.soap.accounts import ApiClientAuthenticator
from adapters.soap.inbound import INBOUND_PAYLOAD_TYPES, InboundCoreHandler
from adapters.soap.server import PATH as CORE_PATH
from adapters.soap.server import core_soap_routes
from adapters.tokens import TokenReader
from db.engine import create_engine
from db.uow import Database
from domain.clock import Clock, SystemClock
from domain.uow import UnitOfWork
from schema.api import build_schema
from schema.view import CareBridgeGraphQL
from settings import Settings, load_settings
from tasks.app import create_celery
from tasks.waker import CeleryWaker

log = logging.getLogger("carebridge.server")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when the database answers and, if one is configured, Redis does too."""
    database: Database = request.app.state.database
    checks: dict[str, str] = {}
    try:
        async with database.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        checks["database"] = "up"
    except Exception as error:  # any failure to reach the database means not ready
        log.warning("readiness: database check failed: %s", type(error).__name__)
        checks["database"] = "down"
    if request.app.state.settings.redis_url:
        checks["redis"] = "up" if await request.app.state.bus.ping() else "down"
    ready = all(state == "up" for state in checks.values())
    status = {"status": "ready" if ready else "unavailable"}
    return JSONResponse(status | checks, status_code=200 if ready else 503)


async def metrics(request: Request) -> Response:
    registry = request.app.state.metrics.registry
    database: Database = request.app.state.database
    await request.app.state.report.refresh(database.uow_factory("metrics", read_only=True))
    await request.app.state.followup_report.refresh(database.uow_factory("metrics", read_only=True))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


def create_app(settings: Settings, *, clock: Clock | None = None) -> Starlette:
    """The ASGI application; its lifespan opens the database engine and the event bus."""
    graphql = CareBridgeGraphQL(
        build_schema(settings),
        graphql_ide="graphiql" if settings.graphiql else None,
        allow_queries_via_get=False,
    )
    app_metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        bus = create_event_bus(settings.redis_url)
        await bus.start()
        database = Database(
            create_engine(settings),
            clock=app.state.clock,
            bus=bus,
            max_concurrent_units=settings.database_pool_size + settings.database_max_overflow,
        )
        app.state.database = database
        app.state.bus = bus
        dispatcher = None
        if settings.outbox_dispatcher:
            dispatcher = OutboxDispatcher(
                database.uow_factory("outbox"),
                app.state.partners,
                bus,
                interval_seconds=settings.outbox_scan_seconds,
                expiry_seconds=settings.expiry_scan_seconds,
                polling=polling_policy(settings),
                network_alert_days=settings.network_alert_days,
                notifier=app.state.notifier,
                metrics=app.state.followup_metrics,
                horizon_seconds=settings.rate_limit_horizon_seconds,
                max_in_flight=in_flight(settings),
            )
            await dispatcher.start()
        app.state.dispatcher = dispatcher
        waker = None
        if not settings.outbox_dispatcher and settings.redis_url:
            waker = CeleryWaker(bus, create_celery(settings))
            await waker.start()
        ehr = EhrClient(EhrConnection.from_settings(settings)) if settings.ehr_base_url else None
        app.state.ehr = ehr
        verification, signatures = _network_ports(settings)
        app.state.verification, app.state.signatures = verification, signatures
        # Everything built so far lives as long as the process: keep it out of the cyclic
        # garbage collector's scans, which otherwise cost whole milliseconds per request.
        gc.collect()
        gc.freeze()
        if settings.gc_young_threshold:
            # Requests make many short-lived objects; collecting the young generation every
            # 700 allocations (the default) costs more than the garbage it finds.
            _, older, oldest = gc.get_threshold()
            gc.set_threshold(settings.gc_young_threshold, older, oldest)
        try:
            yield
        finally:
            if dispatcher is not None:
                await dispatcher.stop()
            if waker is not None:
                await waker.stop()
            if ehr is not None:
                await ehr.aclose()
            for port in (verification, signatures):
                if port is not None:
                    await port.aclose()
            await database.dispose()
            await bus.stop()

    simulated: list[BaseRoute] = (
        [
            Mount(
                "/simulator",
                routes=simulator_routes(f"http://{settings.host}:{settings.port}/simulator"),
            )
        ]
        if settings.simulators
        else []
    )
    # /fhir: the PAS server; other FHIR routes (Subscription) join this list.
    fhir_routes: list[BaseRoute] = [*pas_server_routes()]
    app = Starlette(
        routes=[
            *simulated,
            Mount(
                "/fhir",
                app=FhirFormats(
                    Router(
                        routes=[*fhir_routes, *subscription_routes(), *unsupported_fhir_routes()]
                    ),
                    max_bytes=settings.fhir_max_bundle_bytes,
                    max_entries=settings.fhir_max_bundle_entries,
                ),
            ),
            *_core_soap(settings, lambda: app.state.database, lambda: app.state.clock),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            interest_route(RateLimiter(settings.network_interest_per_minute)),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Mount("/partners", routes=notification_routes()),
        ],
        middleware=[
            Middleware(RequestContextMiddleware, metrics=app_metrics),
            Middleware(
                BodySizeLimitMiddleware,
                max_bytes=settings.max_body_bytes,
                own_limits=("/fhir/", CORE_PATH),
            ),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    app.state.metrics = app_metrics
    app.state.report = PriorAuthorizationReport(app_metrics.registry)
    app.state.followup_metrics = FollowUpMetrics(app_metrics.registry)
    app.state.followup_report = FollowUpReport(app_metrics.registry)
    app.state.tokens = TokenReader(settings)
    app.state.partners = PartnerRegistry()
    app.state.notifier = HttpSubscriptionNotifier.from_settings(settings)
    return app


def _network_ports(
    settings: Settings,
) -> tuple[HttpVerificationSources | None, HttpSignatureService | None]:
    """The verification sources and the signature service the settings point at."""
    timeout = settings.network_timeout_seconds
    verification = signatures = None
    if settings.network_verification_base_url:
        verification = HttpVerificationSources(
            settings.network_verification_base_url, timeout=timeout
        )
    if settings.network_signature_base_url:
        signatures = HttpSignatureService(settings.network_signature_base_url, timeout=timeout)
    return verification, signatures


def _core_soap(
    settings: Settings, database: Callable[[], Database], clock: Callable[[], Clock]
) -> list[BaseRoute]:
    """`/soap/core` for partners that send us 278s, requests or pushed responses (database
    and clock as the app has them once it runs: the lifespan opens the database after the
    routes are built)."""

    def units() -> UnitOfWork:
        return database().uow_factory(correlation_id_var.get())()

    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    return [
        *core_soap_routes(
            InboundCoreHandler(units, clock=_LateClock(clock), policy=polling_policy(settings)),
            ApiClientAuthenticator(units),
            max_body_bytes=settings.core_max_body_bytes,  # answered with a SOAP fault
            wsdl_address=f"{base.rstrip('/')}{CORE_PATH}",
            receiver_id=settings.core_receiver_id,
            clock=_LateClock(clock),
            payload_types=INBOUND_PAYLOAD_TYPES,
        )
    ]


class _LateClock:
    """The app's clock, read when asked (tests set it after the routes are built)."""

    def __init__(self, clock: Callable[[], Clock]) -> None:
        self._clock = clock

    def now(self) -> datetime:
        return self._clock().now()


def app_from_environment() -> Starlette:
    """An app factory for process managers (`uvicorn --factory server:app_from_environment`,
    or `carebridge serve --workers N`): settings and logging from the environment."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)
