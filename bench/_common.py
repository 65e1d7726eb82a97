"""Shared bench helpers: scratch databases, seeding, the app in-process or under uvicorn,
timed sequential and concurrent runs, percentiles, statement and transaction counts, GC
tallies and a py-spy profile summary.

Not a benchmark itself (`make bench-quick` skips files starting with `_`). Benches run from the
repository root with PYTHONPATH set to it, as CI does; each puts the root on sys.path itself too.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import math
import os
import re
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get(
    "CAREBRIDGE_BENCH_ADMIN_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
T = TypeVar("T")


class BenchError(Exception):
    """A failure the bench reports in one line and exits non-zero for (mismatch, bad answer)."""


# --- running -------------------------------------------------------------------------------


def handle_sigterm() -> None:
    """SIGTERM (CI timeouts, `kill`) raises KeyboardInterrupt, so cleanup such as dropping the
    scratch database runs; inside `run` it cancels the bench's main task instead."""
    signal.signal(signal.SIGTERM, _sigterm)


def _sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run(main: Callable[[], Coroutine[Any, Any, T]], *, uvloop: bool = True) -> tuple[T, str]:
    """Run `main()` on a fresh event loop (uvloop when installed and wanted); returns its
    result and the loop's name. SIGTERM cancels `main` (KeyboardInterrupt here); a signal
    raising an exception at an arbitrary point of library code could be swallowed."""
    factory = None
    name = "asyncio"
    if uvloop:
        try:
            import uvloop as _uvloop
        except ImportError:
            pass
        else:
            factory, name = _uvloop.new_event_loop, "uvloop"

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        loop.add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            return await main()
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            handle_sigterm()

    handle_sigterm()
    try:
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(guarded()), name
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


# --- scratch PostgreSQL database ----------------------------------------------------------


def _admin_engine(admin_url: str) -> AsyncEngine:
    return create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


async def _admin(admin_url: str, statement: str) -> None:
    engine = _admin_engine(admin_url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.contextmanager
def scratch_database(prefix: str = "carebridge_bench", admin_url: str = ADMIN_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; its async URL. Dropped on the way out
    (also after an error or Ctrl-C), with FORCE so connections left open cannot keep it."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(admin_url).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextlib.contextmanager
def database_for(url: str | None, prefix: str = "carebridge_bench") -> Iterator[str]:
    """The given database (kept), or a scratch one (dropped)."""
    if url:
        yield url
    else:
        with scratch_database(prefix) as scratch:
            yield scratch


def asyncpg_dsn(url: str) -> str:
    """A SQLAlchemy URL as a plain libpq/asyncpg DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    return make_url(url).database or "?"


def migrate(url: str) -> None:
    """Upgrade to head (synchronous: call before the bench's event loop starts, or in a thread)."""
    from db.migrate import upgrade

    upgrade(url)


async def analyze(engine: AsyncEngine) -> None:
    """Fresh planner statistics after a bulk load (autovacuum may not have run yet)."""
    async with engine.begin() as conn:  # committed: statistics of a rolled-back ANALYZE vanish
        await conn.execute(text("ANALYZE"))


async def seed_user(
    database: Any, *, organization: str, kind: Any, roles: set[Any], email: str | None = None
) -> Any:
    """An organisation with one active user; that user's Principal (for mint_token)."""
    from domain.identity import service as identity

    factory = database.uow_factory("bench-seed")
    async with factory() as uow:
        org = await identity.create_organization(uow=uow, name=organization, kind=kind)
        await uow.commit()
        org_id = org.id
    async with factory() as uow:
        user = await identity.create_user(
            uow=uow,
            organization_id=org_id,
            email=email or f"bench-{uuid.uuid4().hex[:10]}@example.test",
            display_name="Bench User",
            roles=set(roles),
        )
        await uow.commit()
        return await identity.principal_for_user(uow=uow, user_id=user.id)


# --- the app -------------------------------------------------------------------------------


@dataclasses.dataclass
class AsgiResponse:
    status_code: int
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class DirectAsgiClient:
    """Calls the ASGI app as a server would (scope, receive, send), with nothing else in the
    way: the full app runs (middleware, routing, the GraphQL view), but no HTTP client library
    does work that only the measured side would pay for (httpx costs ~0.8 ms a request)."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def get(self, path: str) -> AsgiResponse:
        return await self._call("GET", path, b"", {})

    async def post(self, path: str, *, content: bytes, headers: dict[str, str]) -> AsgiResponse:
        return await self._call("POST", path, content, headers)

    async def _call(
        self, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> AsgiResponse:
        raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        raw_headers.append((b"content-length", str(len(body)).encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("carebridge.bench", 80),
        }
        delivered = False
        disconnected = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        status = 0
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self._app(scope, receive, send)
        finally:
            disconnected.set()
        return AsgiResponse(status, b"".join(chunks))


@contextlib.asynccontextmanager
async def asgi_client(app: Any) -> AsyncIterator[DirectAsgiClient]:
    """The app in this process and event loop, through its lifespan: no sockets."""
    from asgi_lifespan import LifespanManager

    async with LifespanManager(app, startup_timeout=60) as manager:
        yield DirectAsgiClient(manager.app)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


UVICORN_SCRIPT = """
import sys, uvicorn
from server import create_app
from settings import Settings
settings = Settings(database_url=sys.argv[1], log_json=False, log_level="WARNING")
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]),
            log_level="warning", access_log=False, ws="websockets-sansio")
