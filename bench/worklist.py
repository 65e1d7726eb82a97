"""The authorization coordinator's worklist through GraphQL against the same page in hand-written
SQL (asyncpg), at two data sizes.

    PYTHONPATH=. python bench/worklist.py            # 10,000 then 100,000 requests
    PYTHONPATH=. python bench/worklist.py --quick    # CI: 100 then 500 requests, few calls

One provider organisation's coordinator, its patients and its requests to three payers (2 lines
and 1-2 diagnoses each; statuses and decision due dates spread as on a real worklist, see
`_worklist_data`) are written with COPY. The query is the worklist's first 50 requests waiting
on the payer (SUBMITTED, PENDED, INFO_REQUESTED) by decision due time, with patient, payer,
lines and diagnoses. The GraphQL side is create_app() in this process called as an ASGI app
(no sockets, no HTTP client library), its embedded worker stopped (only the worklist is
measured; in production Celery workers do that work elsewhere); the baseline is one
hand-written statement on an asyncpg pool as large as the app's, the response JSON built by
PostgreSQL. Both are checked to give the
same JSON before anything is timed. The baseline only reads; the GraphQL side also writes the
audit trail of every request and patient it shows (PHI access), as it must: --sql-audit adds
the same INSERT to the baseline's statement.

Measured at --small requests (concurrent only) and again after growing to --rows (sequential
and concurrent): the ratio GraphQL/SQL at 50 concurrent (target >= 0.5, DESIGN.md §8) and the
GraphQL side's flatness from the small size to the large one (target within 1.5x). Below target
is reported, not an error. Exit 1 on errors or a result mismatch.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import orjson  # noqa: E402

from adapters.tokens import mint_token  # noqa: E402
from bench._common import (  # noqa: E402
    TABLE_HEADER,
    BenchError,
    GcTally,
    RunResult,
    analyze,
    asgi_client,
    asyncpg_dsn,
    count_sql,
    database_name,
    gc_watch,
    json_difference,
    main_against_database,
    median_run,
    run_load,
    seed_user,
    table_row,
    transactions_per_call,
)
from bench._worklist_data import Office, add_patients, add_requests, utc_now  # noqa: E402
from db.engine import create_engine  # noqa: E402
from db.uow import Database  # noqa: E402
from domain.authorizations.lifecycle import ReviewAction  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from domain.identity import service as identity  # noqa: E402
from domain.identity.models import OrganizationKind, Role  # noqa: E402
from server import create_app  # noqa: E402
from settings import Settings  # noqa: E402

PAGE = 50
TARGET = 0.5
FLAT = 1.5
STATUSES = ("SUBMITTED", "PENDED", "INFO_REQUESTED")

QUERY = """
query Worklist($first: Int!) {
  authorizationRequests(
    filter: {statuses: [SUBMITTED, PENDED, INFO_REQUESTED]}
    orderBy: DECISION_DUE
    first: $first
  ) {
    edges {
      node {
        id
        number
        status
        priority
        decisionDueAt
        patient { givenName familyName }
        authorizer { name }
        lines { serviceCode quantity reviewActionCode approvedQuantity authorizationNumber }
        diagnoses { code }
      }
    }
  }
}
"""

# The top of each status's index range (organisation, status, decision_due_at, id), then the
# top of their union: as fast at 100,000 requests as at 10,000 (a plain `status = ANY($2)`
# sorts every waiting request of the organisation for each page).
_BRANCH = """(SELECT r.id, r.number, r.status, r.priority, r.decision_due_at, r.patient_id,
        r.authorizer_organization_id
 FROM authorization_requests r
 WHERE r.requesting_organization_id = $1 AND r.status = ($2::text[])[{n}]
 ORDER BY r.decision_due_at, r.id LIMIT $3)"""
_PAGE_SQL = f"""
SELECT * FROM ({" UNION ALL ".join(_BRANCH.format(n=n + 1) for n in range(len(STATUSES)))}) b
ORDER BY decision_due_at, id
LIMIT $3
"""

# The audit events the app writes for a page: one naming the requests shown, one the patients.
_AUDIT_SQL = """
, audited AS (
  INSERT INTO audit_events (id, occurred_at, actor_id, actor_is_machine, organization_id,
                            action, entity, entity_ids, fields)
  SELECT gen_random_uuid(), now(), $4::uuid, false, $1, 'READ', 'AuthorizationRequest',
         jsonb_agg(replace(page.id::text, '-', '') ORDER BY page.decision_due_at, page.id),
         'null'::json
  FROM page
  UNION ALL
  SELECT gen_random_uuid(), now(), $4::uuid, false, $1, 'READ', 'Person',
         jsonb_agg(replace(patients.patient_id::text, '-', '')), 'null'::json
  FROM (SELECT DISTINCT patient_id FROM page) patients
)
"""


def isoformat(column: str) -> str:
    """Python's datetime.isoformat() of a timestamptz in UTC (no fraction when it is zero)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN extract(microseconds "
        f"FROM {utc})::int % 1000000 = 0 THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"
    )


