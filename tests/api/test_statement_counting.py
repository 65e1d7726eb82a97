"""The statement counts the API tests rely on are the request's own: what the embedded worker
runs meanwhile (its outbox and expiry scans) is left out, so a scan landing inside a counted
block cannot make a count test fail."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event

from adapters.partners.dispatcher import IN_BACKGROUND
from tests.world import build_world


async def test_the_embedded_workers_statements_are_not_counted_as_the_requests(app_client):
    engine = app_client.app.state.database.engine.sync_engine
    background: list[str] = []

    def spy(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if IN_BACKGROUND.get():
            background.append(statement)

    event.listen(engine, "before_cursor_execute", spy)
    try:
        with app_client.count_statements() as counted:
            app_client.app.state.dispatcher._wake.set()  # a scan now, not in 5 s
            for _ in range(500):
                if background:
                    break
                await asyncio.sleep(0.01)
        assert background, "the embedded worker never scanned"
        assert counted == []
    finally:
        event.remove(engine, "before_cursor_execute", spy)


async def test_a_requests_statements_are_counted(app_client, orgs, uow_factory):
    world = await build_world(orgs, uow_factory)
    with app_client.count_statements() as counted:
        await app_client.data("{ persons(first: 1) { totalCount } }", as_=world.caseworker)
    assert counted  # the request's own reads
