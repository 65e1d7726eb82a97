"""Every simulated partner under one prefix each, for the demo (mounted in the app) and for
`carebridge simulate` (their own process):

    /ehr/fhir                 the EHR (FHIR R4)
    /pas/fhir                 the PAS payer (Claim/$submit, Claim/$inquire)
    /clearinghouse/soap/core  the clearinghouse (CORE RealTimeTransaction with X12 278)
    /verification             credential verification sources (NPI registry, licence board,
                              sanctions list)
    /signature                the e-signature service
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount

from adapters.simulator.clearinghouse import SimulatedClearinghouse, clearinghouse_app
from adapters.simulator.ehr import EhrSimulator
from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from adapters.simulator.signature import SignatureSimulator
from adapters.simulator.verification import VerificationSimulator

# The demo payer's habits: imaging is decided at once, physical therapy is pended first and
# approved when asked again (so the follow-up polling shows).
PAS_RULES = {
    "72148": PayerRule(RuleKind.APPROVE),
    "97110": PayerRule(RuleKind.PEND_THEN_APPROVE),
}


def simulator_routes(base_url: str = "http://127.0.0.1:8090") -> list[BaseRoute]:
    """`base_url` is where the routes are served, for the clearinghouse's WSDL address."""
    return [
        Mount("/ehr", app=EhrSimulator().app()),
        Mount("/pas", app=PasPayerSimulator(PAS_RULES).app()),
        Mount(
            "/clearinghouse",
            app=clearinghouse_app(
                SimulatedClearinghouse(), wsdl_address=f"{base_url}/clearinghouse/soap/core"
            ),
        ),
        Mount("/verification", app=VerificationSimulator().app()),
        Mount("/signature", app=SignatureSimulator().app()),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve every simulated partner")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args(argv)
    root = f"http://{args.host}:{args.port}"
    print(f"simulated EHR at {root}/ehr/fhir", flush=True)
    print(f"simulated PAS payer at {root}/pas/fhir", flush=True)
    print(f"simulated clearinghouse at {root}/clearinghouse/soap/core", flush=True)
    print(f"simulated verification sources at {root}/verification", flush=True)
    print(f"simulated e-signature service at {root}/signature", flush=True)
    uvicorn.run(Starlette(routes=simulator_routes(root)), host=args.host, port=args.port)
