"""A real Celery worker over a real Redis broker: beat's rescan (sent as a task) dispatches the
outbox, and a wake-up per message does too; each message is sent once."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from sqlalchemy import select

from domain.authorizations import payer
from domain.authorizations.lifecycle import AuthorizationStatus
from domain.authorizations.models import AuthorizationRequest, CodeSystem
from domain.authorizations.payer_rules import PayerRequestData, ServiceLineData
from domain.partners.models import Exchange, OutboxMessage, OutboxStatus
from tasks.app import create_celery
from tasks.runtime import WorkerRuntime
from tests.office import build_office

BROKER = "redis://127.0.0.1:6379/9"


@pytest.fixture
def celery_app(settings, clock):
    configured = settings.model_copy(update={"redis_url": BROKER})
    runtime = WorkerRuntime(configured, clock=clock)
    app = create_celery(configured, runtime)
    app.conf.update(result_backend=BROKER, task_ignore_result=False)  # to read answers here
    with app.connection_for_write() as connection:
        connection.default_channel.client.flushdb()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield app
    runtime.close()


async def submitted_request(orgs, uow_factory):
    office = await build_office(orgs, uow_factory)
    async with uow_factory() as uow:
        request = await payer.create_payer_request(
            uow=uow,
            actor=office["olive"],
            data=PayerRequestData(
                patient_id=office["maria"],
                payer_id=office["payer"],
                lines=(ServiceLineData(CodeSystem.CPT, "72148", Decimal(1)),),
            ),
        )
    async with uow_factory() as uow:
        await payer.submit_request(uow=uow, actor=office["olive"], request_id=request.id)
    return request.id


async def answer(app, name, *args):
    result = app.send_task(name, args=list(args))
    return await asyncio.to_thread(result.get, timeout=30)


async def wait_until_sent(uow_factory, request_id):
    for _ in range(300):
        async with uow_factory() as uow:
            status = (await uow.session.get(AuthorizationRequest, request_id)).status
        if status is AuthorizationStatus.SUBMITTED:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still {status}")


async def test_the_rescan_task_dispatches_the_outbox_once(celery_app, orgs, uow_factory, engine):
    request_id = await submitted_request(orgs, uow_factory)
    assert await answer(celery_app, "carebridge.scan_outbox") == 1
    await wait_until_sent(uow_factory, request_id)
    assert await answer(celery_app, "carebridge.scan_outbox") == 0  # nothing left to send
    async with uow_factory() as uow:
        message_id = (await uow.session.scalars(select(OutboxMessage.id))).one()
    # A late or repeated wake-up finds the message sent and sends nothing.
    assert await answer(celery_app, "carebridge.dispatch_outbox", str(message_id)) is None
    async with uow_factory() as uow:
        message = (await uow.session.scalars(select(OutboxMessage))).one()
        exchanges = (await uow.session.scalars(select(Exchange))).all()
    assert message.status is OutboxStatus.SENT and len(exchanges) == 1
