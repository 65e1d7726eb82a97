"""Simulated verification sources, over HTTP, for the demo and tests:

    GET  /npi-registry/api/?number=NNNNNNNNNN&version=2.1   NPPES NPI Registry API shape
    GET  /license-board/licenses/{state}/{number}           a state licence board lookup
    POST /sanctions/search {"name", "npi"}                  an exclusions list (OIG LEIE-like)
    POST /_control/failures {"source", "times"}             the next `times` calls answer 503

Every well-formed NPI is "found" (a synthetic registry); licence numbers starting with
"X" are unknown to the board, and names containing "Excluded" are on the sanctions list,
so tests can reach every answer."""

from __future__ import annotations

from datetime import date

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from domain.identifiers import is_valid_npi

SOURCES = ("NPI_REGISTRY", "LICENSE_BOARD", "SANCTIONS_LIST")


class VerificationSimulator:
    def __init__(self, *, licence_expiry: date = date(2028, 6, 30)) -> None:
        self.failures: dict[str, int] = dict.fromkeys(SOURCES, 0)
        self.calls: dict[str, int] = dict.fromkeys(SOURCES, 0)
        self.licence_expiry = licence_expiry

    def fail_next(self, source: str, times: int = 1) -> None:
        self.failures[source] = times

    def _failing(self, source: str) -> JSONResponse | None:
        self.calls[source] += 1
        if self.failures[source] > 0:
            self.failures[source] -= 1
            return JSONResponse({"error": "temporarily unavailable"}, status_code=503)
        return None

    async def npi(self, request: Request) -> JSONResponse:
        if failed := self._failing("NPI_REGISTRY"):
            return failed
        number = request.query_params.get("number", "")
        if not is_valid_npi(number):
            return JSONResponse({"Errors": [{"description": "Invalid NPI", "field": "number"}]})
        result = {
            "number": number,
            "enumeration_type": "NPI-1",
            "basic": {"status": "A", "enumeration_date": "2015-04-01"},
        }
        return JSONResponse({"result_count": 1, "results": [result]})

    async def licence(self, request: Request) -> JSONResponse:
        if failed := self._failing("LICENSE_BOARD"):
            return failed
        state, number = request.path_params["state"], request.path_params["number"]
        if number.upper().startswith("X"):
            return JSONResponse({"error": "no such licence"}, status_code=404)
        return JSONResponse(
            {
                "state": state,
                "number": number,
                "status": "ACTIVE",
                "disciplinary_actions": [],
                "expires_on": self.licence_expiry.isoformat(),
                "lookup_id": f"LB-{state}-{number}",
            }
        )

    async def sanctions(self, request: Request) -> JSONResponse:
        if failed := self._failing("SANCTIONS_LIST"):
            return failed
        body = await request.json()
        name = str(body.get("name", ""))
        matches = [{"name": name, "exclusion_type": "1128(a)(1)"}] if "Excluded" in name else []
        return JSONResponse({"searched": name, "matches": matches, "list": "SIM-LEIE-2026-01"})

    async def control(self, request: Request) -> JSONResponse:
        body = await request.json()
        source = body.get("source")
        if source not in SOURCES:
            return JSONResponse(
                {"error": f"source is one of {', '.join(SOURCES)}"}, status_code=400
            )
        self.fail_next(source, int(body.get("times", 1)))
        return JSONResponse({"source": source, "failing": self.failures[source]})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/npi-registry/api/", self.npi),
                Route("/license-board/licenses/{state}/{number}", self.licence),
                Route("/sanctions/search", self.sanctions, methods=["POST"]),
                Route("/_control/failures", self.control, methods=["POST"]),
            ]
        )
