"""on_call_shift: the on-call rota per department (24-hour hotline; emergencies go to whoever is on call)

Revision ID: f7b2d4e8a913
Revises: e5a1c9d07b32
Create Date: 2026-12-06 03:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f7b2d4e8a913'
down_revision = 'e5a1c9d07b32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'on_call_shift',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('on_call_shift', schema=None) as batch_op:
        batch_op.create_index('ix_on_call_department_start', ['department_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_on_call_shift_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('on_call_shift', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_on_call_shift_user_id'))
        batch_op.drop_index('ix_on_call_department_start')
    op.drop_table('on_call_shift')
