"""Faults, for real: a `carebridge worker` process killed with SIGKILL while the simulated payer
holds its submission, and a Redis (started here, on a spare port, without persistence)
restarted while work is queued, losing its queue. Every request still ends in the right state
exactly once, and the payer saw one submission per request (resends carry the same
idempotency key, which it answers from what it stored). Waits are bounded polls for states."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import select

from adapters.simulator.pas_payer import PasPayerSimulator, PayerRule, RuleKind
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.history import StatusChange
from domain.partners.models import Exchange, ExchangeOutcome, OutboxMessage, OutboxStatus
from tasks.app import create_celery
from tests.adapters.ehr_support import serving
from tests.followup_support import (
    PENDED_CODE,
    eventually,
    point_partner_at,
    statuses,
    submit_requests,
)
from tests.office import build_office

CARE_BRIDGE = Path(sys.executable).with_name("carebridge")


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the test's own: no snapshots, no append-only file, so a restart
    loses everything it held."""

    def __init__(self, tmp: Path) -> None:
        self.port = _spare_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._tmp = tmp
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self._tmp)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                pass
            time.sleep(0.02)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(10)
            self._process = None

    def queued(self) -> int:
        return int(redis.Redis(port=self.port).llen("carebridge"))


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.kill()


class Worker:
    """`carebridge worker` in its own process group (the Celery parent and its pool)."""

    def __init__(self, settings, redis_url: str, log: Path) -> None:
        self._env = {
            **os.environ,
            "CAREBRIDGE_DATABASE_URL": settings.database_url,
            "CAREBRIDGE_REDIS_URL": redis_url,
            "CAREBRIDGE_OUTBOX_DISPATCHER": "false",
            "CAREBRIDGE_ENVIRONMENT": "test",
            "CAREBRIDGE_LOG_JSON": "false",
        }
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self._log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(CARE_BRIDGE), "worker", "--concurrency", "1"],
                env=self._env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL to the whole group: nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None


@pytest.fixture
def worker_factory(settings, tmp_path) -> Iterator:
    started: list[Worker] = []

    def make(redis_url: str) -> Worker:
        worker = Worker(settings, redis_url, tmp_path / "worker.log")
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.kill()


@pytest.fixture
async def payer_setup(orgs, uow_factory) -> AsyncIterator[tuple[dict, PasPayerSimulator]]:
    simulator = PasPayerSimulator({PENDED_CODE: PayerRule(RuleKind.PEND_THEN_APPROVE)})
    office = await build_office(orgs, uow_factory)
    async with serving(simulator.app()) as root:
        await point_partner_at(uow_factory, f"{root}/fhir", timeout_seconds=20)
        yield office, simulator


def celery_client(settings, redis_url: str):
    return create_celery(settings.model_copy(update={"redis_url": redis_url}))


async def all_pended(uow_factory, ids) -> bool:
    return set((await statuses(uow_factory, ids)).values()) == {AuthorizationStatus.PENDED}


async def assert_sent_once(uow_factory, simulator, ids) -> None:
    """Each request submitted once: one claim per idempotency key at the payer, each outbox
    row SENT with one successful exchange, and one SUBMITTING -> SUBMITTED transition."""
    async with uow_factory() as uow:
        messages = (await uow.session.scalars(select(OutboxMessage))).all()
        succeeded = (
            await uow.session.scalars(
                select(Exchange.request_id).where(Exchange.outcome == ExchangeOutcome.SUCCEEDED)
            )
        ).all()
        submitted = (
            await uow.session.scalars(
                select(StatusChange.entity_id).where(
                    StatusChange.to_status == AuthorizationStatus.SUBMITTED.value
                )
            )
        ).all()
    assert {m.request_id for m in messages} == set(ids)
    assert all(m.status is OutboxStatus.SENT for m in messages)
    assert sorted(simulator.claims) == sorted(f"urn:uuid:{m.idempotency_key}" for m in messages)
    assert sorted(succeeded) == sorted(ids) and sorted(submitted) == sorted(ids)


async def test_a_worker_killed_mid_submission_loses_nothing_and_sends_once(
    payer_setup, uow_factory, settings, redis_server, worker_factory
):
    office, simulator = payer_setup
    [request_id] = await submit_requests(office, uow_factory, 1)
    simulator.faults.delay_seconds = 3  # the payer holds the submission
    client = celery_client(settings, redis_server.url)
    client.send_task("carebridge.scan_outbox")
    first = worker_factory(redis_server.url)
    first.start()

    async def held() -> bool:
        return simulator.arrived >= 1

    await eventually(held, attempts=1200)
    first.kill()  # mid-submission: the transaction and the row's lock die with it
    simulator.faults.delay_seconds = 0
    assert (await statuses(uow_factory, [request_id]))[request_id] is (
        AuthorizationStatus.SUBMITTING
    )

    second = worker_factory(redis_server.url)
    second.start()

    async def sent() -> bool:
        client.send_task("carebridge.scan_outbox")  # as beat does on its schedule
        await asyncio.sleep(0.5)
        return await all_pended(uow_factory, [request_id])

    await eventually(sent, attempts=120)
    await assert_sent_once(uow_factory, simulator, [request_id])
    # The payer saw the one submission at most twice (held, then resent), by one key.
    submits = [r for r in simulator.requests if r.startswith("submit")]
    assert len(set(submits)) == 1


async def test_a_redis_restart_losing_its_queue_delays_but_loses_nothing(
    payer_setup, uow_factory, settings, redis_server, worker_factory
):
    office, simulator = payer_setup
    ids = await submit_requests(office, uow_factory, 3)
    client = celery_client(settings, redis_server.url)
    async with uow_factory() as uow:
        message_ids = (await uow.session.scalars(select(OutboxMessage.id))).all()
    for message_id in message_ids:  # the API's wake-ups after commit
        client.send_task("carebridge.dispatch_outbox", args=[str(message_id)])
    assert redis_server.queued() == 3
    redis_server.kill()
    redis_server.start()
    assert redis_server.queued() == 0  # the queue is gone
    client = celery_client(settings, redis_server.url)
    worker = worker_factory(redis_server.url)
    worker.start()

    async def sent() -> bool:
        client.send_task("carebridge.scan_outbox")  # beat's rescan finds the rows
        await asyncio.sleep(0.5)
        return await all_pended(uow_factory, ids)

    await eventually(sent, attempts=120)
    await assert_sent_once(uow_factory, simulator, ids)
    assert len([r for r in simulator.requests if r.startswith("submit")]) == 3
