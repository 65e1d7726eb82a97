"""A simulated EHR: the FHIR R4 REST API of Northside Wellness Clinic's EHR over real HTTP
(read, the searches the intake uses with `_include` and paging, `metadata`), serving the
synthetic records of `ehr_data`. Every body is built with fhir.resources R4B models.

Three ways to use it:
* tests: `EhrSimulator().app()` under uvicorn on a free 127.0.0.1 port;
* the embedded demo: `Mount("/simulator/ehr", app=EhrSimulator().app())`, or
  `EhrSimulator().routes()` added to an app; the EHR's base URL is then `<mount>/fhir`;
* alone: `python -m adapters.simulator.ehr --port 8091 [--token SECRET]`.

`EhrSimulator.faults` makes it misbehave on purpose (slow, failing, invalid resources) and
`requests` records what it was asked, so tests can count round trips."""

from __future__ import annotations

import argparse
import asyncio
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.capabilitystatement import CapabilityStatement
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.resource import Resource
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from adapters.simulator.ehr_data import synthetic_ehr
from adapters.simulator.ehr_search import (
    INCLUDES,
    MATCHERS,
    SearchError,
    included,
    matches,
    parse_search,
)
from adapters.simulator.ehr_store import EhrData

FHIR_JSON = "application/fhir+json"
READABLE = frozenset(
    {
        "Patient",
        "Coverage",
        "Condition",
        "ServiceRequest",
        "Practitioner",
        "PractitionerRole",
        "Organization",
        "Location",
    }
)
# A mutation takes a resource's JSON as served and returns what to serve instead.
Mutation = Callable[[dict[str, Any]], Any]


@dataclass
class EhrFaults:
    """Misbehaviour on demand. `status` answers every request with that HTTP status (and an
    OperationOutcome); `body` answers every request 200 with those bytes; `mutations` change
    the JSON of the resources named by "Type/id" wherever they are served, `bundle_mutation`
    the JSON of every search result Bundle."""

    delay_seconds: float = 0.0
    status: int | None = None
    body: bytes | None = None
    mutations: dict[str, Mutation] = field(default_factory=dict)
    bundle_mutation: Mutation | None = None
    ignore_include: bool = False


