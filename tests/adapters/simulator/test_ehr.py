"""The simulated EHR over real HTTP: FHIR R4 reads and searches, paging, includes, errors as
OperationOutcomes, its records against the PAS profiles, and mounting it inside another app."""

from __future__ import annotations

import json
import tarfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from starlette.applications import Starlette
from starlette.routing import Mount

from adapters.fhir.ehr import EhrClient, EhrConnection
from adapters.simulator.ehr import FHIR_JSON, EhrSimulator, main
from adapters.simulator.ehr_data import synthetic_ehr
from domain.authorizations.intake import PatientRef
from domain.identifiers import is_valid_npi
from tests.adapters.ehr_support import MRN, PAS_EXAMPLES, serving

PAS_PACKAGE = PAS_EXAMPLES.parent / "packages" / "hl7.fhir.us.davinci-pas-2.2.1.tgz"
RECORDS = sorted(synthetic_ehr().resources)


@pytest.fixture
def simulator() -> EhrSimulator:
    return EhrSimulator()


@pytest.fixture
async def ehr(simulator: EhrSimulator) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(simulator.app()) as root, httpx.AsyncClient(base_url=f"{root}/fhir") as http:
        yield http


def bundle_of(response: httpx.Response) -> Bundle:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == FHIR_JSON
    bundle = Bundle.model_validate_json(response.content)
    assert bundle.type == "searchset"
    return bundle


def outcome_of(response: httpx.Response, status: int) -> OperationOutcome:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == FHIR_JSON
    return OperationOutcome.model_validate_json(response.content)


def ids(bundle: Bundle, mode: str = "match") -> list[str]:
    return [
        f"{e.resource.get_resource_type()}/{e.resource.id}"
        for e in bundle.entry or ()
        if e.search.mode == mode
    ]


async def test_metadata_is_an_r4_capability_statement_of_reads_searches_and_includes(ehr):
    response = await ehr.get("/metadata")
    statement = CapabilityStatement.model_validate_json(response.content)
    assert (statement.fhirVersion, statement.kind, statement.format) == (
        "4.0.1",
        "instance",
        ["json"],
    )
    resources = {r.type: r for r in statement.rest[0].resource}
    assert set(resources) >= {"Patient", "Coverage", "Condition", "ServiceRequest", "Location"}
    assert "ServiceRequest:performer" in resources["ServiceRequest"].searchInclude
    assert [i.code for i in resources["Practitioner"].interaction] == ["read"]


@pytest.mark.parametrize("key", RECORDS)
async def test_every_record_reads_back_as_valid_r4_json(ehr, key):
    response = await ehr.get(f"/{key}")
    assert response.status_code == 200
    assert response.headers["content-type"] == FHIR_JSON
    body = response.json()
    resource = get_fhir_model_class(body["resourceType"]).model_validate(body)
    assert f"{resource.get_resource_type()}/{resource.id}" == key


@pytest.mark.parametrize("path", ["/Patient/nobody", "/Claim/maria-lopez"])
async def test_an_unknown_record_is_a_404_operation_outcome(ehr, path):
    outcome = outcome_of(await ehr.get(path), 404)
    assert outcome.issue[0].code == "not-found"


@pytest.mark.parametrize(
    "query",
    [
        "/Patient?favourite-colour=blue",
        "/Patient?identifier=",
        "/Condition?patient=maria-lopez&_count=lots",
        "/Condition?patient=maria-lopez&_count=0",
        "/Coverage?beneficiary=Patient/maria-lopez&_include=Coverage:everything",
        "/Practitioner?name=Okafor",
    ],
)
async def test_a_bad_search_is_a_400_operation_outcome(ehr, query):
    outcome = outcome_of(await ehr.get(query), 400)
    assert outcome.issue[0].code == "invalid" and outcome.issue[0].diagnostics


@pytest.mark.parametrize("identifier", [f"{MRN}|NWC-100234", "NWC-100234"])
async def test_a_patient_is_found_by_identifier_with_or_without_its_system(ehr, identifier):
    bundle = bundle_of(await ehr.get("/Patient", params={"identifier": identifier}))
    assert (bundle.total, ids(bundle)) == (1, ["Patient/maria-lopez"])


async def test_a_search_with_count_pages_through_next_links(ehr):
    first = bundle_of(
        await ehr.get("/Condition?patient=james-whitfield&clinical-status=active&_count=1")
    )
    links = {link.relation: link.url for link in first.link}
    assert first.total == 2 and ids(first) == ["Condition/james-knee-oa"]
    assert "_offset=1" in links["next"] and links["self"].startswith("http://127.0.0.1")
    second = bundle_of(await ehr.get(links["next"]))
    assert ids(second) == ["Condition/james-knee-pain"]
    assert "next" not in {link.relation for link in second.link}


async def test_searches_filter_by_status_and_clinical_status(ehr):
    active = bundle_of(
        await ehr.get("/ServiceRequest?patient=Patient/james-whitfield&status=active")
    )
    assert ids(active) == ["ServiceRequest/james-manual-therapy", "ServiceRequest/james-pt"]
    conditions = bundle_of(await ehr.get("/Condition?patient=maria-lopez&clinical-status=active"))
    assert ids(conditions) == ["Condition/maria-hypertension", "Condition/maria-radiculopathy"]


