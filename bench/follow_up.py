"""One full follow-up poll cycle under per-partner rate limits (PostgreSQL + Redis).

    PYTHONPATH=. python bench/follow_up.py             # 100,000 pended requests, 5 partners
    PYTHONPATH=. python bench/follow_up.py --quick     # CI: 250 requests, in seconds
    PYTHONPATH=. python bench/follow_up.py --requests 5000 --rate 5 --workers 2

A scratch database gets a clinic, a patient and 5 payers, each with a FHIR PAS trading partner
at its own simulated PAS payer (served over loopback HTTP by this process; it answers every
inquiry "still pended") and a rate limit of `--rate` calls a second (`--burst`, concurrency
`--concurrency`). `--requests` pended requests are spread over the partners (generated in SQL),
all due at once: the hardest case, a whole backlog arriving together. `--workers` real
`carebridge worker` processes then poll them, the limits shared through Redis, while this
process sends `carebridge.poll_due` every second as beat does.

Measured: the cycle's duration (first due -> every request asked once), polls/s, p50/p99 lag
between a request's `next_poll_at` and its poll, and the workers' resident memory from when a
tenth is polled (the workers are warm) to the end. The bound is the partners' combined rate
limit; printed: polls/s / bound (target >= 0.9), p99 lag / polling interval (target < 1) and
memory growth (target: flat).
Targets are reported, not errors. Exit 1 if a request was polled twice or not at all.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import uvicorn  # noqa: E402

from adapters.simulator.pas_payer import PasPayerSimulator  # noqa: E402
from bench._common import (  # noqa: E402
    BenchError,
    asyncpg_dsn,
    free_port,
    main_against_database,
    percentile,
    seed_user,
)
from db.engine import create_engine  # noqa: E402
from db.uow import Database  # noqa: E402
from domain.clock import SystemClock  # noqa: E402
from domain.identity import service as identity  # noqa: E402
from domain.identity.models import OrganizationKind, Role  # noqa: E402
from domain.partners import service as partners  # noqa: E402
from domain.partners.models import Protocol  # noqa: E402
from domain.people import service as people  # noqa: E402
from domain.people.rules import PersonData  # noqa: E402
from settings import Settings  # noqa: E402

PARTNERS = 5
REDIS_URL = os.environ.get("CAREBRIDGE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
INTERVAL_SECONDS = 3600.0  # the polling interval the lag is held against (the max interval)
CARE_BRIDGE = Path(sys.executable).with_name("carebridge")


@contextlib.asynccontextmanager
async def simulated_payers(count: int) -> AsyncIterator[list[str]]:
    """`count` simulated PAS payers under uvicorn on loopback; their FHIR base URLs."""
    servers, tasks, urls = [], [], []
    for _ in range(count):
        port = free_port()
        app = PasPayerSimulator(pend_unknown=True).app()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
        server = uvicorn.Server(config)
        servers.append(server)
        tasks.append(asyncio.create_task(server.serve()))
        urls.append(f"http://127.0.0.1:{port}/fhir")
    deadline = time.monotonic() + 30
    while not all(s.started for s in servers):
        if time.monotonic() > deadline:
            raise BenchError("the simulated payers did not start")
        await asyncio.sleep(0.05)
    try:
        yield urls
    finally:
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)


async def seed(url: str, urls: list[str], args: argparse.Namespace) -> None:
    settings = Settings(database_url=url, environment="test", log_json=False)
    database = Database(create_engine(settings), clock=SystemClock(), bus=None)
    olive = await seed_user(
        database,
        organization="Bench Clinic",
        kind=OrganizationKind.PROVIDER,
        roles={Role.AUTH_COORDINATOR},
    )
    factory = database.uow_factory("bench-seed")
    for index, endpoint in enumerate(urls):
        async with factory() as uow:
            payer = await identity.create_organization(
                uow=uow,
                name=f"Bench Health Plan {index + 1}",
                kind=OrganizationKind.PAYER,
                payer_id=f"BENCH{index + 1}",
            )
            await uow.commit()
        async with factory() as uow:
            await partners.create_trading_partner(
                uow=uow,
                payer_organization_id=payer.id,
                name=f"Bench Health Plan {index + 1} PAS",
                protocol=Protocol.FHIR_PAS,
                endpoint_url=endpoint,
                options={
                    "rate_per_second": args.rate,
                    "burst": args.burst,
                    "max_concurrency": args.concurrency,
                    "timeout_seconds": 30,
                },
            )
            await uow.commit()
    async with factory() as uow:
        patient = await people.create_person(
            uow=uow,
            actor=olive,
            data=PersonData(given_name="Pat", family_name="Bench", birth_date=date(1980, 1, 1)),
        )
    await database.dispose()
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        # One PENDED request with one line per row, round-robin over the partners, not yet due.
        await connection.execute(
            """
            WITH p AS (
              SELECT tp.id AS partner_id, tp.payer_organization_id AS payer_id,
                     row_number() OVER (ORDER BY tp.id) - 1 AS k
              FROM trading_partners tp
            )
            INSERT INTO authorization_requests (
              id, number, authorizer_kind, authorizer_organization_id,
              requesting_organization_id, patient_id, priority, category, status, poll_count,
              created_by_id, version, created_at, updated_at, submitted_at, received_at,
              decision_due_at, trading_partner_id, next_poll_at)
            SELECT gen_random_uuid(), 'BENCH-' || lpad(i::text, 7, '0'), 'PAYER', p.payer_id,
                   $1, $2, 'STANDARD', 'OUTPATIENT_SERVICE', 'PENDED', 0, $3, 1, now(), now(),
                   now(), now(), now() + interval '30 days', p.partner_id, NULL
            FROM generate_series(1, $4) AS i JOIN p ON p.k = i % $5
            """,
            olive.organization_id,
            patient.id,
            olive.subject_id,
            args.requests,
            PARTNERS,
        )
        await connection.execute(
            """
            INSERT INTO authorization_lines (id, request_id, sequence, code_system, service_code,
              modifiers, quantity, unit_of_measure, reason_codes, currency, used_quantity)
            SELECT gen_random_uuid(), id, 1, 'CPT', '72148', '[]', 1, 'UNIT', '[]', 'USD', 0
            FROM authorization_requests
            """
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (the worker's pool), in KiB."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for one in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def start_workers(url: str, args: argparse.Namespace, log: Path) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CAREBRIDGE_DATABASE_URL": url,
        "CAREBRIDGE_REDIS_URL": REDIS_URL,
        "CAREBRIDGE_OUTBOX_DISPATCHER": "false",
        "CAREBRIDGE_ENVIRONMENT": "test",
        "CAREBRIDGE_LOG_JSON": "false",
        "CAREBRIDGE_LOG_LEVEL": "WARNING",
        # One cycle: after its poll a request waits a full interval.
        "CAREBRIDGE_POLL_INITIAL_SECONDS": str(INTERVAL_SECONDS),
        "CAREBRIDGE_POLL_MAX_INTERVAL_SECONDS": str(INTERVAL_SECONDS),
    }
    with log.open("ab") as out:
        return [
            subprocess.Popen(
                [str(CARE_BRIDGE), "worker", "--concurrency", "1"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            for _ in range(args.workers)
        ]


async def bench(url: str, args: argparse.Namespace) -> int:
    from redis.asyncio import Redis

    from tasks.app import create_celery

    redis = Redis.from_url(REDIS_URL)
    await redis.flushdb()  # the bench's own db: the queue and the limiters' state
    await redis.aclose()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"follow_up_bench_{uuid.uuid4().hex[:8]}.log"
    bound = PARTNERS * args.rate
    print(
        f"{args.requests:,} pended requests, {PARTNERS} partners at {args.rate:g}/s each "
        f"(burst {args.burst}, {args.concurrency} at once): bound {bound:g} polls/s; "
        f"{args.workers} worker process(es)"
    )
    async with simulated_payers(PARTNERS) as urls:
        await seed(url, urls, args)
        workers = start_workers(url, args, log)
        celery = create_celery(Settings(database_url=url, redis_url=REDIS_URL))
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await asyncio.sleep(args.warmup)  # the workers import and connect
            if any(w.poll() is not None for w in workers):
                raise BenchError(f"a worker exited; see {log}")
            start = datetime.now(UTC)
            await connection.execute("UPDATE authorization_requests SET next_poll_at = $1", start)
            began = time.monotonic()
            memory: list[int] = []  # sampled once the workers are warm (a tenth polled)
            deadline = began + args.timeout
            polled = 0
            while True:
                await asyncio.to_thread(celery.send_task, "carebridge.poll_due")
                await asyncio.sleep(1.0)
                polled = await connection.fetchval(
                    "SELECT count(*) FROM authorization_requests WHERE poll_count >= 1"
                )
                if polled >= args.requests / 10:
                    memory.append(sum(rss_kib(w.pid) for w in workers))
                if polled >= args.requests:
                    break
                if time.monotonic() > deadline:
                    raise BenchError(f"only {polled:,} of {args.requests:,} polled in time")
            rows = await connection.fetch(
                """
                SELECT request_id, count(*) AS polls, min(started_at) AS first
                FROM exchanges WHERE operation = 'INQUIRE' GROUP BY request_id
                """
            )
            outcomes = await connection.fetch(
                "SELECT outcome, count(*) AS n FROM exchanges GROUP BY outcome"
            )
        finally:
            await connection.close()
            for worker in workers:
                with contextlib.suppress(OSError):
                    os.killpg(worker.pid, 15)
            for worker in workers:
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, 9)
                    worker.wait()
    twice = sum(1 for r in rows if r["polls"] != 1)
    if len(rows) != args.requests or twice:
        raise BenchError(f"{len(rows):,} requests polled, {twice:,} of them more than once")
    last = max(r["first"] for r in rows)
    duration = (last - start).total_seconds()
    lags = sorted((r["first"] - start).total_seconds() for r in rows)
    rate = args.requests / duration if duration > 0 else float("inf")
    p50, p99 = percentile(lags, 50), percentile(lags, 99)
    grown = (memory[-1] - memory[0]) / memory[0] if memory and memory[0] else 0.0
    print(f"exchanges by outcome: {', '.join(f'{r[0]} {r[1]:,}' for r in outcomes)}")
    print(f"cycle {duration:.1f} s, {rate:.1f} polls/s; lag p50 {p50:.1f} s, p99 {p99:.1f} s")
    middle = memory[len(memory) // 2]
    print(
        f"worker memory (all processes) {memory[0] / 1024:.0f} MiB once warm (a tenth polled), "
        f"{middle / 1024:.0f} MiB halfway, {memory[-1] / 1024:.0f} MiB at the end "
        f"({grown:+.1%}), peak {max(memory) / 1024:.0f} MiB"
    )
    print(f"ratio polls/s / bound = {rate / bound:.2f} (target >= 0.9)")
    print(f"ratio p99 lag / polling interval = {p99 / INTERVAL_SECONDS:.3f} (target < 1)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny data for CI")
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--rate", type=float, default=None, help="calls/s per partner")
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8, help="calls at once per partner")
    parser.add_argument("--workers", type=int, default=2, help="carebridge worker processes")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds to let workers start")
    parser.add_argument("--timeout", type=float, default=4 * 3600.0)
    parser.add_argument("--database-url", help="an existing database (default: a scratch one)")
    args = parser.parse_args(argv)
    args.requests = args.requests or (250 if args.quick else 100_000)
    args.rate = args.rate or (10.0 if args.quick else 40.0)
    banner = "follow-up poll cycle under per-partner rate limits (PostgreSQL + Redis)"
    return main_against_database(banner, args.database_url, lambda url: bench(url, args))


if __name__ == "__main__":
    raise SystemExit(main())
