"""The demo serves every simulated partner inside the app under /simulator."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from server import create_app


async def test_the_app_serves_the_simulated_partners_when_asked(engine, settings, clock):
    app = create_app(settings.model_copy(update={"simulators": True}), clock=clock)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://carebridge.test"
        ) as http,
    ):
        ehr = await http.get("/simulator/ehr/fhir/metadata")
        pas = await http.get("/simulator/pas/fhir/metadata")
        wsdl = await http.get("/simulator/clearinghouse/soap/core?wsdl")
    assert ehr.status_code == pas.status_code == wsdl.status_code == 200
    assert ehr.json()["resourceType"] == pas.json()["resourceType"] == "CapabilityStatement"
    assert b"RealTimeTransaction" in wsdl.content


async def test_without_the_setting_there_is_no_simulator(engine, settings, clock):
    app = create_app(settings, clock=clock)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://carebridge.test"
        ) as http,
    ):
        assert (await http.get("/simulator/ehr/fhir/metadata")).status_code == 404
