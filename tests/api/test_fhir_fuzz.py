"""Mutated PAS conformance examples at /fhir/Claim/$submit: never a 5xx, a 4xx is one
OperationOutcome and writes nothing, a 200 is a Response Bundle, and whatever is written is a
whole submission (a request with its lines, receipt and outbox row) or a receipt alone
(an update or cancel), never a part of one."""

from __future__ import annotations

import copy
import json
import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.adapters.fhir.pas_examples import REQUESTS, example_bytes, npis_of, submission_of
from tests.api.fhir_support import FHIR_JSON, claim_response, post_fhir, single_issue
from tests.fuzzing import json_values, mutate
from tests.inbound_support import build_partner_world, row_counts

EXAMPLES = {name: json.loads(example_bytes(name)) for name in REQUESTS}
NASTY = [
    "", " ", "Patient/SubscriberExample", "Organization/InsurerExample", "#missing",
    "urn:uuid:1", "preauthorization", "claim", "cancelled", "active", "collection",
    "2026-13-45", "1978", "http://hl7.org/fhir/sid/us-npi", "http://www.ama-assn.org/go/cpt",
    "https://codesystem.x12.org/005010/1322", "3", "I", "A1", "x" * 300,
]  # fmt: skip
KEYS = [
    "resourceType", "id", "fullUrl", "reference", "system", "code", "value", "status", "use",
    "type", "item", "sequence", "productOrService", "quantity", "servicedDate", "patient",
    "insurer", "provider", "coverage", "extension", "url", "valueBoolean", "entry", "resource",
    "identifier", "related", "priority",
]  # fmt: skip
JSON = json_values(NASTY, KEYS)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    body = copy.deepcopy(EXAMPLES[draw(st.sampled_from(sorted(EXAMPLES)))])
    mutate(draw, body, JSON, KEYS)
    raw = json.dumps(body).encode()
    if draw(st.integers(0, 9)) == 0:  # now and then, not JSON at all
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@pytest.fixture
async def world(orgs, uow_factory):
    sent = [submission_of(name) for name in REQUESTS]
    return await build_partner_world(
        orgs, uow_factory, payer_id="1234567893", provider_npis=npis_of(*sent)
    )


def _fuzzing(examples: int) -> settings:
    """Hypothesis settings of these tests: `examples` bodies, no deadline (a request's time
    is the machine's), the app's fixtures kept across examples."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {table: after[table] - before[table] for table in after}


@_fuzzing(examples=150)
@given(body=mutated())
async def test_a_mutated_bundle_never_fails_the_server_or_half_writes(
    app_client, world, uow_factory, body
):
    await _submitted_whole_or_not_at_all(app_client, world, uow_factory, body, FHIR_JSON)


async def _submitted_whole_or_not_at_all(app_client, world, uow_factory, body, content_type):
    """Posts `body`: never a 5xx; a 4xx is one OperationOutcome and writes nothing; a 200 is
    a Response Bundle whose writes are a whole submission or a receipt alone."""
    before = await row_counts(uow_factory)
    response = await post_fhir(
        app_client, "/Claim/$submit", body, as_=world.ehr, content_type=content_type
    )
    assert response.status_code < 500, response.text
    grown = _grown(before, await row_counts(uow_factory))
    if response.status_code >= 400:
        event(f"{response.status_code} {single_issue(response)['code']}")
        assert not any(grown.values()), grown
        return
    assert response.status_code == 200
    outcome = claim_response(response.json())["outcome"]
    event(f"200 {outcome}")
    if outcome == "error":
        assert not any(grown.values()), grown
    elif grown["authorization_requests"]:
        assert grown["authorization_requests"] == grown["submission_receipts"] == 1
        assert grown["outbox_messages"] == 1 and grown["authorization_lines"] >= 1
    else:
        assert grown["submission_receipts"] in (0, 1)
        assert grown["persons"] == grown["coverages"] == 0


def _xml_of(body: dict) -> str:
    from fhir.resources.R4B.bundle import Bundle

    written = Bundle.model_validate(body).model_dump_xml()
    return written.decode() if isinstance(written, bytes) else written


XML_EXAMPLES = {name: _xml_of(body) for name, body in EXAMPLES.items()}
_VALUES = re.compile(r'value="[^"]*"')
_TAGS = re.compile(r"<(/?)([A-Za-z]+)")
FHIR_XML = "application/fhir+xml"


@st.composite
def mutated_xml(draw: st.DrawFn) -> bytes:
    """An example in FHIR XML with a few of its values, element names or bytes changed."""
    text = XML_EXAMPLES[draw(st.sampled_from(sorted(XML_EXAMPLES)))]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["value", "tag", "drop", "cut", "dtd"]))
        values = list(_VALUES.finditer(text))
        if kind == "value" and values:
            found = values[draw(st.integers(0, len(values) - 1))]
            nasty = draw(st.sampled_from(NASTY)).replace('"', "&quot;")
            text = f'{text[: found.start()]}value="{nasty}"{text[found.end() :]}'
        elif kind == "tag" and (tags := list(_TAGS.finditer(text))):
            found = tags[draw(st.integers(0, len(tags) - 1))]
            name = draw(st.sampled_from([*KEYS, "Claim", "Patient", "Bogus"]))
            text = f"{text[: found.start()]}<{found.group(1)}{name}{text[found.end() :]}"
        elif kind == "drop" and values:
            found = values[draw(st.integers(0, len(values) - 1))]
            text = text[: found.start()] + text[found.end() :]
        elif kind == "cut":
            text = text[: draw(st.integers(0, len(text)))]
        elif kind == "dtd":
            text = '<!DOCTYPE b [<!ENTITY e "x">]>' + text.split("?>", 1)[-1]
    return text.encode()


@_fuzzing(examples=100)
@given(body=mutated_xml())
async def test_mutated_xml_never_fails_the_server_or_half_writes(
    app_client, world, uow_factory, body
):
    await _submitted_whole_or_not_at_all(app_client, world, uow_factory, body, FHIR_XML)
