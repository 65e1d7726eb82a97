"""Provider search through GraphQL against the same search in hand-written SQL (asyncpg).

    PYTHONPATH=. python bench/provider_search.py            # 10,000 providers
    PYTHONPATH=. python bench/provider_search.py --quick    # CI: 300 providers, few requests

The GraphQL side is create_app() in this process, called directly as an ASGI app (default: no
sockets and no HTTP client library, whose work the SQL side would not pay; the caller shares
the event loop with the app) or, with --http, under uvicorn in a subprocess over loopback.
The baseline is one hand-written statement per request on an asyncpg pool as large as the
app's (pool_size + max_overflow), with the JSON built by PostgreSQL
(--sql-variant json) or from rows with orjson (--sql-variant rows). Both answer the caseworker
portal's search (15 km around a point near the demo city centre, accepting referrals, first 20,
with locations and specialties) and are checked to return the same providers in the same order
before anything is timed. Target (DESIGN.md §8): GraphQL req/s >= 0.5 x SQL req/s at 50
concurrent; below target is reported, not an error. Exit 1 on errors or a result mismatch.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import math
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import orjson  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from adapters.tokens import mint_token  # noqa: E402
from bench._common import (  # noqa: E402
    TABLE_HEADER,
    BenchError,
    DirectAsgiClient,
    GcTally,
    RunResult,
    analyze,
    asgi_client,
    asyncpg_dsn,
    best_of,
    count_sql,
    database_name,
    gc_watch,
    json_difference,
    main_against_database,
    py_spy_profile,
    run_load,
    seed_user,
    table_row,
    transactions_per_call,
    uvicorn_client,
)
from db.engine import create_engine  # noqa: E402
from db.seed.demo import STEVE_HOME  # noqa: E402
from db.seed.scale import load_scale  # noqa: E402
from db.uow import Database  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from domain.identity.models import OrganizationKind, Role  # noqa: E402
from domain.providers.models import Location, Provider  # noqa: E402
from domain.providers.rules import (  # noqa: E402
    EARTH_RADIUS_KM,
    GeoPoint,
    bounding_box,
    equirectangular,
)
from server import create_app  # noqa: E402
from settings import Settings  # noqa: E402

RADIUS_KM = 15.0
PAGE = 20
TARGET = 0.5

# Search points a few km around the demo city centre; request n searches POINTS[n % 8].
POINTS = [
    (round(STEVE_HOME[0] + dlat, 6), round(STEVE_HOME[1] + dlon, 6))
    for dlat, dlon in (
        (0.0, 0.0),
        (0.02, 0.01),
        (-0.015, 0.025),
        (0.03, -0.02),
        (-0.025, -0.015),
        (0.01, -0.035),
        (-0.035, 0.005),
        (0.005, 0.04),
    )
]

QUERY = """
query ProviderSearch($latitude: Float!, $longitude: Float!, $first: Int!) {
  providers(
    search: {
      near: {latitude: $latitude, longitude: $longitude, radiusKm: 15}
      acceptingReferrals: true
    }
    first: $first
  ) {
    edges {
      node {
        id
        name
        npi
        distanceKm
        acceptingReferrals
        locations { name city latitude longitude }
        specialties { code display }
      }
    }
  }
}
"""

# The nearest location of each provider within the radius (bounding box first, then the
# equirectangular distance with cos(lat0) bound), the providers with room, nearest first.
_NEAREST_PAGE = """
WITH nearest AS (
    SELECT DISTINCT ON (l.provider_id)
           l.provider_id, l.latitude, l.longitude,
           (l.latitude - $1::float8) * (l.latitude - $1::float8)
             + (l.longitude - $2::float8) * $3::float8 * (l.longitude - $2::float8) * $3::float8
             AS d2
    FROM locations l
    WHERE l.latitude BETWEEN $4::float8 AND $5::float8
      AND l.longitude BETWEEN $6::float8 AND $7::float8
      AND (l.latitude - $1::float8) * (l.latitude - $1::float8)
            + (l.longitude - $2::float8) * $3::float8 * (l.longitude - $2::float8) * $3::float8
          <= $8::float8
    ORDER BY l.provider_id, d2, l.id
)
SELECT p.id, p.name, p.npi, p.accepting_referrals, n.d2, n.latitude, n.longitude
FROM nearest n JOIN providers p ON p.id = n.provider_id
WHERE p.accepting_referrals AND (p.capacity IS NULL OR p.current_load < p.capacity)
ORDER BY n.d2, p.id
LIMIT $9
"""

# The whole response, built by PostgreSQL: one statement, one text value.
SQL_JSON = f"""
WITH page AS ({_NEAREST_PAGE})
SELECT json_build_object('data', json_build_object('providers', json_build_object('edges',
  coalesce(json_agg(json_build_object('node', json_build_object(
    'id', encode(convert_to('Provider:' || page.id::text, 'UTF8'), 'base64'),
    'name', page.name,
    'npi', page.npi,
    'distanceKm', 2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt(
        power(sin(radians(page.latitude - $1::float8) / 2), 2)
        + cos(radians($1::float8)) * cos(radians(page.latitude))
          * power(sin(radians(page.longitude - $2::float8) / 2), 2)))),
    'acceptingReferrals', page.accepting_referrals,
    'locations', (
      SELECT coalesce(json_agg(json_build_object(
               'name', l.name, 'city', l.city, 'latitude', l.latitude, 'longitude', l.longitude)
             ORDER BY l.name, l.id), '[]')
      FROM locations l WHERE l.provider_id = page.id),
    'specialties', (
      SELECT coalesce(json_agg(json_build_object('code', s.code, 'display', s.display)
             ORDER BY s.is_primary DESC, s.code), '[]')
      FROM provider_specialties s WHERE s.provider_id = page.id)
  )) ORDER BY page.d2, page.id), '[]'))))::text
