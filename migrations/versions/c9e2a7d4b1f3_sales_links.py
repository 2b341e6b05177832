"""pre-sales -> in-sales links: a contract handover names the won prospect it follows; an order line may
name a catalogued spare part, whose stock the order's stock check reads (and the shortfall it found)

Revision ID: c9e2a7d4b1f3
Revises: a9d4c2e7f318
Create Date: 2026-12-06 09:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'c9e2a7d4b1f3'
down_revision = 'a9d4c2e7f318'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contract_handover', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opportunity_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_contract_handover_opportunity_id', ['opportunity_id'], unique=False)
        batch_op.create_foreign_key('fk_contract_handover_opportunity', 'opportunity', ['opportunity_id'], ['id'],
                                    ondelete='SET NULL')
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('part_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shortfall', sa.Integer(), nullable=True))
        batch_op.create_index('ix_sales_order_line_part_id', ['part_id'], unique=False)
        batch_op.create_foreign_key('fk_sales_order_line_part', 'spare_part', ['part_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('sales_order_line', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sales_order_line_part', type_='foreignkey')
        batch_op.drop_index('ix_sales_order_line_part_id')
        batch_op.drop_column('shortfall')
        batch_op.drop_column('part_id')
    with op.batch_alter_table('contract_handover', schema=None) as batch_op:
        batch_op.drop_constraint('fk_contract_handover_opportunity', type_='foreignkey')
        batch_op.drop_index('ix_contract_handover_opportunity_id')
        batch_op.drop_column('opportunity_id')
