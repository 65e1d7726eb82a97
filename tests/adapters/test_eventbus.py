"""Event buses: in-process fan-out, and Redis pub/sub across processes (a real Redis)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime

import pytest

from adapters.eventbus import InMemoryEventBus, RedisEventBus, event_from_json, event_to_json
from domain.events import DomainEvent

REDIS_URL = os.environ.get("CAREBRIDGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _event(name: str, org: uuid.UUID) -> DomainEvent:
    return DomainEvent(
        name=name,
        entity="Person",
        entity_id=uuid.uuid4(),
        organization_ids=(org,),
        occurred_at=datetime(2026, 1, 15, 15, 0, tzinfo=UTC),
        payload={"status": "CREATED"},
    )


def test_events_survive_the_wire_format():
    event = _event("person.created", uuid.uuid4())
    assert event_from_json(event_to_json(event)) == event


async def test_subscribers_get_only_what_they_asked_for():
    bus = InMemoryEventBus()
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    async with bus.subscribe(lambda e: mine in e.organization_ids) as queue:
        await bus.publish([_event("a", theirs), _event("b", mine)])
        assert (await asyncio.wait_for(queue.get(), 1)).name == "b"
        assert queue.empty()


async def test_a_slow_subscriber_loses_the_oldest_events_not_the_bus():
    bus = InMemoryEventBus(queue_size=2)
    org = uuid.uuid4()
    async with bus.subscribe(lambda e: True) as queue:
        await bus.publish([_event(str(n), org) for n in range(5)])
        assert [queue.get_nowait().name, queue.get_nowait().name] == ["3", "4"]


async def test_events_cross_processes_through_redis():
    channel = f"carebridge:test:{uuid.uuid4().hex}"
    api_one, api_two = RedisEventBus(REDIS_URL, channel), RedisEventBus(REDIS_URL, channel)
    await api_one.start()
    await api_two.start()
    try:
        org = uuid.uuid4()
        async with api_two.subscribe(lambda e: org in e.organization_ids) as queue:
            sent = [_event("person.created", org), _event("person.updated", org)]
            await api_one.publish(sent)
            received = [await asyncio.wait_for(queue.get(), 5) for _ in sent]
        assert received == sent
    finally:
        await api_one.stop()
        await api_two.stop()


@pytest.mark.parametrize("garbage", [b"not json", b'{"name": "x"}'])
async def test_malformed_messages_on_the_channel_are_ignored(garbage):
    channel = f"carebridge:test:{uuid.uuid4().hex}"
    bus = RedisEventBus(REDIS_URL, channel)
    await bus.start()
    try:
        org = uuid.uuid4()
        async with bus.subscribe(lambda e: True) as queue:
            from redis.asyncio import Redis

            raw = Redis.from_url(REDIS_URL)
            await raw.publish(channel, garbage)
            await raw.aclose()
            good = _event("person.created", org)
            await bus.publish([good])
            assert await asyncio.wait_for(queue.get(), 5) == good
    finally:
        await bus.stop()
