"""A provider payment run over a period of approved disbursements against a plain SQL
aggregate of the same rows (PostgreSQL).

    PYTHONPATH=. python bench/payments.py            # 100,000 disbursements (and 10,000)
    PYTHONPATH=. python bench/payments.py --quick    # CI: 5,000 (and 500), in seconds

Two agencies are seeded in a scratch database, a small one (a tenth of the rows) and a large
one, each with its providers, approved authorizations, schedules, one session per enrollment
and one disbursement per enrollment in February 2026 (generated in SQL) as attendance leaves
it: the approval check at attendance held a sample of 1% for a person (PENDING_APPROVAL) and
approved the others, payable from the agency's first run (`payable_seq` 1). For each agency
the baseline is one hand-written aggregate on asyncpg of what the run pays (count, units and
amount per provider of the same rows, median of 3); then `run_provider_payments` runs once
through the domain service (payments, lines, the providers' watermarks, history), and is
checked to pay exactly the aggregate and to report the held ones; a second run of the period
must pay nothing. Printed: time, rows/s, the ratio aggregate time / run time (target >= 0.3,
reported, not an error), the run's peak Python allocation (tracemalloc) for both sizes (the
run is set-based, so memory stays flat in the number of rows), and where the run's database
time went. Exit 1 on a mismatch.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import tracemalloc
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from bench._common import (  # noqa: E402
    BenchError,
    analyze,
    asyncpg_dsn,
    database_name,
    main_against_database,
    seed_user,
)
from db.engine import create_engine  # noqa: E402
from db.uow import Database  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from domain.delivery import service as delivery  # noqa: E402
from domain.identity.models import OrganizationKind, Role  # noqa: E402
from settings import Settings  # noqa: E402

PROVIDERS = 10
SHARE = Decimal("0.01")
PERIOD = (date(2026, 2, 1), date(2026, 2, 28))
NOW = datetime(2026, 3, 5, 12, tzinfo=UTC)
HELD_BUCKETS = int(SHARE * 10_000)  # as `rules.manual_approval_buckets`
BASELINE = """
SELECT provider_id, count(*), sum(disbursed_quantity), sum(amount)
FROM disbursements
WHERE agency_organization_id = $1 AND service_date <= $2 AND status = 'APPROVED'
  AND amount > 0
GROUP BY provider_id
"""

REFERENCE = """
INSERT INTO organizations (id, name, kind, active, created_at, updated_at)
  VALUES (:org, :org_name, 'PROVIDER', true, now(), now());
INSERT INTO providers (id, organization_id, kind, name, accepting_referrals, current_load,
    network_status, created_at, updated_at)
  VALUES (:provider, :org, 'ORGANIZATION', :org_name, true, 0, 'IN_NETWORK', now(), now());
INSERT INTO authorization_requests (id, number, authorizer_kind, authorizer_organization_id,
    requesting_organization_id, requesting_provider_id, servicing_provider_id, patient_id,
    priority, category, status, created_by_id, version, created_at, updated_at)
  VALUES (:request, :number, 'AGENCY', :agency, :org, :provider, :provider, :person,
    'STANDARD', 'REFERRAL', 'APPROVED', :user, 1, now(), now());
INSERT INTO authorization_lines (id, request_id, sequence, code_system, benefit_id, modifiers,
    quantity, unit_of_measure, review_action, approved_quantity, reason_codes, rate, currency,
    used_quantity)
  VALUES (:line, :request, 1, 'BENEFIT', :benefit, '[]', :rows, 'SESSION', 'CERTIFIED', :rows,
    '[]', 80, 'USD', 0);
INSERT INTO benefit_schedules (id, provider_id, provider_organization_id, benefit_id, name,
    default_quantity, unit_of_measure, max_participants, recurrence, first_session_start,
    first_session_end, created_by_id, created_at, updated_at)
  VALUES (:schedule, :provider, :org, :benefit, 'Bench group', 1, 'SESSION', 1, 'DAILY',
    '2026-02-01T15:00:00Z', '2026-02-01T16:00:00Z', :user, now(), now());