async def test_includes_and_iterated_includes_come_as_include_entries(ehr):
    query = (
        "/ServiceRequest?_id=james-pt&_include=ServiceRequest:requester"
        "&_include=ServiceRequest:performer&_include:iterate=PractitionerRole:practitioner"
        "&_include:iterate=PractitionerRole:organization"
    )
    bundle = bundle_of(await ehr.get(query))
    assert ids(bundle) == ["ServiceRequest/james-pt"]
    assert sorted(ids(bundle, "include")) == [
        "Organization/harbor-pt",
        "Organization/northside-wellness",
        "Practitioner/jonah-reyes",
        "Practitioner/samuel-okafor",
        "PractitionerRole/okafor-northside",
        "PractitionerRole/reyes-harbor",
    ]
    assert all(
        e.fullUrl.endswith(f"/fhir/{e.resource.get_resource_type()}/{e.resource.id}")
        for e in bundle.entry
    )


async def test_a_bearer_token_is_required_when_configured_but_not_for_metadata():
    simulator = EhrSimulator(bearer_token="s3cret")
    async with serving(simulator.app()) as root, httpx.AsyncClient(base_url=f"{root}/fhir") as http:
        assert outcome_of(await http.get("/Patient/maria-lopez"), 401).issue[0].code == "login"
        wrong = await http.get("/Patient/maria-lopez", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/Patient/maria-lopez", headers={"Authorization": "Bearer s3cret"})
        assert right.status_code == 200
        assert (await http.get("/metadata")).status_code == 200


async def test_faults_slow_fail_or_corrupt_what_is_served(ehr, simulator):
    simulator.faults.status = 503
    assert outcome_of(await ehr.get("/Patient/maria-lopez"), 503).issue[0].code == "exception"
    simulator.faults.status = None
    simulator.faults.mutations["Patient/maria-lopez"] = lambda r: {**r, "gender": 42}
    assert (await ehr.get("/Patient/maria-lopez")).json()["gender"] == 42
    bundle = (await ehr.get("/Patient?identifier=NWC-100234")).json()
    assert bundle["entry"][0]["resource"]["gender"] == 42
    assert simulator.requests[-1] == "/fhir/Patient?identifier=NWC-100234"


async def test_mounted_under_a_prefix_in_another_app_it_serves_the_intake():
    simulator = EhrSimulator()
    host = Starlette(routes=[Mount("/simulator/ehr", app=simulator.app())])
    async with serving(host) as root:
        connection = EhrConnection(base_url=f"{root}/simulator/ehr/fhir", page_size=1)
        async with EhrClient(connection) as client:
            intake = await client.fetch_intake(patient=PatientRef.by_id("james-whitfield"))
    assert [s.code for s in intake.requested_services] == ["97140", "97110"]
    assert any(
        r.startswith("/simulator/ehr/fhir/Condition") and "_offset=1" in r
        for r in simulator.requests
    )


async def test_its_routes_join_another_apps_routes():
    host = Starlette(routes=[*EhrSimulator().routes("/ehr/fhir")])
    async with serving(host) as root, httpx.AsyncClient() as http:
        response = await http.get(f"{root}/ehr/fhir/Patient/maria-lopez")
    assert response.json()["name"][0]["family"] == "Lopez"


def test_run_alone_it_parses_host_port_and_token(monkeypatch):
    served: dict[str, Any] = {}
    monkeypatch.setattr(
        "adapters.simulator.ehr.uvicorn.run", lambda app, **kw: served.update(kw, app=app)
    )
    main(["--port", "8123", "--token", "t"])
    assert (served["host"], served["port"]) == ("127.0.0.1", 8123)
    assert isinstance(served["app"], Starlette)


def _pas_profile(name: str) -> dict[str, Any]:
    with tarfile.open(PAS_PACKAGE) as package:
        member = package.extractfile(f"package/StructureDefinition-profile-{name}.json")
        assert member is not None
        return json.load(member)


PROFILES = {
    "Patient": "beneficiary",
    "Practitioner": "practitioner",
    "PractitionerRole": "practitionerrole",
    "Organization": "organization",
    "Location": "location",
    "Coverage": "coverage",
    "ServiceRequest": "servicerequest",
}


@pytest.mark.parametrize(("resource_type", "profile"), PROFILES.items())
def test_its_records_carry_every_element_the_pas_profile_requires(resource_type, profile):
    definition = _pas_profile(profile)
    required = {
        e["path"].split(".", 1)[1]
        for e in definition["snapshot"]["element"]
        if e.get("min", 0) >= 1 and e["path"].count(".") == 1
    }
    assert required, profile
    records = synthetic_ehr().of_type(resource_type)
    assert records
    for record in records:
        body = record.model_dump(mode="json")
        assert required <= set(body), (record.id, required - set(body))


def test_its_payers_and_providers_are_invented_but_have_well_formed_npis():
    npis = [
        i.value
        for kind in ("Practitioner", "Organization")
        for r in synthetic_ehr().of_type(kind)
        for i in r.identifier or ()
        if i.system == "http://hl7.org/fhir/sid/us-npi"
    ]
    assert len(npis) == 5 and all(is_valid_npi(n) for n in npis)
