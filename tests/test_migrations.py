"""The schema comes only from the migrations: they match the models, and they
upgrade and downgrade cleanly (on SQLite, and on PostgreSQL in CI's second pass)."""
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from config import database_url


def test_models_and_migrations_agree(app_ctx):
    from app.extensions import db

    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations disagree (run flask db migrate): {diff}"


@pytest.fixture
def scratch_url(tmp_path, app):
    """An empty database of the same kind as the suite's."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path}/migrations.db"
        return
    name = f"mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    yield database_url(url).rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    from flask_migrate import downgrade, upgrade

    from app import create_app

    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True})
    engine = create_engine(scratch_url)
    try:
        with scratch.app_context():
            upgrade()
            assert {"ab_user", "process_instance", "human_task", "customer", "job"} <= set(inspect(engine).get_table_names())
            downgrade(revision="base")
            assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert "human_task" in inspect(engine).get_table_names()
            from app.extensions import db

            db.engine.dispose()
    finally:
        engine.dispose()


def test_the_task_offer_trigger_is_there_at_the_head(app_ctx):
    """Group tasks read the copies the trigger ``human_task_offer`` keeps (migration e2b7c9d4f160). On
    SQLite a batch migration that copies ``human_task`` drops its triggers: it must create it again."""
    from app.extensions import db

    if db.engine.dialect.name == "postgresql":
        found = db.session.scalar(text("SELECT count(*) FROM pg_trigger WHERE tgname = 'human_task_offer' "
                                       "AND tgrelid = 'human_task'::regclass"))
    else:
        found = db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                                       "AND name = 'human_task_offer' AND tbl_name = 'human_task'"))
    assert found == 1