class EhrSimulator:
    def __init__(
        self,
        data: EhrData | None = None,
        *,
        bearer_token: str | None = None,
        default_count: int = 50,
    ) -> None:
        self.data = data or synthetic_ehr()
        self.faults = EhrFaults()
        self.requests: list[str] = []
        self._token = bearer_token
        self._default_count = default_count

    def app(self, prefix: str = "/fhir") -> Starlette:
        return Starlette(routes=self.routes(prefix))

    def routes(self, prefix: str = "/fhir") -> list[BaseRoute]:
        return [
            Mount(
                prefix,
                routes=[
                    Route("/metadata", self._metadata, methods=["GET"]),
                    Route("/{resource_type}", self._search, methods=["GET"]),
                    Route("/{resource_type}/{resource_id}", self._read, methods=["GET"]),
                ],
            )
        ]

    async def _metadata(self, request: Request) -> Response:
        return _fhir(capability_statement().model_dump(mode="json"))

    async def _read(self, request: Request) -> Response:
        refusal = await self._admit(request)
        if refusal is not None:
            return refusal
        resource_type = request.path_params["resource_type"]
        resource_id = request.path_params["resource_id"]
        resource = self.data.get(resource_type, resource_id) if resource_type in READABLE else None
        if resource is None:
            return outcome(404, "not-found", f"{resource_type}/{resource_id} is not known")
        return _fhir(self._served(resource))

    async def _search(self, request: Request) -> Response:
        refusal = await self._admit(request)
        if refusal is not None:
            return refusal
        resource_type = request.path_params["resource_type"]
        try:
            search = parse_search(
                resource_type, list(request.query_params.multi_items()), self._default_count
            )
        except SearchError as error:
            return outcome(400, "invalid", str(error))
        found = matches(self.data, search)
        page = found[search.offset : search.offset + search.count]
        extra = [] if self.faults.ignore_include else included(self.data, page, search)
        base = str(request.url).split("?", 1)[0].removesuffix(f"/{resource_type}")
        links = [{"relation": "self", "url": str(request.url)}]
        if search.offset + search.count < len(found):
            next_url = request.url.include_query_params(_offset=search.offset + search.count)
            links.append({"relation": "next", "url": str(next_url)})
        bundle = _searchset(base, len(found), links, page, extra)
        return _fhir(self._served_bundle(bundle, [*page, *extra]))

    async def _admit(self, request: Request) -> Response | None:
        """Records the request, applies the faults, checks the bearer token."""
        query = request.url.query
        self.requests.append(request.url.path + (f"?{query}" if query else ""))
        if self.faults.delay_seconds:
            await asyncio.sleep(self.faults.delay_seconds)
        if self.faults.status is not None:
            return outcome(self.faults.status, "exception", "The simulated EHR is failing")
        if self.faults.body is not None:
            return Response(self.faults.body, media_type=FHIR_JSON)
        if self._token is not None:
            sent = request.headers.get("authorization", "")
            if not hmac.compare_digest(sent.encode(), f"Bearer {self._token}".encode()):
                return outcome(401, "login", "A valid bearer token is required")
        return None

    def _served(self, resource: Resource) -> Any:
        body = resource.model_dump(mode="json")
        mutation = self.faults.mutations.get(f"{resource.get_resource_type()}/{resource.id}")
        return mutation(body) if mutation is not None else body

    def _served_bundle(self, bundle: Bundle, resources: list[Resource]) -> Any:
        body = bundle.model_dump(mode="json")
        for entry, resource in zip(body.get("entry", []), resources, strict=True):
            entry["resource"] = self._served(resource)
        mutation = self.faults.bundle_mutation
        return mutation(body) if mutation is not None else body


def _searchset(
    base: str,
    total: int,
    links: list[dict[str, str]],
    page: list[Resource],
    extra: list[Resource],
) -> Bundle:
    def entry(resource: Resource, mode: str) -> dict[str, Any]:
        full_url = f"{base}/{resource.get_resource_type()}/{resource.id}"
        return {"fullUrl": full_url, "resource": resource, "search": {"mode": mode}}

    return Bundle(
        type="searchset",
        total=total,
        link=links,
        entry=[*(entry(r, "match") for r in page), *(entry(r, "include") for r in extra)] or None,
    )


def outcome(status: int, code: str, message: str) -> Response:
    body = OperationOutcome(issue=[{"severity": "error", "code": code, "diagnostics": message}])
    return _fhir(body.model_dump(mode="json"), status)


def _fhir(body: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=FHIR_JSON)


def capability_statement() -> CapabilityStatement:
    def resource(resource_type: str) -> dict[str, Any]:
        interactions = [{"code": "read"}]
        searchable = MATCHERS.get(resource_type)
        if searchable is not None:
            interactions.append({"code": "search-type"})
        return {
            "type": resource_type,
            "interaction": interactions,
            "searchParam": [
                {"name": name, "type": "token" if name in ("identifier", "status") else "reference"}
                for name in searchable or ()
            ]
            or None,
            "searchInclude": [i for i in INCLUDES if i.startswith(f"{resource_type}:")] or None,
        }

    return CapabilityStatement(
        status="active",
        date="2026-01-01",
        kind="instance",
        software={"name": "CareBridge simulated EHR"},
        implementation={"description": "Synthetic FHIR R4 EHR for demos and tests"},
        fhirVersion="4.0.1",
        format=["json"],
        rest=[{"mode": "server", "resource": [resource(t) for t in sorted(READABLE)]}],
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the simulated FHIR R4 EHR")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--token", default=None, help="require this bearer token")
    args = parser.parse_args(argv)
    print(f"simulated EHR at http://{args.host}:{args.port}/fhir")
    uvicorn.run(EhrSimulator(bearer_token=args.token).app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
