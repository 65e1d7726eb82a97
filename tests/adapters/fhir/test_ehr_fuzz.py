"""Whatever the EHR serves in place of its records, an intake is either an EhrIntake or an
EhrError: never an httpx, JSON, pydantic or any other exception."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from adapters.fhir.ehr import EhrClient, EhrConnection
from adapters.simulator.ehr import EhrSimulator
from domain.authorizations.intake import EhrError, EhrIntake, PatientRef
from tests.adapters.ehr_support import MRN, free_port
from tests.fuzzing import json_values, mutate

SIMULATOR = EhrSimulator()
SERVED = {key: r.model_dump(mode="json") for key, r in SIMULATOR.data.resources.items()}
INTAKES = [
    (PatientRef.by_identifier(MRN, "NWC-100234"), "maria-mri-lumbar"),
    (PatientRef.by_id("james-whitfield"), None),
]
NASTY = [
    "", " ", "Patient/james-whitfield", "Patient/maria-lopez", "#missing", "urn:uuid:1",
    "http://attacker.example/fhir/Organization/x", "2026-13-45", "1978", "Nonsense", "active",
    "urgent", "whenever", "http://hl7.org/fhir/sid/us-npi", "http://www.ama-assn.org/go/cpt",
    "http://hl7.org/fhir/sid/icd-10-cm", "Organization/../../Patient", "x" * 300,
]  # fmt: skip
KEYS = [
    "resourceType", "id", "reference", "system", "code", "value", "coding", "start", "end",
    "extension", "url", "contained", "status", "display",
]  # fmt: skip
JSON = json_values(NASTY, KEYS)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """One to three served records with a few elements replaced, dropped or added."""
    mutations: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(sorted(SERVED)), min_size=1, max_size=3, unique=True)):
        body = copy.deepcopy(SERVED[key])
        mutate(draw, body, JSON, KEYS)
        mutations[key] = draw(st.one_of(st.just(body), st.just(body), JSON))
    return mutations


@pytest.fixture(scope="module")
def intake() -> Iterator[Any]:
    """Runs intakes on this module's own loop, against the simulator served over HTTP on it
    (hypothesis drives a synchronous test)."""
    loop = asyncio.new_event_loop()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(SIMULATOR.app(), host="127.0.0.1", port=port, log_level="critical")
    )
    task = loop.create_task(server.serve())
    while not server.started:
        loop.run_until_complete(asyncio.sleep(0.02))
    client = EhrClient(EhrConnection(base_url=f"http://127.0.0.1:{port}/fhir", timeout_seconds=5))

    def fetch(patient: PatientRef, request_id: str | None) -> EhrIntake:
        call = client.fetch_intake(patient=patient, service_request_id=request_id)
        return loop.run_until_complete(call)

    yield fetch
    loop.run_until_complete(client.aclose())
    server.should_exit = True
    loop.run_until_complete(task)
    loop.close()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations=mutated(), which=st.sampled_from(INTAKES))
def test_a_mutated_ehr_record_gives_an_intake_or_an_ehr_error(intake, mutations, which):
    SIMULATOR.faults.mutations = {
        key: (lambda _, body=body: body) for key, body in mutations.items()
    }
    try:
        result = intake(*which)
    except EhrError as error:
        event(f"EhrError {error.kind}")
        assert error.message and error.resource
    else:
        event("intake")
        assert isinstance(result, EhrIntake)
    finally:
        SIMULATOR.faults.mutations = {}