# Enums are stored by name; the API gives the review action's X12 code.
REVIEW_CODES = " ".join(f"WHEN '{a.name}' THEN '{a.value}'" for a in ReviewAction)

# The whole response, built by PostgreSQL: one statement, one text value.
_RESPONSE_SQL = f"""
SELECT json_build_object('data', json_build_object('authorizationRequests',
  json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object(
    'id', translate(encode(convert_to('AuthorizationRequest:' || page.id::text, 'UTF8'),
                           'base64'), E'\\n', ''),
    'number', page.number,
    'status', page.status,
    'priority', page.priority,
    'decisionDueAt', {isoformat("page.decision_due_at")},
    'patient', (SELECT json_build_object('givenName', p.given_name, 'familyName', p.family_name)
                FROM persons p WHERE p.id = page.patient_id),
    'authorizer', (SELECT json_build_object('name', o.name)
                   FROM organizations o WHERE o.id = page.authorizer_organization_id),
    'lines', (
      SELECT coalesce(json_agg(json_build_object(
               'serviceCode', l.service_code, 'quantity', l.quantity::text,
               'reviewActionCode', CASE l.review_action {REVIEW_CODES} END,
               'approvedQuantity', l.approved_quantity::text,
               'authorizationNumber', l.authorization_number) ORDER BY l.sequence), '[]')
      FROM authorization_lines l WHERE l.request_id = page.id),
    'diagnoses', (
      SELECT coalesce(json_agg(json_build_object('code', d.code) ORDER BY d.sequence), '[]')
      FROM authorization_diagnoses d WHERE d.request_id = page.id)
  )) ORDER BY page.decision_due_at, page.id), '[]'))))::text
FROM page
"""


def sql_statement(audit: bool) -> str:
    return f"WITH page AS ({_PAGE_SQL}){_AUDIT_SQL if audit else ''}{_RESPONSE_SQL}"


def sql_side(pool: asyncpg.Pool, office: Office, audit: bool) -> Callable[[int], Awaitable[bytes]]:
    statement = sql_statement(audit)
    args: tuple[Any, ...] = (office.organization_id, list(STATUSES), PAGE)
    if audit:
        args += (office.coordinator_id,)

    async def request(number: int) -> bytes:
        text: str = await pool.fetchval(statement, *args)
        return text.encode()

    return request


def graphql_side(client: Any, token: str) -> Callable[[int], Awaitable[bytes]]:
    body = orjson.dumps({"query": QUERY, "variables": {"first": PAGE}})
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def request(number: int) -> bytes:
        response = await client.post("/graphql", content=body, headers=headers)
        if response.status_code != 200 or b'"errors"' in response.content:
            raise BenchError(f"GraphQL answered {response.status_code}: {response.text[:500]}")
        return response.content

    return request


async def check(
    graphql: Callable[[int], Awaitable[bytes]], sql: Callable[[int], Awaitable[bytes]]
) -> int:
    """Both sides give the same requests in the same order, with the same JSON; the page size."""
    ours = orjson.loads(await graphql(0))["data"]["authorizationRequests"]["edges"]
    theirs = orjson.loads(await sql(0))["data"]["authorizationRequests"]["edges"]
    difference = json_difference(ours, theirs, "edges")
    if difference:
        raise BenchError(f"result mismatch: {difference}")
    if not ours:
        raise BenchError("the worklist came back empty: nothing to compare")
    return len(ours)


@dataclass
class Setup:
    args: argparse.Namespace
    url: str
    office: Office
    token: str
    pool_size: int
    pool_overflow: int


async def seed_office(database: Database, patients: int) -> tuple[Office, Any]:
    """The provider organisation, its coordinator, three payers and the patients."""
    principal = await seed_user(
        database,
        organization="Bench Clinic",
        kind=OrganizationKind.PROVIDER,
        roles={Role.AUTH_COORDINATOR},
    )
    factory = database.uow_factory("bench-seed")
    payers = []
    for name in ("Cosville Health Plan", "Northwind Medicaid", "Summit Care"):
        async with factory() as uow:
            org = await identity.create_organization(
                uow=uow, name=f"{name} {uuid.uuid4().hex[:4]}", kind=OrganizationKind.PAYER
            )
            await uow.commit()
            payers.append(org.id)
    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
        ids = await add_patients(pg, principal.organization_id, patients, utc_now())
        await conn.commit()
    office = Office(principal.organization_id, principal.subject_id, tuple(payers), ids)
    return office, principal


