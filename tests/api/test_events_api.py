"""Committed changes reach other processes as events through Redis (production wiring)."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from asgi_lifespan import LifespanManager

from adapters.eventbus import RedisEventBus
from adapters.tokens import mint_token
from domain.identity.models import OrganizationKind, Role
from server import create_app
from tests.adapters.test_eventbus import REDIS_URL


async def test_creating_a_person_publishes_an_event_after_commit(engine, settings, clock, orgs):
    agency = await orgs.organization("City of Cosville", OrganizationKind.AGENCY)
    connor = await orgs.user(agency, Role.CASEWORKER)
    listener = RedisEventBus(REDIS_URL)
    await listener.start()
    app = create_app(settings.model_copy(update={"redis_url": REDIS_URL}), clock=clock)
    try:
        async with (
            listener.subscribe(lambda e: agency in e.organization_ids) as queue,
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(manager.app), base_url="http://t"
            ) as http,
        ):
            response = await http.post(
                "/graphql",
                json={
                    "query": 'mutation { createPerson(input: {person: {givenName: "Ann", familyName: "Lee"}}) '
                    "{ person { id } errors { code } } }"
                },
                headers={"Authorization": f"Bearer {mint_token(settings, connor, clock.now())}"},
            )
            assert response.json()["data"]["createPerson"]["errors"] == []
            event = await asyncio.wait_for(queue.get(), 5)
        assert event.name == "person.created"
        assert event.entity == "Person" and isinstance(event.entity_id, uuid.UUID)
        assert event.payload == {}  # ids only: no names or other personal data on the bus
    finally:
        await listener.stop()


async def test_readiness_reports_redis_and_the_service_starts_without_it(engine, settings, clock):
    for url, expected in ((REDIS_URL, (200, "up")), ("redis://127.0.0.1:1/0", (503, "down"))):
        app = create_app(settings.model_copy(update={"redis_url": url}), clock=clock)
        async with (
            LifespanManager(app, startup_timeout=30) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(manager.app), base_url="http://t"
            ) as http,
        ):
            response = await http.get("/readyz")
        assert (response.status_code, response.json()["redis"]) == expected
        assert response.json()["database"] == "up"
