"""conversation: unread customer messages per case; mail headers on the outbox

Revision ID: a9d4c2e7f318
Revises: c1a7e3d5f802
Create Date: 2026-12-06 09:50:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'a9d4c2e7f318'
down_revision = 'c1a7e3d5f802'
branch_labels = None
depends_on = None

CASES = ('service_request', 'complaint')


def upgrade():
    for table in CASES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('unread_in', sa.Integer(), nullable=False, server_default='0'))
            batch_op.add_column(sa.Column('last_in_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headers', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('headers')
    for table in CASES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('last_in_at')
            batch_op.drop_column('unread_in')
