"""carebridge serve | demo | migrate | seed | token | create-organization | create-user |
create-api-client | create-trading-partner | export-schema"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from domain.identity.models import OrganizationKind, Role
from settings import Settings, load_settings

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.graphql"


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from adapters.observability import configure_logging

    configure_logging(settings.log_level, settings.log_json)
    if workers > 1:
        # Each worker process builds its own app (and engine) from the same environment.
        uvicorn.run(
            "server:app_from_environment",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_config=None,
            ws="websockets-sansio",
        )
    else:
        from server import create_app

        uvicorn.run(
            create_app(settings), host=host, port=port, log_config=None, ws="websockets-sansio"
        )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    _serve(settings, args.host or settings.host, args.port or settings.port, args.workers)
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    from db import migrate

    if args.downgrade:
        migrate.downgrade(settings.database_url, args.downgrade)
    else:
        migrate.upgrade(settings.database_url, args.revision)
    print(f"database at revision {migrate.current(settings.database_url)}")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from db.seed import run_seed

    summary = asyncio.run(run_seed(settings, with_demo=args.demo, providers=args.scale))
    print(summary)
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    from db.seed import mint_dev_token

    token = asyncio.run(
        mint_dev_token(settings, role=args.role, organization=args.org, email=args.email)
    )
    print(token)
    return 0


def cmd_create_organization(args: argparse.Namespace, settings: Settings) -> int:
    from db.accounts import add_organization

    print(
        asyncio.run(
            add_organization(
                settings, name=args.name, kind=args.kind, npi=args.npi, payer_id=args.payer_id
            )
        )
    )
    return 0


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    from db.accounts import add_user

    print(
        asyncio.run(
            add_user(
                settings,
                organization=args.org,
                email=args.email,
                display_name=args.name,
                roles=args.role,
            )
        )
    )
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """A Celery worker: outbox dispatch and the scans beat schedules."""
    from adapters.observability import configure_logging
    from tasks.app import create_celery

    configure_logging(settings.log_level, settings.log_json)
    if args.metrics_port:
        settings = settings.model_copy(update={"worker_metrics_port": args.metrics_port})
    create_celery(settings).worker_main(
        ["worker", f"--concurrency={args.concurrency}", "--loglevel=INFO", "-Q", "carebridge"]
    )
    return 0


def cmd_beat(args: argparse.Namespace, settings: Settings) -> int:
    """Celery beat: schedules the outbox rescan and the expiry scan (run exactly one)."""
    from adapters.observability import configure_logging
    from tasks.app import create_celery

    configure_logging(settings.log_level, settings.log_json)
    create_celery(settings).start(["beat", "--loglevel=INFO"])
    return 0


def cmd_simulate(args: argparse.Namespace, settings: Settings) -> int:
    """The simulated EHR, PAS payer and clearinghouse in their own process."""
    from adapters.simulator.all import main as simulate

    simulate(["--host", args.host or settings.host, "--port", str(args.port)])
    return 0


def cmd_create_trading_partner(args: argparse.Namespace, settings: Settings) -> int:
    from db.accounts import add_trading_partner

    print(
        asyncio.run(
            add_trading_partner(
                settings,
                payer=args.payer,
                name=args.name,
                protocol=args.protocol,
                endpoint_url=args.endpoint,
                expedited_hours=args.expedited_hours,
                standard_days=args.standard_days,
                options={
                    key: value
                    for key, value in (
                        ("rate_per_second", args.rate_per_second),
                        ("burst", args.burst),
                        ("max_concurrency", args.max_concurrency),
                    )
                    if value is not None
                },
            )
        )
    )
    return 0


def cmd_create_api_client(args: argparse.Namespace, settings: Settings) -> int:
    from db.accounts import add_api_client

    print(
        asyncio.run(
            add_api_client(
                settings, organization=args.org, client_id=args.client_id, name=args.name
            )
        )
    )
    return 0


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from schema.api import build_schema

    sdl = build_schema(Settings()).as_str().rstrip() + "\n"
    target = Path(args.output) if args.output else SCHEMA_FILE
    if args.check:
        current = target.read_text() if target.exists() else ""
        if current != sdl:
            print(f"{target} is out of date: run `carebridge export-schema`", file=sys.stderr)
            return 1
        print(f"{target} matches the schema")
        return 0
    target.write_text(sdl)
    print(f"wrote {target}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate the SQLite file, load the demo story, print tokens, serve."""
    from db import migrate
    from db.seed import demo_banner, point_demo_partners, run_seed

    migrate.upgrade(settings.database_url, "head")
    asyncio.run(run_seed(settings, with_demo=True, providers=0))
    host = args.host or settings.host
    port = args.port or settings.port
    asyncio.run(point_demo_partners(settings, f"http://{host}:{port}/simulator"))
    # The demo serves its simulated EHR itself, and reads it over real HTTP like any EHR.
    ehr_url = settings.ehr_base_url or f"http://{host}:{port}/simulator/ehr/fhir"
    simulator = f"http://{host}:{port}/simulator"
    settings = settings.model_copy(
        update={
            "simulators": True,
            "ehr_base_url": ehr_url,
            "network_verification_base_url": settings.network_verification_base_url
            or f"{simulator}/verification",
            "network_signature_base_url": settings.network_signature_base_url
            or f"{simulator}/signature",
        }
    )
    print(asyncio.run(demo_banner(settings, host, port)), flush=True)
    _serve(settings, host, port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="carebridge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the API")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.set_defaults(run=cmd_serve)

    worker = sub.add_parser("worker", help="a Celery worker (outbox, polling, scans)")
    worker.add_argument("--concurrency", type=int, default=2, help="processes (default 2)")
    worker.add_argument("--metrics-port", type=int, help="serve /metrics here (process i: +i)")
    worker.set_defaults(run=cmd_worker)

    beat = sub.add_parser("beat", help="Celery beat: schedules the scans (run exactly one)")
    beat.set_defaults(run=cmd_beat)

    simulate = sub.add_parser(
        "simulate", help="serve the simulated EHR, PAS payer and clearinghouse on their own"
    )
    simulate.add_argument("--host", help="default CAREBRIDGE_HOST")
    simulate.add_argument("--port", type=int, default=8090)
    simulate.set_defaults(run=cmd_simulate)

    demo = sub.add_parser("demo", help="migrate, load demo data, print tokens and serve")
    demo.add_argument("--host")
    demo.add_argument("--port", type=int)
    demo.set_defaults(run=cmd_demo)

    migrate = sub.add_parser("migrate", help="upgrade (or downgrade) the database schema")
    migrate.add_argument("--revision", default="head")
    migrate.add_argument("--downgrade", metavar="REVISION")
    migrate.set_defaults(run=cmd_migrate)

    seed = sub.add_parser("seed", help="load demo data and/or a generated data set")
    seed.add_argument("--demo", action="store_true", help="the deterministic demo story")
    seed.add_argument("--scale", type=int, default=0, metavar="N", help="N generated providers")
    seed.set_defaults(run=cmd_seed)

    token = sub.add_parser("token", help="mint a development token for a seeded user")
    token.add_argument(
        "--role", required=True, type=str.upper, choices=[role.value for role in Role]
    )
    token.add_argument("--org", required=True, help="organisation name or id")
    token.add_argument("--email", help="a particular user of that organisation")
    token.set_defaults(run=cmd_token)

    org = sub.add_parser("create-organization", help="add an organisation (operators only)")
    org.add_argument("--name", required=True)
    org.add_argument(
        "--kind", required=True, type=str.upper, choices=[kind.value for kind in OrganizationKind]
    )
    org.add_argument("--npi")
    org.add_argument("--payer-id")
    org.set_defaults(run=cmd_create_organization)

    user = sub.add_parser("create-user", help="add a user to an organisation")
    user.add_argument("--org", required=True, help="organisation name or id")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True)
    user.add_argument(
        "--role",
        required=True,
        action="append",
        type=str.upper,
        choices=[role.value for role in Role],
        help="repeat for several roles",
    )
    user.set_defaults(run=cmd_create_user)

    client = sub.add_parser("create-api-client", help="add a machine partner; prints its secret")
    client.add_argument("--org", required=True, help="organisation name or id")
    client.add_argument("--client-id", required=True)
    client.add_argument("--name", required=True)
    client.set_defaults(run=cmd_create_api_client)

    partner = sub.add_parser("create-trading-partner", help="say how requests to a payer travel")
    partner.add_argument("--payer", required=True, help="payer organisation name or id")
    partner.add_argument("--name", required=True)
    partner.add_argument("--protocol", required=True, choices=["MANUAL", "FHIR_PAS", "X12_CORE"])
    partner.add_argument("--endpoint", help="the partner's URL (FHIR_PAS, X12_CORE)")
    partner.add_argument("--expedited-hours", type=int, help="decision time frame (default 72)")
    partner.add_argument("--standard-days", type=int, help="decision time frame (default 7)")
    partner.add_argument("--rate-per-second", type=float, help="calls a second (default: any)")
    partner.add_argument("--burst", type=int, help="calls back to back after a pause (default 1)")
    partner.add_argument("--max-concurrency", type=int, help="calls at once (default: any)")
    partner.set_defaults(run=cmd_create_trading_partner)

    export = sub.add_parser("export-schema", help="write (or --check) schema.graphql")
    export.add_argument("--output")
    export.add_argument("--check", action="store_true")
    export.set_defaults(run=cmd_export_schema)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    from domain.errors import DomainError

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ValidationError as error:
        print(f"error: the CAREBRIDGE_* settings are not valid:\n{error}", file=sys.stderr)
        return 2
    try:
        return int(args.run(args, settings))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except ValueError as error:  # a setting a command needs is missing, e.g. an RS256 key
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