FROM page
"""

SQL_LOCATIONS = """
SELECT provider_id, name, city, latitude, longitude FROM locations
WHERE provider_id = ANY($1::uuid[]) ORDER BY name, id
"""
SQL_SPECIALTIES = """
SELECT provider_id, code, display FROM provider_specialties
WHERE provider_id = ANY($1::uuid[]) ORDER BY is_primary DESC, code
"""


def sql_params(latitude: float, longitude: float) -> tuple[Any, ...]:
    near = GeoPoint(latitude, longitude, RADIUS_KM)
    box = bounding_box(near, RADIUS_KM)
    scale = equirectangular(near)
    if box.crosses_antimeridian or scale.wrap:
        raise BenchError("the bench's search points must not cross the antimeridian")
    return (
        latitude,
        longitude,
        scale.longitude_scale,
        box.south,
        box.north,
        box.west,
        box.east,
        scale.max_d2,
        PAGE,
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def sql_side(pool: asyncpg.Pool, variant: str) -> Callable[[int], Awaitable[bytes]]:
    params = [sql_params(lat, lon) for lat, lon in POINTS]

    async def as_json(number: int) -> bytes:
        text: str = await pool.fetchval(SQL_JSON, *params[number % len(params)])
        return text.encode()

    async def as_rows(number: int) -> bytes:
        args = params[number % len(params)]
        async with pool.acquire() as conn:
            page = await conn.fetch(_NEAREST_PAGE, *args)
            ids = [row["id"] for row in page]
            locations = await conn.fetch(SQL_LOCATIONS, ids)
            specialties = await conn.fetch(SQL_SPECIALTIES, ids)
        nodes: dict[Any, dict[str, Any]] = {}
        for row in page:
            nodes[row["id"]] = {
                "id": base64.b64encode(b"Provider:" + str(row["id"]).encode()).decode(),
                "name": row["name"],
                "npi": row["npi"],
                "distanceKm": haversine_km(args[0], args[1], row["latitude"], row["longitude"]),
                "acceptingReferrals": row["accepting_referrals"],
                "locations": [],
                "specialties": [],
            }
        for pid, name, city, latitude, longitude in locations:
            nodes[pid]["locations"].append(
                {"name": name, "city": city, "latitude": latitude, "longitude": longitude}
            )
        for pid, code, display in specialties:
            nodes[pid]["specialties"].append({"code": code, "display": display})
        edges = [{"node": node} for node in nodes.values()]
        return orjson.dumps({"data": {"providers": {"edges": edges}}})

    return as_json if variant == "json" else as_rows


def graphql_side(client: Any, token: str) -> Callable[[int], Awaitable[bytes]]:
    bodies = [
        orjson.dumps(
            {"query": QUERY, "variables": {"latitude": lat, "longitude": lon, "first": PAGE}}
        )
        for lat, lon in POINTS
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def request(number: int) -> bytes:
        response = await client.post(
            "/graphql", content=bodies[number % len(bodies)], headers=headers
        )
        if response.status_code != 200 or b'"errors"' in response.content:
            raise BenchError(f"GraphQL answered {response.status_code}: {response.text[:500]}")
        return response.content

    return request


def floor_side(client: Any) -> Callable[[int], Awaitable[bytes]]:
    async def request(number: int) -> bytes:
        response = await client.get("/healthz")
        if response.status_code != 200:
            raise BenchError(f"/healthz answered {response.status_code}")
        return response.content

    return request


def _uuid(global_id: str) -> str:
    try:
        return base64.b64decode(global_id).decode().partition(":")[2][:8]
    except ValueError:
        return global_id


async def check(
    graphql: Callable[[int], Awaitable[bytes]], sql: Callable[[int], Awaitable[bytes]]
) -> list[int]:
    """Both sides give the same providers in the same order at every search point (and the
    same JSON, floats aside); the page sizes."""
    sizes = []
    for number, point in enumerate(POINTS):
        ours = orjson.loads(await graphql(number))["data"]["providers"]["edges"]
        theirs = orjson.loads(await sql(number))["data"]["providers"]["edges"]
        ids = [edge["node"]["id"] for edge in ours]
        expected = [edge["node"]["id"] for edge in theirs]
        if ids != expected:
            raise BenchError(
                f"result mismatch at {point}: provider ids (decoded, first 8 hex) differ\n"
                f"  graphql: {[_uuid(i) for i in ids]}\n  sql:     {[_uuid(i) for i in expected]}"
            )
        difference = json_difference(ours, theirs, "edges")
        if difference:
            raise BenchError(f"result mismatch at {point}: {difference}")
        sizes.append(len(ids))
    if not any(sizes):
        raise BenchError("every search came back empty: nothing to compare")
    return sizes


@dataclass
class Setup:
    args: argparse.Namespace
    url: str
    app: Any  # the in-process app (statement counts, and the GraphQL side unless --http)
    local: DirectAsgiClient  # to the in-process app
    client: Any  # to the measured GraphQL server (DirectAsgiClient or httpx)
    server_pid: int | None  # uvicorn's, with --http
    pool: asyncpg.Pool
    token: str


async def bench(args: argparse.Namespace, url: str) -> int:
    loop_name = type(asyncio.get_running_loop()).__module__.split(".")[0]
    settings = Settings(database_url=url, log_json=False, log_level="WARNING")
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    try:
        principal = await seed_user(
            database,
            organization="Bench Agency",
            kind=OrganizationKind.AGENCY,
            roles={Role.CASEWORKER},
        )
        await load_scale(database.uow_factory("bench-seed"), args.providers)
        await analyze(database.engine)
        async with database.engine.connect() as conn:
            providers = await conn.scalar(select(func.count(Provider.id)))
            locations = await conn.scalar(select(func.count(Location.id)))
            version = await conn.scalar(select(func.current_setting("server_version")))
        # The baseline's pool matches the app's: pool_size + max_overflow connections at most.
        size = int(getattr(database.engine.pool, "size", lambda: settings.database_pool_size)())
        overflow = max(0, getattr(database.engine.pool, "_max_overflow", size))
    finally:
        await database.dispose()
    token = mint_token(settings, principal, SystemClock().now())
    print(
        f"data: {providers} providers, {locations} locations, "
        f"database {database_name(url)} (PostgreSQL {str(version).split()[0]})"
    )
    print(
        f"search: 8 points within 5 km of {STEVE_HOME}, radius {RADIUS_KM:g} km, "
        f"acceptingReferrals, first {PAGE}, locations + specialties"
    )

    app = create_app(settings)
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=size, max_size=size + overflow)
    pools = f"asyncpg pool min {size} max {size + overflow} (app: {size} + {overflow} overflow)"
    how = {
        "json": "one statement, response JSON built by PostgreSQL (json_agg/json_build_object)",
        "rows": "page query + 2 `= ANY($1)` queries on one connection, JSON by orjson",
    }[args.sql_variant]
    try:
        async with asgi_client(app) as local:
            if args.http:
                async with uvicorn_client(url, args.concurrency) as (remote, pid):
                    print(
                        f"graphql: uvicorn in a subprocess (pid {pid}, 1 worker, access log "
                        f"off) over loopback HTTP/1.1; client httpx.AsyncClient on {loop_name}"
                    )
                    print(f"sql: {pools}; {how}")
                    return await measure(Setup(args, url, app, local, remote, pid, pool, token))
            print(
                f"graphql: in-process, direct ASGI calls through the whole app (asgi_lifespan, "
                f"no sockets, no HTTP client library); "
                f"client and app share one {loop_name} event loop"
            )
            print(f"sql: {pools}; {how}")
            return await measure(Setup(args, url, app, local, local, None, pool, token))
    finally:
        await pool.close()


async def measure(setup: Setup) -> int:
    args = setup.args
    graphql = graphql_side(setup.client, setup.token)
    sql = sql_side(setup.pool, args.sql_variant)
    floor = floor_side(setup.client)

    sizes = await check(graphql, sql)
    print(
        f"check: same provider ids, order and JSON on both sides at {len(POINTS)} points "
        f"({min(sizes)}-{max(sizes)} results each): OK"
    )

    engine = setup.app.state.database.engine
    local = graphql_side(setup.local, setup.token)
    with count_sql(engine) as counted:
        await local(0)
    per_request = await transactions_per_call(setup.url, engine, lambda: local(1))
    print(
        f"per GraphQL request: {len(counted.statements)} SQL statements, "
        f"{counted.checkouts} pool checkouts, {per_request:.1f} database transactions "
        f"(pg_stat_database; a pre-ping on checkout is one more); SQL side: 1 statement"
    )

    # Warm-up: prepared statements, compiled-SQL and parser caches, pools at full size.
    warm = max(20, args.requests // 10)
    for request in (graphql, sql, floor):
        await run_load(request, warm, 1)
        await run_load(request, max(warm, 2 * args.concurrency), args.concurrency)

    n, c, r = args.requests, args.concurrency, args.repeat
    results: dict[tuple[str, str], RunResult] = {}
    collections: dict[str, tuple[GcTally, float]] = {}
    print()
    print(TABLE_HEADER)
    for mode, clients in (("sequential", 1), (f"concurrent {c}", c)):
        for side, request in (("graphql", graphql), ("sql", sql), ("floor", floor)):
            began = time.perf_counter()
            with gc_watch() as tally:
                results[mode, side] = await best_of(
                    r, lambda request=request, clients=clients: run_load(request, n, clients)
                )
            if side == "graphql":
                collections[mode] = (tally, time.perf_counter() - began)
            print(table_row(mode, side, results[mode, side]))
    print(
        "(floor: GET /healthz through the same client and app, no GraphQL, no database)"
        + (f"; median of {r} runs by req/s" if r > 1 else "")
    )
    if not args.http:
        for mode, (tally, wall) in collections.items():
            print(
                f"gc in this process during graphql {mode}: {tally.summary()}; "
                f"{1000 * tally.total:.0f} ms = {100 * tally.total / wall:.1f}% of wall time"
            )
    seq = results["sequential", "graphql"].rps / results["sequential", "sql"].rps
    conc = results[f"concurrent {c}", "graphql"].rps / results[f"concurrent {c}", "sql"].rps
    print()
    print(f"ratio graphql/sql req/s: concurrent {c}: {conc:.3f}   sequential: {seq:.3f}")
    verdict = "PASS" if conc >= TARGET else "BELOW"
    if c != 50:
        verdict += f" (measured at {c} concurrent, not 50)"
    print(f"target: ratio >= {TARGET} at 50 concurrent: {verdict} ({conc:.3f})")

    if args.profile:
        print()
        print(f"profile: {args.profile} sequential GraphQL requests to uvicorn, under py-spy")
        async with contextlib.AsyncExitStack() as stack:
            if setup.server_pid is not None:
                server, pid = setup.client, setup.server_pid
            else:
                server, pid = await stack.enter_async_context(uvicorn_client(setup.url, 1))
            request = graphql_side(server, setup.token)
            await run_load(request, 50, 1)
            print(
                await py_spy_profile(pid, lambda: run_load(request, args.profile, 1), args.profile)
            )
    return 0


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="CI: 300 providers, 100 requests, 1 run"
    )
    parser.add_argument("--providers", type=int, help="generated providers (default 10000)")
    parser.add_argument("--requests", type=int, help="requests per measurement (default 1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="clients (default 50)")
    parser.add_argument("--repeat", type=int, help="runs per measurement, median kept (3)")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database to migrate and add the generated data to (kept); "
        "default: a scratch database carebridge_bench_<random> on 127.0.0.1, dropped after",
    )
    parser.add_argument(
        "--http", action="store_true", help="GraphQL through uvicorn in a subprocess"
    )
    parser.add_argument(
        "--sql-variant",
        choices=("json", "rows"),
        default="json",
        help="baseline: JSON built by PostgreSQL in one statement (default), "
        "or rows of 3 statements serialized by orjson",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="afterwards, sample the server with py-spy (pip install py-spy) during N "
        "sequential GraphQL requests to uvicorn; print the top 15 functions",
    )
    parser.add_argument("--no-uvloop", action="store_true", help="plain asyncio event loop")
    args = parser.parse_args(argv)
    args.providers = args.providers or (300 if args.quick else 10_000)
    args.requests = args.requests or (100 if args.quick else 1000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    if args.providers < 1 or args.requests < 1 or args.concurrency < 1 or args.repeat < 1:
        parser.error("--providers, --requests, --concurrency and --repeat must be positive")
    if args.database_url and not args.database_url.startswith(("postgresql", "postgres")):
        parser.error("--database-url must be a PostgreSQL URL (the baseline is asyncpg)")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return main_against_database(
        f"provider_search: GraphQL providers(search:) vs hand-written SQL; "
        f"{args.providers} providers, {args.requests} requests per run, "
        f"concurrency {args.concurrency}" + (", --quick" if args.quick else ""),
        args.database_url,
        lambda url: bench(args, url),
        uvloop=not args.no_uvloop,
    )


if __name__ == "__main__":
    sys.exit(main())
