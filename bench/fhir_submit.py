"""PAS `$submit` through the ASGI app against fhir.resources parse + serialize alone of the same
Bundles, measured in the same run.

    PYTHONPATH=. python bench/fhir_submit.py            # 400 submissions and the baseline
    PYTHONPATH=. python bench/fhir_submit.py --quick    # CI: 30 submissions
    PYTHONPATH=. python bench/fhir_submit.py --database-url postgresql+asyncpg://...

Each request is a new submission: one of the 2.2.1 request examples (referral, medical
services, home care, surgical) under a fresh Bundle identifier, posted with a PARTNER token to
`/fhir/Claim/$submit` of the full app (middleware, routing, auth, mapping, one transaction that
matches the patient and coverage, creates the request, its receipt and outbox row, and the PAS
Response Bundle). The embedded outbox dispatcher is stopped so only `$submit` is measured (in
production Celery workers send). The baseline is what no PAS server can avoid for the same
bodies: `Bundle.model_validate_json` and `model_dump_json`.

The two take turns in short stretches (`--stretch`, a fortieth of the run by default: ten
submissions, ~0.1 s), each stretch the same Bundles on both sides, which of the two goes first
alternating. On a shared host whose speed moves from one second to the next, the two sides of
one stretch see the same speed: the ratio is the median over stretches of the baseline's time
over the server's (target >= 0.8: the server adds at most a quarter); the whole run's
requests/s, p50 and p99 and their ratio are printed too. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fhir.resources.R4B.bundle import Bundle  # noqa: E402

from bench._common import BenchError, RunResult, asgi_client, percentile, run  # noqa: E402

EXAMPLES = ROOT.parent / "shared" / "conformance" / "pas" / "examples" / "v2.2.1"
NAMES = (
    "Bundle-ReferralAuthorizationBundleExample.json",
    "Bundle-MedicalServicesAuthorizationBundleExample.json",
    "Bundle-HomecareAuthorizationBundleExample.json",
    "Bundle-SurgicalRequestBundleExample.json",
)
PAYER_ID = "1234567893"
NPIS = ("8189991234", "1234567893")


def templates() -> list[dict[str, Any]]:
    missing = [name for name in NAMES if not (EXAMPLES / name).exists()]
    if missing:
        raise BenchError(f"conformance examples not found: {', '.join(missing)} in {EXAMPLES}")
    return [json.loads((EXAMPLES / name).read_text()) for name in NAMES]


def bodies(count: int, offset: int) -> list[bytes]:
    """`count` submissions, each with its own Bundle identifier."""
    found = []
    shapes = templates()
    for number in range(offset, offset + count):
        bundle = shapes[number % len(shapes)]
        bundle["identifier"]["value"] = f"bench-{number}"
        found.append(json.dumps(bundle).encode())
    return found


async def seed(database: Any) -> Any:
    """A clinic with its EHR's API client, the examples' payer (MANUAL) and providers."""
    from domain.errors import DomainError
    from domain.identity import service as identity
    from domain.identity.models import OrganizationKind
    from domain.identity.rules import principal_of
    from domain.partners import service as partners
    from domain.partners.models import Protocol
    from domain.providers.models import NetworkStatus, Provider, ProviderKind

    factory = database.uow_factory("bench-seed")
    async with factory() as uow:
        try:
            clinic = await identity.create_organization(
                uow=uow, name="Bench Clinic", kind=OrganizationKind.PROVIDER
            )
        except DomainError as error:
            raise BenchError(f"give an empty database: {error} (an earlier run's)") from None
        payer = await identity.create_organization(
            uow=uow, name="Bench Plan", kind=OrganizationKind.PAYER, payer_id=PAYER_ID
        )
        await partners.create_trading_partner(
            uow=uow, payer_organization_id=payer.id, name="Bench Plan", protocol=Protocol.MANUAL
        )
        client = await identity.create_api_client(
            uow=uow, organization_id=clinic.id, name="EHR", client_id="bench-ehr", secret="x" * 16
        )
        now = uow.clock.now()
        for npi in NPIS:
            uow.session.add(
                Provider(
                    organization_id=clinic.id,
                    kind=ProviderKind.PRACTITIONER,
                    name=f"Provider {npi}",
                    npi=npi,
                    network_status=NetworkStatus.IN_NETWORK,
                    current_load=0,
                    created_at=now,
                    updated_at=now,
                )
            )
        principal = principal_of(client, OrganizationKind.PROVIDER, is_machine=True)
        await uow.commit()
    return principal


@dataclass
class Measured:
    server: RunResult
    baseline: RunResult
    # Per stretch: the baseline's time over the server's for the same Bundles.
    ratios: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


async def measure(url: str, count: int, stretch: int) -> Measured:
    """The server's submissions and the baseline's operations over the same Bundles, taking
    turns in stretches of `stretch` Bundles (which side goes first alternating), so that the
    two sides of a stretch see the machine at the same speed."""
    from adapters.tokens import mint_token
    from db import migrate
    from server import create_app
    from settings import Settings

    await asyncio.to_thread(migrate.upgrade, url)
    settings = Settings(database_url=url, log_json=False, log_level="WARNING")
    app = create_app(settings)
    prepared = bodies(count, 0)
    chunks = [prepared[start : start + stretch] for start in range(0, count, stretch)]
    found = Measured(RunResult(count, 0.0, []), RunResult(count, 0.0, []))
    async with asgi_client(app) as client:
        await app.state.dispatcher.stop()
        principal = await seed(app.state.database)
        token = mint_token(settings, principal, app.state.clock.now())
        headers = {"content-type": "application/fhir+json", "authorization": f"Bearer {token}"}
        for body in bodies(5, 10_000_000):  # warm-up
            await _submit(client, body, headers)
            _parse_serialize(body)
        for number, chunk in enumerate(chunks):
            taken = [0.0, 0.0]
            for side in (0, 1) if number % 2 == 0 else (1, 0):
                result = found.server if side == 0 else found.baseline
                started = time.perf_counter()
                for body in chunk:
                    begin = time.perf_counter()
                    if side == 0:
                        await _submit(client, body, headers)
                    else:
                        _parse_serialize(body)
                    result.latencies.append(time.perf_counter() - begin)
                taken[side] = time.perf_counter() - started
                result.elapsed += taken[side]
            found.ratios.append(taken[1] / taken[0])
    return found


async def _submit(client: Any, body: bytes, headers: dict[str, str]) -> None:
    response = await client.post("/fhir/Claim/$submit", content=body, headers=headers)
    if response.status_code != 200 or b'"outcome":"queued"' not in response.content:
        raise BenchError(f"$submit answered {response.status_code}: {response.text[:300]}")


def _parse_serialize(body: bytes) -> None:
    """What no PAS server can avoid for a Bundle: fhir.resources parse and serialize."""
    Bundle.model_validate_json(body).model_dump_json(exclude_none=True)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 submissions (CI)")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument(
        "--stretch",
        type=int,
        default=None,
        help="Bundles per turn of each side (default a fortieth of the run)",
    )
    parser.add_argument(
        "--database-url", default=None, help="a migrated-or-empty database; default a temp SQLite"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    count = args.requests or (30 if args.quick else 400)
    stretch = max(1, args.stretch or count // 40)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            url = args.database_url or f"sqlite+aiosqlite:///{scratch}/fhir-bench.sqlite3"
            found, loop = run(lambda: measure(url, count, stretch))
    except BenchError as error:
        print(f"fhir_submit: {error}", file=sys.stderr)
        return 1
    kind = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    server, baseline = found.server, found.baseline
    print(
        f"PAS $submit, {count} new submissions, one client, {kind}, {loop}, "
        f"{len(found.ratios)} stretches of {stretch} taken in turns with the baseline"
    )
    print(f"{'':<34}{'requests/s':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for name, result in (
        ("server (ASGI app, $submit)", server),
        ("baseline (parse+serialize)", baseline),
    ):
        ordered = sorted(result.latencies)
        print(
            f"{name:<34}{result.rps:>12.1f}{percentile(ordered, 50) * 1000:>9.2f}"
            f"{percentile(ordered, 99) * 1000:>9.2f}"
        )
    low, high = min(found.ratios), max(found.ratios)
    print(
        f"whole run: server/baseline requests/s {server.rps / baseline.rps:.2f}; "
        f"stretches {low:.2f}-{high:.2f}"
    )
    print(
        f"ratio server/baseline requests/s: {found.ratio:.2f} "
        "(median of the stretches; target >= 0.8)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
