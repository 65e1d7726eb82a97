"""Migration 0014 (an audit event of several records): downgrading writes such an event back
as one event per record, nothing lost, and upgrading again keeps them, on the test backend."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from db import migrate
from tests.db.test_migrations import scratch_url  # noqa: F401 (fixture)


def _columns() -> list[sa.ColumnClause]:
    return [
        sa.column("id", sa.Uuid()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.Uuid()),
        sa.column("actor_is_machine", sa.Boolean()),
        sa.column("organization_id", sa.Uuid()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("correlation_id", sa.String()),
    ]


EVENTS = sa.table("audit_events", *_columns())


async def _run(url: str, work):
    engine = migrate.create_migration_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(work)
    finally:
        await engine.dispose()


async def test_0014_writes_an_event_of_several_records_back_per_record(scratch_url):  # noqa: F811
    migrate.upgrade(scratch_url)
    records = [uuid.uuid4() for _ in range(3)]
    actor, organization = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)

    def write(conn: sa.Connection) -> None:
        many = sa.table(
            "audit_events", *_columns(), sa.column("entity_ids", sa.JSON(none_as_null=True))
        )
        common = {
            "occurred_at": at,
            "actor_id": actor,
            "actor_is_machine": False,
            "organization_id": organization,
            "action": "READ",
            "entity": "Person",
            "correlation_id": "c-1",
        }
        conn.execute(
            sa.insert(many),
            [
                common
                | {"id": uuid.uuid4(), "entity_id": None, "entity_ids": [r.hex for r in records]},
                common | {"id": uuid.uuid4(), "entity_id": records[0], "entity_ids": None},
            ],
        )

    def read(conn: sa.Connection) -> list[tuple]:
        rows = conn.execute(sa.select(EVENTS)).all()
        return sorted(
            (r.entity_id, r.actor_id, r.organization_id, r.action, r.entity, r.correlation_id)
            for r in rows
        )

    await _run(scratch_url, write)
    migrate.downgrade(scratch_url, "0013")
    expected = sorted(
        (r, actor, organization, "READ", "Person", "c-1") for r in [*records, records[0]]
    )
    assert await _run(scratch_url, read) == expected
    migrate.upgrade(scratch_url)
    assert await _run(scratch_url, read) == expected
