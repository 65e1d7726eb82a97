"""payment watermark: a run writes per payee, not per disbursement

A disbursement's PAID state, payment and paid amounts are no longer stored on it but read
from the payment that covers it (`domain.delivery.models.covers`): each run has a per-agency
`seq`, a disbursement the seq of the next run when it became payable, a provider payment the
seq it paid through (and, cancelled, the seq from which what it paid is payable again).
Upgrade keeps what was paid: paid disbursements take their payment's run seq (their stored PAY
step of that payment is now read from the payment), approved ones the next seq; recorded ones
with an amount, which waited for a run's approval check, are approved (the check is made at
attendance from now on). Downgrade writes the derived state and steps back onto the rows.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 20:01:21.412311

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# The coverage rule of `domain.delivery.models.covers`, as it stands at this revision.
COVERS = """
    x.organization_id = d.agency_organization_id AND x.provider_id = d.provider_id
    AND x.paid_through_seq >= d.payable_seq AND x.period_end >= d.service_date
    AND d.status = 'APPROVED'
    AND NOT EXISTS (
        SELECT 1 FROM provider_payments y
        WHERE y.organization_id = d.agency_organization_id AND y.provider_id = d.provider_id
          AND y.paid_through_seq >= d.payable_seq AND y.period_end >= d.service_date
          AND y.paid_through_seq < x.paid_through_seq
          AND (y.released_seq IS NULL OR y.released_seq > x.paid_through_seq))
"""
NEXT_SEQ = """
    (SELECT coalesce(max(r.seq), 0) + 1 FROM payment_runs r
     WHERE r.organization_id = disbursements.agency_organization_id)
