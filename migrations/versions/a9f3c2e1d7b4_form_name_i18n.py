"""form names in other languages: form_definition.name_i18n ({"i18n:name:en": ...}), read from each
stored schema's root "properties" (the builder's convention, as the fields' labels)

Revision ID: a9f3c2e1d7b4
Revises: d3c1e5a7b902
Create Date: 2026-12-06 12:40:00
"""
import json

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'a9f3c2e1d7b4'
down_revision = 'd3c1e5a7b902'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _names(schema: str) -> dict:
    try:
        props = json.loads(schema).get('properties')
    except (ValueError, AttributeError):
        return {}
    if not isinstance(props, dict):
        return {}
    return {k: str(v)[:200] for k, v in props.items() if str(k).startswith('i18n:name:') and str(v).strip()}


def upgrade():
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_i18n', JSON, nullable=False, server_default='{}'))
    table = sa.table('form_definition', sa.column('id', sa.Integer), sa.column('schema', sa.Text),
                     sa.column('name_i18n', JSON))
    conn = op.get_bind()
    for row_id, schema in conn.execute(sa.select(table.c.id, table.c.schema)).all():
        names = _names(schema or '')
        if names:
            conn.execute(table.update().where(table.c.id == row_id).values(name_i18n=names))


def downgrade():
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.drop_column('name_i18n')
