"""human_task: drop ix_human_task_instance_id. The unique (instance_id, task_guid) index leads with
instance_id and serves the same lookups; the second index only cost a write per task and ~160 bytes
per completed instance (issue 22, bench part api).

Revision ID: c4d8e2a6f913
Revises: a9e4c2f6d815
Create Date: 2026-12-06 18:40:00
"""
from alembic import op

revision = 'c4d8e2a6f913'
down_revision = 'a9e4c2f6d815'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_instance_id')


def downgrade():
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.create_index('ix_human_task_instance_id', ['instance_id'], unique=False)
