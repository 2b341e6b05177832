"""task_candidate follows its task by trigger: claimable and due_at are copied by the database on every
UPDATE of human_task's state, assignee or due date, whichever statement makes it (issue 22: the engine's
extra UPDATE of the candidate rows per completion, claim and release is gone; no write can forget it).

SQLite drops a table's triggers with the table: a later batch migration of ``human_task`` (which copies
the table) must create ``human_task_offer`` again (``tests/test_migrations.py`` checks it is there).

Revision ID: e2b7c9d4f160
Revises: c4d8e2a6f913
Create Date: 2026-12-07 12:30:00
"""
from alembic import op

revision = 'e2b7c9d4f160'
down_revision = 'c4d8e2a6f913'
branch_labels = None
depends_on = None

_SET = ("UPDATE task_candidate SET claimable = (NEW.state = 'open' AND NEW.assignee_id IS NULL), "
        "due_at = NEW.due_at WHERE task_id = NEW.id;")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE FUNCTION human_task_offer() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   f"BEGIN {_SET} RETURN NULL; END $$")
        op.execute("CREATE TRIGGER human_task_offer AFTER UPDATE OF state, assignee_id, due_at ON human_task "
                   "FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.assignee_id IS DISTINCT FROM "
                   "NEW.assignee_id OR OLD.due_at IS DISTINCT FROM NEW.due_at) EXECUTE FUNCTION human_task_offer()")
    else:
        op.execute("CREATE TRIGGER human_task_offer AFTER UPDATE OF state, assignee_id, due_at ON human_task "
                   "FOR EACH ROW WHEN OLD.state IS NOT NEW.state OR OLD.assignee_id IS NOT NEW.assignee_id "
                   f"OR OLD.due_at IS NOT NEW.due_at BEGIN {_SET} END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER human_task_offer ON human_task")
        op.execute("DROP FUNCTION human_task_offer()")
    else:
        op.execute("DROP TRIGGER human_task_offer")
