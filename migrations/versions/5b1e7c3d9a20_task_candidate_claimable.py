"""task_candidate: claimable and due_at copied from the task, partial indexes for Group tasks

Revision ID: 5b1e7c3d9a20
Revises: 187b20008039
Create Date: 2026-11-24 23:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5b1e7c3d9a20'
down_revision = '187b20008039'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('task_candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimable', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
    # existing rows take their task's values (the app keeps them in step from now on)
    op.execute("UPDATE task_candidate SET "
               "claimable = (SELECT t.state = 'open' AND t.assignee_id IS NULL FROM human_task t "
               "WHERE t.id = task_candidate.task_id), "
               "due_at = (SELECT t.due_at FROM human_task t WHERE t.id = task_candidate.task_id)")
    with op.batch_alter_table('task_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_group_claimable', ['group_name', 'due_at', 'task_id'], unique=False,
                              postgresql_where=sa.text('claimable'), sqlite_where=sa.text("claimable = 1"))
        batch_op.create_index('ix_candidate_user_claimable', ['user_id', 'due_at', 'task_id'], unique=False,
                              postgresql_where=sa.text('claimable'), sqlite_where=sa.text("claimable = 1"))


def downgrade():
    with op.batch_alter_table('task_candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_user_claimable', sqlite_where=sa.text("claimable = 1"))
        batch_op.drop_index('ix_candidate_group_claimable', sqlite_where=sa.text("claimable = 1"))
        batch_op.drop_column('due_at')
        batch_op.drop_column('claimable')
