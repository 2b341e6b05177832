"""field_service_record: the customer's signature (a PNG drawn on a touch screen) and when they confirmed

Revision ID: a3c5e7f9b124
Revises: f7b2d4e8a913
Create Date: 2026-12-06 04:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c5e7f9b124'
down_revision = 'f7b2d4e8a913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('field_service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature_png', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('field_service_record', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('signature_png')
