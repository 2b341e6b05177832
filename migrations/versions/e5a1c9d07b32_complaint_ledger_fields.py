"""records follow their processes: the complaint ledger's channel, category, severity and rectification
time (第十三条(三) 投诉处理台账); a service request opened by a follow-up visit names the one it follows;
a service plan links to its six-step process; a request's first reply (the response-time KPI)

Revision ID: e5a1c9d07b32
Revises: d81f3b6a2c57
Create Date: 2026-12-06 03:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5a1c9d07b32'
down_revision = 'd81f3b6a2c57'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column('severity', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('rectified_at', sa.DateTime(timezone=True), nullable=True))


    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_request_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_service_request_previous_request_id', ['previous_request_id'], unique=False)
        batch_op.create_foreign_key('fk_service_request_previous', 'service_request', ['previous_request_id'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('service_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('process_instance_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_service_plan_process_instance_id', ['process_instance_id'], unique=False)
        batch_op.create_foreign_key('fk_service_plan_process_instance', 'process_instance',
                                    ['process_instance_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('service_plan', schema=None) as batch_op:
        batch_op.drop_constraint('fk_service_plan_process_instance', type_='foreignkey')
        batch_op.drop_index('ix_service_plan_process_instance_id')
        batch_op.drop_column('process_instance_id')
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('service_request', schema=None) as batch_op:
        batch_op.drop_constraint('fk_service_request_previous', type_='foreignkey')
        batch_op.drop_index('ix_service_request_previous_request_id')
        batch_op.drop_column('first_reply_at')
        batch_op.drop_column('previous_request_id')
    with op.batch_alter_table('complaint', schema=None) as batch_op:
        batch_op.drop_column('rectified_at')
        batch_op.drop_column('severity')
        batch_op.drop_column('category')
        batch_op.drop_column('channel')
