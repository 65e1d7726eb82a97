"""audit events of several records

A read of several records of one kind at once (a page of a list) is one audit event, as a FHIR
AuditEvent of a query lists its entities: `entity_ids` holds the records' ids (hex) and
`entity_id` is null; an event of one record keeps `entity_id`. Exactly one of the two is set.
On PostgreSQL the ids are JSONB with a GIN index, so an id is found among them with `@>`.
Upgrade keeps existing rows as they are (one record each). Downgrade writes an event of
several records back as one event per record.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 22:30:54.137620

"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTITY_IDS = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
)


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entity_ids", ENTITY_IDS, nullable=True))
        batch_op.alter_column("entity_id", existing_type=sa.Uuid(), nullable=True)
        batch_op.create_index(
            "ix_audit_events_entity_ids",
            ["entity_ids"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"entity_ids": "jsonb_path_ops"},
        )
        batch_op.create_check_constraint(
            op.f("ck_audit_events_one_or_many"), "(entity_id IS NULL) <> (entity_ids IS NULL)"
        )


def downgrade() -> None:
    events = sa.table(
        "audit_events",
        sa.column("id", sa.Uuid()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.Uuid()),
        sa.column("actor_is_machine", sa.Boolean()),
        sa.column("organization_id", sa.Uuid()),
        sa.column("action", sa.String()),
        sa.column("entity", sa.String()),
        sa.column("entity_id", sa.Uuid()),
        sa.column("entity_ids", ENTITY_IDS),
        sa.column("correlation_id", sa.String()),
        sa.column("fields", sa.JSON()),
    )
    bind = op.get_bind()
    several = bind.execute(sa.select(events).where(events.c.entity_ids.is_not(None))).all()
    for event in several:
        rows = [
            {
                **{k: v for k, v in event._mapping.items() if k not in ("entity_ids", "fields")},
                "id": uuid.uuid4(),
                "entity_id": uuid.UUID(hex_id),
                "fields": event.fields,
            }
            for hex_id in event.entity_ids
        ]
        if rows:
            bind.execute(sa.insert(events), rows)
        bind.execute(sa.delete(events).where(events.c.id == event.id))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_events_one_or_many"), type_="check")
        batch_op.drop_index(
            "ix_audit_events_entity_ids",
            postgresql_using="gin",
            postgresql_ops={"entity_ids": "jsonb_path_ops"},
        )
        batch_op.alter_column("entity_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column("entity_ids")