async def grow(database: Database, office: Office, start: int, stop: int) -> float:
    """Add requests `start` to `stop - 1`; seconds taken (analyze included)."""
    began = time.perf_counter()
    async with database.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        pg: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
        await add_requests(pg, office, start, stop, utc_now())
        await conn.commit()
    await analyze(database.engine)
    return time.perf_counter() - began


async def measure_size(
    setup: Setup, size: int, modes: tuple[tuple[str, int], ...]
) -> dict[tuple[str, str], RunResult]:
    """Both sides through a fresh app and pool on the data as it is now."""
    args = setup.args
    settings = Settings(database_url=setup.url, log_json=False, log_level="WARNING")
    app = create_app(settings)
    size_pool = setup.pool_size + setup.pool_overflow
    pool = await asyncpg.create_pool(
        asyncpg_dsn(setup.url),
        min_size=setup.pool_size,
        max_size=size_pool,
        server_settings={"timezone": "UTC"},
    )
    results: dict[tuple[str, str], RunResult] = {}
    try:
        async with asgi_client(app) as client:
            # Only the worklist is measured: the embedded worker's first deadline scan over a
            # backlog seeded all at once (at 100,000 requests, ~6,600 alerts to raise, some
            # seconds of work) would otherwise run during the measurement. In production
            # Celery workers do that work, in processes of their own.
            await app.state.dispatcher.stop()
            graphql = graphql_side(client, setup.token)
            sql = sql_side(pool, setup.office, args.sql_audit)
            rows = await check(graphql, sql)
            print(
                f"\n{size} requests: check: same {rows} requests, order and JSON on both sides: OK"
            )
            if len(modes) > 1:
                await statements(setup, app, graphql)
            warm = max(20, args.requests // 10)
            for request in (graphql, sql):
                await run_load(request, warm, 1)
                await run_load(request, max(warm, 2 * args.concurrency), args.concurrency)
            print(TABLE_HEADER)
            # Beside the plain baseline, the same statement writing the same audit events
            # (at the large size, concurrent): what the audit trail itself costs.
            audited = sql_side(pool, setup.office, True)
            for mode, clients in modes:
                sides = [("graphql", graphql), ("sql", sql)]
                if len(modes) > 1 and clients > 1 and not args.sql_audit:
                    sides.append(("sql+audit", audited))
                # The sides take turns, one run each per round, so that a slower stretch of
                # a shared machine weighs on all of them; each keeps its median run.
                runs: dict[str, list[RunResult]] = {side: [] for side, _ in sides}
                tally = GcTally()
                graphql_wall = 0.0
                for _ in range(max(1, args.repeat)):
                    for side, request in sides:
                        began = time.perf_counter()
                        with gc_watch() as seen:
                            runs[side].append(await run_load(request, args.requests, clients))
                        if side == "graphql":
                            tally.add(seen)
                            graphql_wall += time.perf_counter() - began
                for side, _ in sides:
                    results[mode, side] = median_run(runs[side])
                    print(table_row(mode, side, results[mode, side]))
                    if side == "graphql":
                        print(
                            f"{'':16}gc during graphql: {tally.summary()}; "
                            f"{100 * tally.total / graphql_wall:.1f}% of wall time"
                        )
    finally:
        await pool.close()
    return results


async def statements(setup: Setup, app: Any, graphql: Callable[[int], Awaitable[bytes]]) -> None:
    engine = app.state.database.engine
    with count_sql(engine) as counted:
        await graphql(0)
    per_request = await transactions_per_call(setup.url, engine, lambda: graphql(1))
    print(
        f"per GraphQL request: {len(counted.statements)} SQL statements, "
        f"{counted.checkouts} pool checkouts, {per_request:.1f} database transactions; "
        f"SQL side: 1 statement"
    )


async def bench(args: argparse.Namespace, url: str) -> int:
    settings = Settings(database_url=url, log_json=False, log_level="WARNING")
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    try:
        office, principal = await seed_office(database, args.patients)
        seconds = await grow(database, office, 0, args.small)
        size = int(getattr(database.engine.pool, "size", lambda: settings.database_pool_size)())
        overflow = max(0, getattr(database.engine.pool, "_max_overflow", size))
        setup = Setup(args, url, office, mint_token(settings, principal, utc_now()), size, overflow)
        print(
            f"data: {args.patients} patients, {args.small} requests seeded in {seconds:.1f} s, "
            f"database {database_name(url)}; "
            f"sql: asyncpg pool min {size} max {size + overflow}, JSON built by PostgreSQL"
            + (", with the audit INSERT" if args.sql_audit else ", no audit INSERT")
        )
        concurrent = f"concurrent {args.concurrency}"
        small = await measure_size(setup, args.small, ((concurrent, args.concurrency),))
        seconds = await grow(database, office, args.small, args.rows)
        print(f"\ngrew to {args.rows} requests in {seconds:.1f} s")
    finally:
        await database.dispose()
    large = await measure_size(
        setup, args.rows, (("sequential", 1), (concurrent, args.concurrency))
    )
    return report(args, small, large)


def report(
    args: argparse.Namespace,
    small: dict[tuple[str, str], RunResult],
    large: dict[tuple[str, str], RunResult],
) -> int:
    c = f"concurrent {args.concurrency}"
    seq = large["sequential", "graphql"].rps / large["sequential", "sql"].rps
    conc = large[c, "graphql"].rps / large[c, "sql"].rps
    print()
    print(f"ratio graphql/sql req/s at {args.rows}: {c}: {conc:.3f}   sequential: {seq:.3f}")
    verdict = "PASS" if conc >= TARGET else "BELOW"
    if args.concurrency != 50:
        verdict += f" (measured at {args.concurrency} concurrent, not 50)"
    print(f"target: ratio >= {TARGET} at 50 concurrent: {verdict} ({conc:.3f})")
    if (c, "sql+audit") in large:
        fair = large[c, "graphql"].rps / large[c, "sql+audit"].rps
        print(
            f"ratio graphql/(sql with the same audit INSERT) at {args.rows}, {c}: {fair:.3f} "
            f"(the audit alone takes the baseline from {large[c, 'sql'].rps:.1f} to "
            f"{large[c, 'sql+audit'].rps:.1f} req/s)"
        )
    verdicts = {
        "graphql": lambda x: f" (target <= {FLAT}x: {'PASS' if x <= FLAT else 'BELOW'})",
        "sql": lambda x: "",
    }
    for side in ("graphql", "sql"):
        a, b = small[c, side], large[c, side]
        slower = a.rps / b.rps
        print(
            f"flatness {side} {c}: {args.small} -> {args.rows} requests: "
            f"{a.rps:.1f} -> {b.rps:.1f} req/s, p50 {a.ms(50):.2f} -> {b.ms(50):.2f} ms; "
            f"{slower:.2f}x slower{verdicts[side](slower)}"
        )
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: 100 then 500 requests, 1 run")
    parser.add_argument("--rows", type=int, help="requests at the large size (default 100000)")
    parser.add_argument("--small", type=int, help="requests at the small size (default 10000)")
    parser.add_argument("--patients", type=int, help="patients (default 2000)")
    parser.add_argument("--requests", type=int, help="calls per measurement (default 1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="clients (default 50)")
    parser.add_argument(
        "--repeat", type=int, help="rounds, each side running once a round; median kept (3)"
    )
    parser.add_argument(
        "--sql-audit",
        action="store_true",
        help="the baseline also INSERTs the audit events the GraphQL side writes",
    )
    parser.add_argument(
        "--database-url",
        help="an existing, empty PostgreSQL database to migrate and add the generated data to "
        "(kept; a second run needs another, as the data sizes are the measure); "
        "default: a scratch database carebridge_bench_<random> on 127.0.0.1, dropped after",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio event loop")
    args = parser.parse_args(argv)
    args.rows = args.rows or (500 if args.quick else 100_000)
    args.small = args.small or (100 if args.quick else 10_000)
    args.patients = args.patients or (20 if args.quick else 2000)
    args.requests = args.requests or (60 if args.quick else 1000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if min(args.rows, args.small, args.patients, args.requests, args.concurrency, args.repeat) < 1:
        parser.error("sizes, --requests, --concurrency and --repeat must be positive")
    if args.small >= args.rows:
        parser.error("--small must be below --rows")
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres")):
        parser.error("--database-url must be a PostgreSQL URL (the baseline is asyncpg)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return main_against_database(
        f"worklist: GraphQL authorizationRequests vs hand-written SQL; first {PAGE} of "
        f"{'/'.join(STATUSES)} by decision due, with patient, payer, lines, diagnoses; "
        f"{args.small} then {args.rows} requests, {args.requests} calls per run, "
        f"concurrency {args.concurrency}" + (", --quick" if args.quick else ""),
        args.database_url,
        lambda url: bench(args, url),
        uvloop=not args.no_uvloop,
    )


if __name__ == "__main__":
    sys.exit(main())
