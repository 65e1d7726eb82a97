"""The simulated EHR under uvicorn on a free loopback port, and the PAS conformance examples."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from domain.authorizations.intake import EhrError, EhrErrorKind, EhrIntake, PatientRef

REPO_ROOT = Path(__file__).resolve().parents[2]
PAS_EXAMPLES = REPO_ROOT.parent / "shared" / "conformance" / "pas" / "examples"
MRN = "http://northside-wellness.example/fhir/sid/mrn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """The app over real HTTP on 127.0.0.1; yields its root URL."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(250):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


def pas_example(name: str, version: str = "v2.2.1") -> dict[str, Any]:
    return json.loads((PAS_EXAMPLES / version / name).read_text())


def pas_resources(resource_type: str) -> list[tuple[str, dict[str, Any]]]:
    """Every resource of a type in the PAS examples of both versions, standalone or inside a
    Bundle, with where it came from."""
    found = []
    for path in sorted(PAS_EXAMPLES.glob("v*/*.json")):
        body = json.loads(path.read_text())
        candidates = [body, *(e.get("resource", {}) for e in body.get("entry", []))]
        for position, resource in enumerate(candidates):
            if resource.get("resourceType") == resource_type:
                found.append((f"{path.parent.name}/{path.name}#{position}", resource))
    return found


class FakeEhrSource:
    """An EhrSource with intakes set by the test, keyed by (PatientRef, service request id);
    `error` makes every fetch fail with it."""

    def __init__(self, intakes: dict[tuple[PatientRef, str | None], EhrIntake] | None = None):
        self.intakes = dict(intakes or {})
        self.error: EhrError | None = None
        self.calls: list[tuple[PatientRef, str | None]] = []

    async def fetch_intake(
        self, *, patient: PatientRef, service_request_id: str | None = None
    ) -> EhrIntake:
        self.calls.append((patient, service_request_id))
        if self.error is not None:
            raise self.error
        try:
            return self.intakes[(patient, service_request_id)]
        except KeyError:
            raise EhrError(EhrErrorKind.NOT_FOUND, "The fake EHR has no such intake") from None
