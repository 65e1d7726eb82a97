"""partner subscriptions

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 19:06:35.509339

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('partner_subscriptions',
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('api_client_id', sa.Uuid(), nullable=False),
    sa.Column('topic', sa.String(length=500), nullable=False),
    sa.Column('filter_identifiers', sa.JSON(), nullable=False),
    sa.Column('endpoint', sa.String(length=1000), nullable=False),
    sa.Column('header_names', sa.JSON(), nullable=False),
    sa.Column('sealed_headers', sa.Text(), nullable=True),
    sa.Column('heartbeat_seconds', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('status', sa.Enum('REQUESTED', 'ACTIVE', 'ERROR', 'OFF', name='subscriptionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('events_since_start', sa.Integer(), server_default='0', nullable=False),
    sa.Column('error_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_partner_subscriptions_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partner_subscriptions'))
    )
    with op.batch_alter_table('partner_subscriptions', schema=None) as batch_op:
        batch_op.create_index('ix_partner_subscriptions_organization_status', ['organization_id', 'status'], unique=False)

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subscription_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('event_number', sa.Integer(), nullable=True))
        batch_op.alter_column('request_id',
               existing_type=sa.Uuid(),
               nullable=True)
        batch_op.alter_column('partner_id',
               existing_type=sa.Uuid(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_outbox_messages_subscription_id'), ['subscription_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_subscription_id_partner_subscriptions'), 'partner_subscriptions', ['subscription_id'], ['id'])


def downgrade() -> None:
    # Subscription pushes have no request or partner; they go with their table.
    op.execute("DELETE FROM outbox_messages WHERE subscription_id IS NOT NULL")
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_subscription_id_partner_subscriptions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_subscription_id'))
        batch_op.alter_column('partner_id',
               existing_type=sa.Uuid(),
               nullable=False)
        batch_op.alter_column('request_id',
               existing_type=sa.Uuid(),
               nullable=False)
        batch_op.drop_column('event_number')
        batch_op.drop_column('subscription_id')

    with op.batch_alter_table('partner_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_partner_subscriptions_organization_status')

    op.drop_table('partner_subscriptions')