"""


def upgrade() -> None:
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payable_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('quantity_as_paid', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('amount_as_paid', sa.Numeric(precision=14, scale=2), nullable=True))

    with op.batch_alter_table('payment_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_through_seq', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('released_seq', sa.BigInteger(), nullable=True))

    # each agency's runs numbered in the order they ran
    op.execute("""
        UPDATE payment_runs SET seq = (
            SELECT count(*) FROM payment_runs r2
            WHERE r2.organization_id = payment_runs.organization_id
              AND (r2.run_at < payment_runs.run_at
                   OR (r2.run_at = payment_runs.run_at AND r2.id <= payment_runs.id)))
    """)
    op.execute("""
        UPDATE provider_payments SET paid_through_seq = (
            SELECT r.seq FROM payment_runs r WHERE r.id = provider_payments.run_id)
        WHERE payee_kind = 'PROVIDER'
    """)
    # a cancelled payment: payable again from the first run after its cancellation
    op.execute("""
        UPDATE provider_payments SET released_seq = 1 + (
            SELECT count(*) FROM payment_runs r
            WHERE r.organization_id = provider_payments.organization_id
              AND r.run_at <= (
                SELECT max(c.changed_at) FROM status_changes c
                WHERE c.entity = 'ProviderPayment' AND c.entity_id = provider_payments.id
                  AND c.to_status = 'CANCELLED'))
        WHERE status = 'CANCELLED' AND payee_kind = 'PROVIDER'
    """)
    # the last PAY step of a paid disbursement is now read from its payment's history
    op.execute("""
        DELETE FROM status_changes
        WHERE entity = 'Disbursement' AND action = 'PAY'
          AND entity_id IN (SELECT id FROM disbursements WHERE status = 'PAID')
          AND id = (
            SELECT max(s2.id) FROM status_changes s2
            WHERE s2.entity = 'Disbursement' AND s2.entity_id = status_changes.entity_id
              AND s2.action = 'PAY')
    """)
    op.execute("""
        UPDATE disbursements SET
          payable_seq = (
            SELECT r.seq FROM provider_payments p JOIN payment_runs r ON r.id = p.run_id
            WHERE p.id = disbursements.payment_id),
          quantity_as_paid = CASE WHEN paid_quantity <> disbursed_quantity
            OR paid_amount <> amount THEN paid_quantity END,
          amount_as_paid = CASE WHEN paid_quantity <> disbursed_quantity
            OR paid_amount <> amount THEN paid_amount END,
          status = 'APPROVED'
        WHERE status = 'PAID'
    """)
    op.execute("""
        INSERT INTO status_changes (entity, entity_id, from_status, to_status, action,
            changed_at, changed_by_id, changed_by_organization_id, reason)
        SELECT 'Disbursement', id, 'RECORDED', 'APPROVED', 'APPROVE', updated_at, NULL, NULL,
            'approval check moved to attendance'
        FROM disbursements WHERE status = 'RECORDED' AND amount > 0
    """)
    op.execute(f"""
        UPDATE disbursements SET status = 'APPROVED', payable_seq = {NEXT_SEQ}
        WHERE status = 'RECORDED' AND amount > 0
    """)
    op.execute(f"""
        UPDATE disbursements SET payable_seq = {NEXT_SEQ}
        WHERE status = 'APPROVED' AND payable_seq IS NULL
    """)

    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disbursements_payment_id'))
        batch_op.drop_constraint(batch_op.f('fk_disbursements_payment_id_provider_payments'), type_='foreignkey')
        batch_op.drop_column('paid_amount')
        batch_op.drop_column('paid_quantity')
        batch_op.drop_column('payment_id')

    with op.batch_alter_table('payment_runs', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_payment_runs_organization_id_seq'), ['organization_id', 'seq'])

    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.create_index('ix_provider_payments_provider_seq', ['provider_id', 'paid_through_seq'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('paid_quantity', sa.Numeric(precision=12, scale=2), nullable=True))
        batch_op.add_column(sa.Column('paid_amount', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_disbursements_payment_id_provider_payments'), 'provider_payments', ['payment_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_disbursements_payment_id'), ['payment_id'], unique=False)

    # the PAY and RELEASE steps read from the payments become the rows' own history again
    op.execute(f"""
        INSERT INTO status_changes (entity, entity_id, from_status, to_status, action,
            changed_at, changed_by_id, changed_by_organization_id, reason)
        SELECT 'Disbursement', d.id,
            CASE WHEN c.from_status IS NULL THEN 'APPROVED' ELSE 'PAID' END,
            CASE WHEN c.from_status IS NULL THEN 'PAID' ELSE 'APPROVED' END,
            CASE WHEN c.from_status IS NULL THEN 'PAY' ELSE 'RELEASE' END,
            c.changed_at, c.changed_by_id, c.changed_by_organization_id, c.reason
        FROM disbursements d
        JOIN provider_payments x ON {COVERS}
        JOIN status_changes c ON c.entity = 'ProviderPayment' AND c.entity_id = x.id
          AND (c.from_status IS NULL OR c.to_status = 'CANCELLED')
        ORDER BY c.id, d.id
    """)
    op.execute(f"""
        UPDATE disbursements SET payment_id = (
            SELECT x.id FROM provider_payments x
            WHERE x.status <> 'CANCELLED' AND {COVERS.replace('d.', 'disbursements.')})
    """)
    op.execute("""
        UPDATE disbursements SET status = 'PAID',
          paid_quantity = coalesce(quantity_as_paid, disbursed_quantity),
          paid_amount = coalesce(amount_as_paid, amount)
        WHERE payment_id IS NOT NULL
    """)

    with op.batch_alter_table('provider_payments', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_payments_provider_seq')
        batch_op.drop_column('released_seq')
        batch_op.drop_column('paid_through_seq')

    with op.batch_alter_table('payment_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payment_runs_organization_id_seq'), type_='unique')
        batch_op.drop_column('seq')

    with op.batch_alter_table('disbursements', schema=None) as batch_op:
        batch_op.drop_column('amount_as_paid')
        batch_op.drop_column('quantity_as_paid')
        batch_op.drop_column('payable_seq')