INSERT INTO benefit_sessions (id, schedule_id, provider_organization_id, sequence, starts_at,
    ends_at, status, enrolled_count, attendee_count, absentee_count, created_at, updated_at)
  SELECT gen_random_uuid(), :schedule, :org, g,
    timestamptz '2026-02-01T15:00:00Z' + (g % 28) * interval '1 day',
    timestamptz '2026-02-01T16:00:00Z' + (g % 28) * interval '1 day',
    'COMPLETED', 1, 1, 0, now(), now()
  FROM generate_series(1, :rows) AS g;
INSERT INTO session_enrollments (id, session_id, authorization_line_id, person_id, attendance,
    attended_units, recorded_at, recorded_by_id, enrolled_by_id, created_at, updated_at)
  SELECT gen_random_uuid(), s.id, :line, :person, 'PRESENT', 1, now(), :user, :user, now(), now()
  FROM benefit_sessions s WHERE s.schedule_id = :schedule;
INSERT INTO disbursements (id, enrollment_id, authorization_line_id, agency_organization_id,
    provider_organization_id, provider_id, benefit_id, person_id, session_id, service_date,
    unit_of_measure, planned_quantity, disbursed_quantity, rate, rate_source, amount, currency,
    status, approval_bucket, payable_seq, created_at, updated_at)
  SELECT gen_random_uuid(), b.enrollment_id, :line, :agency, :org, :provider, :benefit, :person,
    b.session_id, b.service_date, 'SESSION', 1,
    CASE WHEN b.sequence % 4 = 0 THEN 0.5 ELSE 1 END, 80, 'AUTHORIZATION',
    CASE WHEN b.sequence % 4 = 0 THEN 40 ELSE 80 END, 'USD',
    CASE WHEN b.bucket < :held THEN 'PENDING_APPROVAL' ELSE 'APPROVED' END, b.bucket,
    CASE WHEN b.bucket < :held THEN NULL ELSE 1 END, now(), now()
  FROM (
    SELECT e.id AS enrollment_id, s.id AS session_id, s.sequence,
      (s.starts_at AT TIME ZONE 'UTC')::date AS service_date,
      floor(random() * 10000)::int AS bucket
    FROM session_enrollments e JOIN benefit_sessions s ON s.id = e.session_id
    WHERE s.schedule_id = :schedule
  ) AS b
