"""The migration that adds form_definition.name_i18n reads the English names the stored schemas already
hold (root "properties": {"i18n:name:en": ...}); a form without one keeps an empty map (its zh name shows)."""
import json

from sqlalchemy import create_engine, text

from tests.test_migrations import scratch_url  # noqa: F401

BEFORE = "d3c1e5a7b902"


def test_existing_forms_get_their_english_name(scratch_url):  # noqa: F811
    from flask_migrate import upgrade

    from app import create_app

    scratch = create_app({"SQLALCHEMY_DATABASE_URI": scratch_url, "TESTING": True})
    engine = create_engine(scratch_url)
    named = json.dumps({"id": "f_named", "name": "回访", "components": [],
                        "properties": {"i18n:name:en": "Follow-up", "owner": "CS"}}, ensure_ascii=False)
    plain = json.dumps({"id": "f_plain", "name": "投诉", "components": []}, ensure_ascii=False)
    try:
        with scratch.app_context():
            upgrade(revision=BEFORE)
            with engine.begin() as conn:
                for n, (key, schema) in enumerate((("f_named", named), ("f_plain", plain), ("f_bad", "{not json"))):
                    conn.execute(text("INSERT INTO form_definition (id, key, name, version, checksum, schema, fields, "
                                      "deployed_at, source) VALUES (:id, :key, :key, 1, 'x', :schema, '[]', "
                                      "CURRENT_TIMESTAMP, 'file')"), {"id": n + 1, "key": key, "schema": schema})
            upgrade()
            with engine.connect() as conn:
                rows = dict(conn.execute(text("SELECT key, name_i18n FROM form_definition")).all())
            from app.extensions import db

            db.engine.dispose()
    finally:
        engine.dispose()
    decoded = {k: v if isinstance(v, dict) else json.loads(v) for k, v in rows.items()}
    assert decoded == {"f_named": {"i18n:name:en": "Follow-up"}, "f_plain": {}, "f_bad": {}}