"""


@contextlib.asynccontextmanager
async def uvicorn_client(
    database_url: str, concurrency: int = 100
) -> AsyncIterator[tuple[httpx.AsyncClient, int]]:
    """create_app under uvicorn (1 worker, its default loop, access log off) in a subprocess
    on a free loopback port; an HTTP/1.1 keep-alive client for it, and the server's pid."""
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", UVICORN_SCRIPT, database_url, str(port), cwd=ROOT, env=env
    )
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
        ) as client:
            deadline = time.monotonic() + 60
            while True:
                if process.returncode is not None:
                    raise BenchError(f"uvicorn exited with code {process.returncode}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise BenchError("uvicorn did not become ready within 60 s")
                await asyncio.sleep(0.1)
            yield client, process.pid
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass
class SqlCount:
    statements: list[str] = field(default_factory=list)
    checkouts: int = 0


@contextlib.contextmanager
def count_sql(engine: AsyncEngine) -> Iterator[SqlCount]:
    """Statements sent (before_cursor_execute) and pool checkouts made inside the block."""
    found = SqlCount()
    sync_engine = engine.sync_engine

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        found.statements.append(statement)

    def on_checkout(*args: Any) -> None:
        found.checkouts += 1

    event.listen(sync_engine, "before_cursor_execute", on_execute)
    event.listen(sync_engine.pool, "checkout", on_checkout)
    try:
        yield found
    finally:
        event.remove(sync_engine, "before_cursor_execute", on_execute)
        event.remove(sync_engine.pool, "checkout", on_checkout)


async def transactions(url: str, admin_url: str = ADMIN_URL) -> int:
    """Transactions committed + rolled back in `url`'s database so far (pg_stat_database, read
    from the admin database so the reading itself is not counted). Backends report counts up
    to 10 s late unless they exit: dispose of the pools that used the database first."""
    import asyncpg

    conn = await asyncpg.connect(asyncpg_dsn(admin_url))
    try:
        last = -1
        for _ in range(20):
            await asyncio.sleep(0.3)
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            now = int(
                await conn.fetchval(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
                    database_name(url),
                )
            )
            if now == last:
                return now
            last = now
        return last
    finally:
        await conn.close()


async def transactions_per_call(
    url: str, engine: AsyncEngine, call: Callable[[], Awaitable[object]], calls: int = 20
) -> float:
    """Database transactions per `call()` (which uses `engine` only): `calls` calls between
    two readings, the engine's pooled connections closed before each so they report."""
    await engine.dispose()
    before = await transactions(url)
    for _ in range(calls):
        await call()
    await engine.dispose()
    return (await transactions(url) - before) / calls


# --- timing --------------------------------------------------------------------------------


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks; `q` in [0, 100]."""
    if not sorted_values:
        return math.nan
    position = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (position - low)


@dataclass
class RunResult:
    requests: int
    elapsed: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.elapsed if self.elapsed > 0 else math.nan

    def ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000.0


Request = Callable[[int], Awaitable[object]]


async def run_load(request: Request, total: int, concurrency: int = 1, start: int = 0) -> RunResult:
    """`total` requests from `concurrency` clients, each taking the next request number
    (start, start + 1, ...) until all are taken. Any exception fails the whole run."""
    latencies: list[float] = []
    numbers = iter(range(start, start + total))
    clock = time.perf_counter

    async def client() -> None:
        for number in numbers:
            began = clock()
            await request(number)
            latencies.append(clock() - began)

    began = clock()
    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, min(concurrency, total))):
            group.create_task(client())
    return RunResult(requests=total, elapsed=clock() - began, latencies=latencies)


async def best_of(runs: int, measure: Callable[[], Awaitable[RunResult]]) -> RunResult:
    """The median run by throughput (of `runs` runs)."""
    return median_run([await measure() for _ in range(max(1, runs))])


def median_run(results: list[RunResult]) -> RunResult:
    """The median of these runs by throughput."""
    ordered = sorted(results, key=lambda r: r.rps)
    return ordered[len(ordered) // 2]


TABLE_HEADER = f"{'mode':<16}{'side':<10}{'requests':>9}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}"


def table_row(mode: str, side: str, result: RunResult) -> str:
    return (
        f"{mode:<16}{side:<10}{result.requests:>9}{result.rps:>10.1f}"
        f"{result.ms(50):>9.2f}{result.ms(99):>9.2f}"
    )


@dataclass
class GcTally:
    """Garbage collections seen in this process, by generation: count and seconds."""

    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    seconds: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def summary(self) -> str:
        return ", ".join(
            f"gen{g} {self.counts[g]} x {1000 * self.seconds[g] / max(self.counts[g], 1):.2f} ms"
            for g in range(3)
        )

    @property
    def total(self) -> float:
        return sum(self.seconds)

    def add(self, other: GcTally) -> None:
        for generation in range(3):
            self.counts[generation] += other.counts[generation]
            self.seconds[generation] += other.seconds[generation]


@contextlib.contextmanager
def gc_watch() -> Iterator[GcTally]:
    """Counts and times the cyclic garbage collector's runs inside the block."""
    tally = GcTally()
    started: list[float] = [0.0]

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            generation = info["generation"]
            tally.counts[generation] += 1
            tally.seconds[generation] += time.perf_counter() - started[0]

    gc.callbacks.append(callback)
    try:
        yield tally
    finally:
        gc.callbacks.remove(callback)


def json_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two decoded JSON values differ (floats to 1e-9 relative), or None."""
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        if numbers and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            return None
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            return f"{path}: keys {list(a)} != {list(b)}"
        for key in a:
            found = json_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = json_difference(x, y, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


# --- profiling ---------------------------------------------------------------------------

PROFILE_SCOPE = re.compile(
    r"^(schema|resolvers|domain|db|adapters|server\.py|settings\.py)|"
    r"^(strawberry|sqlalchemy|graphql|starlette|asyncpg)/"
)
# Pass-through frames (ASGI middleware and server) that only repeat the total.
PROFILE_SKIP = re.compile(
    r"^starlette/|^strawberry/asgi/|^adapters/(observability|http_limits)\.py|^schema/view\.py"
)
PROFILE_OURS = re.compile(r"^(schema|resolvers|domain|db|adapters)/|^(server|settings)\.py")
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>.*?)(?::\d+)?\)$")


def py_spy_path() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


async def py_spy_profile(
    pid: int, work: Callable[[], Awaitable[object]], requests: int, limit: int = 15
) -> str:
    """Sample process `pid` with py-spy while `work` runs (the server process, so the client
    is not in the profile); the top functions by inclusive and own samples. Needs py-spy
    (`pip install py-spy`) and ptrace rights; says what is missing instead of failing."""
    exe = py_spy_path()
    if exe is None:
        return "py-spy not installed (pip install py-spy): no profile"
    rate = 200
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        spy = await asyncio.create_subprocess_exec(
            *(exe, "record", "--pid", str(pid), "--function", "--rate", str(rate)),
            *("--format", "raw", "--output", str(out)),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        await asyncio.sleep(1.0)  # attach
        began = time.perf_counter()
        await work()
        wall = time.perf_counter() - began
        if spy.returncode is None:
            spy.send_signal(signal.SIGINT)
        _, err = await spy.communicate()
        if not out.exists():
            return f"py-spy recorded nothing: {err.decode(errors='replace').strip()[-500:]}"
        return summarize_stacks(out.read_text(), rate, requests, wall, limit)


def _frame(raw: str) -> tuple[str, str]:
    found = _FRAME.match(raw)
    if found is None:
        return raw, ""
    where = found["file"].replace(str(ROOT) + "/", "")
    return found["function"], re.sub(r".*/(site|dist)-packages/", "", where)


def summarize_stacks(raw: str, rate: int, requests: int, wall: float, limit: int = 15) -> str:
    """py-spy's raw (collapsed) stacks as rankings: inclusive (each function counted once per
    sample) among ours and the libraries we tune, then ours only, and own time. Garbage
    collection shows as own time of whichever frame allocated when it started."""
    inclusive: Counter[tuple[str, str]] = Counter()
    own: Counter[tuple[str, str]] = Counter()
    samples = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        samples += n
        frames = [_frame(f) for f in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += n
        own[frames[-1]] += n
    if not samples:
        return "py-spy took no samples"
    per = 1000.0 / rate / max(requests, 1)
    busy = samples / rate
    lines = [
        f"py-spy: {samples} samples at {rate} Hz over {wall:.1f} s: server busy "
        f"{100 * busy / wall:.0f}% = {busy * 1000 / max(requests, 1):.2f} ms CPU per request"
    ]
    ranked = [
        (frame, n)
        for frame, n in inclusive.most_common()
        if PROFILE_SCOPE.search(frame[1]) and not PROFILE_SKIP.search(frame[1])
    ]
    ours = [(frame, n) for frame, n in ranked if PROFILE_OURS.search(frame[1])]
    for title, rows in (
        ("inclusive", ranked[:limit]),
        ("inclusive, our code only", ours[:limit]),
        ("own", own.most_common(limit)),
    ):
        lines.append(f"top {limit} {title}: % of busy samples, ms per request")
        for (function, where), n in rows:
            lines.append(f"{100 * n / samples:6.1f}% {n * per:7.2f}  {function}  ({where})")
    return "\n".join(lines)


def main_against_database(
    banner: str,
    database_url: str | None,
    bench: Callable[[str], Coroutine[Any, Any, int]],
    *,
    uvloop: bool = True,
) -> int:
    """What every database bench's `main` does: print the banner, migrate the given (or a
    scratch) database, run `bench(url)` on a fresh loop; exit 1 on errors, 130 when stopped."""
    import io
    import traceback

    handle_sigterm()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)  # rows appear as they are measured
    print(banner)
    try:
        with database_for(database_url, "carebridge_bench") as url:
            migrate(url)
            code, _ = run(lambda: bench(url), uvloop=uvloop)
            return code
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        return 1