"""


@dataclass
class Agency:
    name: str
    rows: int
    id: uuid.UUID
    principal: Any


async def seed_agency(database: Database, name: str, rows: int) -> Agency:
    """An agency, its benefit and constituent, and PROVIDERS providers sharing `rows`."""
    principal = await seed_user(
        database, organization=name, kind=OrganizationKind.AGENCY, roles={Role.CASE_SUPERVISOR}
    )
    agency, user = principal.organization_id, principal.subject_id
    benefit, person = uuid.uuid4(), uuid.uuid4()
    async with database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO benefits (id, organization_id, code, name, benefit_type, category,"
                " unit_of_measure, offering_rate, currency, active, created_at, updated_at)"
                " VALUES (:id, :agency, 'BENCH', 'Bench counselling', 'Counselling', 'SERVICES',"
                " 'SESSION', 85, 'USD', true, now(), now())"
            ),
            {"id": benefit, "agency": agency},
        )
        await conn.execute(
            text(
                "INSERT INTO persons (id, given_name, family_name, sex,"
                " registered_by_organization_id, created_at, updated_at)"
                " VALUES (:id, 'Bench', 'Person', 'UNKNOWN', :agency, now(), now())"
            ),
            {"id": person, "agency": agency},
        )
        for index in range(PROVIDERS):
            share = rows // PROVIDERS + (1 if index < rows % PROVIDERS else 0)
            values = {
                "org": uuid.uuid4(),
                "org_name": f"{name} provider {index}",
                "provider": uuid.uuid4(),
                "request": uuid.uuid4(),
                "number": f"AR-BENCH-{uuid.uuid4().hex[:12]}",
                "line": uuid.uuid4(),
                "schedule": uuid.uuid4(),
                "agency": agency,
                "person": person,
                "benefit": benefit,
                "user": user,
                "rows": share,
                "held": HELD_BUCKETS,
            }
            for statement in REFERENCE.split(";\n"):
                await conn.execute(text(statement), values)
    return Agency(name, rows, agency, principal)


async def baseline(pool: asyncpg.Pool, agency: Agency, repeat: int = 3) -> tuple[float, list[Any]]:
    times, result = [], []
    for _ in range(repeat):
        async with pool.acquire() as conn:
            started = time.perf_counter()
            result = await conn.fetch(BASELINE, agency.id, PERIOD[1])
            times.append(time.perf_counter() - started)
    return statistics.median(times), result


@contextlib.contextmanager
def statement_times(database: Database) -> Iterator[dict[str, float]]:
    """Seconds spent in the database per kind of statement ("UPDATE disbursements", ...)."""
    spent: dict[str, float] = defaultdict(float)
    engine = database.engine.sync_engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        words = statement.split()
        verb = words[0].upper()
        table = words[2] if verb in ("INSERT", "DELETE") else words[1] if verb == "UPDATE" else ""
        spent[f"{verb} {table}".strip()] += time.perf_counter() - conn.info["bench_started"]

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield spent
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


async def payment_run(
    database: Database, agency: Agency
) -> tuple[float, int, Any, dict[str, float]]:
    """The run through the domain service, timed, with its peak Python allocation and where
    its database time went."""
    factory = database.uow_factory("bench-payments")
    with statement_times(database) as spent:
        tracemalloc.start()
        started = time.perf_counter()
        async with factory() as uow:
            result = await delivery.run_provider_payments(
                uow=uow,
                actor=agency.principal,
                period_start=PERIOD[0],
                period_end=PERIOD[1],
            )
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak, result, dict(spent)


async def held_count(pool: asyncpg.Pool, agency: Agency) -> int:
    async with pool.acquire() as conn:
        value = await conn.fetchval(
            "SELECT count(*) FROM disbursements"
            " WHERE agency_organization_id = $1 AND status = 'PENDING_APPROVAL'",
            agency.id,
        )
    return int(value)


async def rerun(database: Database, agency: Agency) -> tuple[float, Any]:
    factory = database.uow_factory("bench-payments")
    started = time.perf_counter()
    async with factory() as uow:
        result = await delivery.run_provider_payments(
            uow=uow, actor=agency.principal, period_start=PERIOD[0], period_end=PERIOD[1]
        )
    return time.perf_counter() - started, result


async def measure(database: Database, pool: asyncpg.Pool, agency: Agency) -> dict[str, Any]:
    base_time, rows = await baseline(pool, agency)
    counted = sum(int(r[1]) for r in rows)
    expected = sum((Decimal(r[3]) for r in rows), Decimal(0))
    if counted + await held_count(pool, agency) != agency.rows:
        raise BenchError(f"{agency.name}: the aggregate counted {counted} of {agency.rows}")
    run_time, peak, result, spent = await payment_run(database, agency)
    paid = sum((p.total_amount for p in result.payments), Decimal(0))
    held = await held_count(pool, agency)
    if (
        paid != expected
        or result.run.disbursements_paid != counted
        or result.run.disbursements_held != held
        or len(result.payments) != PROVIDERS
    ):
        raise BenchError(
            f"{agency.name}: paid {paid} for {result.run.disbursements_paid} != aggregate"
            f" {expected} for {counted}, held {result.run.disbursements_held} != {held}"
            f" ({len(result.payments)} payments for {PROVIDERS} providers)"
        )
    again_time, again = await rerun(database, agency)
    if again.payments or again.run.disbursements_paid:
        raise BenchError(f"{agency.name}: a second run of the period paid again")
    return {
        "rows": agency.rows,
        "base": base_time,
        "run": run_time,
        "peak": peak,
        "paid": result.run.disbursements_paid,
        "held": result.run.disbursements_held,
        "amount": paid,
        "spent": spent,
        "again": again_time,
    }


def report(figures: dict[str, Any]) -> None:
    rows, base, took = figures["rows"], figures["base"], figures["run"]
    print(
        f"{rows:>8,} rows | aggregate {base * 1000:8.1f} ms ({rows / base:>12,.0f} rows/s)"
        f" | run {took * 1000:8.1f} ms ({rows / took:>10,.0f} rows/s)"
        f" | ratio {base / took:5.3f} | peak {figures['peak'] / 1024:8.0f} KiB"
        f" | paid {figures['paid']:,} held {figures['held']:,} = {figures['amount']}"
    )
    top = sorted(figures["spent"].items(), key=lambda kv: -kv[1])[:4]
    in_database = sum(figures["spent"].values())
    print(
        f"         in the database {in_database * 1000:.0f} ms ("
        + ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in top)
        + f", ...), outside it {(took - in_database) * 1000:.0f} ms"
    )
    print(f"         a second run of the period: {figures['again'] * 1000:.0f} ms, pays nothing")


async def bench(args: argparse.Namespace, url: str) -> int:
    settings = Settings(database_url=url, log_json=False, log_level="WARNING")
    database = Database(create_engine(settings), clock=FixedClock(NOW), bus=None)
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=1, max_size=2)
    try:
        small = await seed_agency(database, "Small Agency", args.rows // 10)
        large = await seed_agency(database, "Large Agency", args.rows)
        await analyze(database.engine)
        async with pool.acquire() as conn:
            version = await conn.fetchval("SHOW server_version")
        print(
            f"data: {small.rows + large.rows:,} recorded disbursements over {PROVIDERS} providers"
            f" per agency, database {database_name(url)} (PostgreSQL {str(version).split()[0]});"
            f" approval sample at attendance {SHARE}"
        )
        print("baseline: one GROUP BY on asyncpg of the rows the run pays (median of 3)")
        print("run: delivery.run_provider_payments in one unit of work (payments, lines, marks)")
        results = [await measure(database, pool, agency) for agency in (small, large)]
        for figures in results:
            report(figures)
        growth = results[1]["peak"] / max(results[0]["peak"], 1)
        print(
            f"memory: peak allocation x{growth:.2f} for x{large.rows / max(small.rows, 1):.0f}"
            f" rows ({'flat' if growth < 2 else 'NOT flat'})"
        )
        ratio = results[1]["base"] / results[1]["run"]
        print(
            f"ratio at {large.rows:,} rows: {ratio:.3f} (target >= 0.3"
            f"{'' if ratio >= 0.3 else ', below target'})"
        )
        return 0
    finally:
        await pool.close()
        await database.dispose()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: 5,000 disbursements")
    parser.add_argument("--rows", type=int, help="disbursements of the large agency (100000)")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database to migrate and add the generated data to (kept);"
        " default: a scratch database carebridge_bench_<random> on 127.0.0.1, dropped after",
    )
    args = parser.parse_args(argv)
    args.rows = args.rows or (5_000 if args.quick else 100_000)
    if args.rows < 10 * PROVIDERS:
        parser.error(f"--rows must be at least {10 * PROVIDERS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    return main_against_database(
        f"payments: a payment run vs a plain SQL aggregate; {args.rows:,} disbursements"
        + (", --quick" if args.quick else ""),
        args.database_url,
        lambda url: bench(args, url),
    )


if __name__ == "__main__":
    sys.exit(main())
