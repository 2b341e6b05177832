"""task_candidate.group_name -> role_name: the column holds role names (BPMN candidateGroups name roles)

Revision ID: d81f3b6a2c57
Revises: c4d2a7e9b613
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd81f3b6a2c57'
down_revision = 'c4d2a7e9b613'
branch_labels = None
depends_on = None

CLAIMABLE = {"postgresql_where": sa.text("claimable"), "sqlite_where": sa.text("claimable = 1")}


def _rename(old: str, new: str, prefix_old: str, prefix_new: str) -> None:
    # SQLite and PostgreSQL both rename a column in place (indexes follow); the index names say the column
    op.drop_index(f"{prefix_old}_claimable", table_name="task_candidate", **CLAIMABLE)
    op.drop_index(prefix_old, table_name="task_candidate")
    op.execute(f"ALTER TABLE task_candidate RENAME COLUMN {old} TO {new}")
    op.create_index(prefix_new, "task_candidate", [new, "task_id"], unique=False)
    op.create_index(f"{prefix_new}_claimable", "task_candidate", [new, "due_at", "task_id"], unique=False,
                    **CLAIMABLE)


def upgrade():
    _rename("group_name", "role_name", "ix_candidate_group", "ix_candidate_role")


def downgrade():
    _rename("role_name", "group_name", "ix_candidate_role", "ix_candidate_group")
