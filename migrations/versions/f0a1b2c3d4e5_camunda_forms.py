"""Camunda Forms: form-js forms deployed beside the diagrams, referenced by tasks and start events

Revision ID: f0a1b2c3d4e5
Revises: c9e2a7d4b1f3
Create Date: 2026-12-06 10:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'f0a1b2c3d4e5'
down_revision = 'c9e2a7d4b1f3'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        'form_definition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('schema', sa.Text(), nullable=False),
        sa.Column('fields', JSON, nullable=False),
        sa.Column('deployed_by_id', sa.Integer(), nullable=True),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['deployed_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version', name='uq_form_key_version'),
    )
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_definition_key'), ['key'], unique=False)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_human_task_form_id', 'form_definition', ['form_id'], ['id'])
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_form_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_process_definition_start_form_id', 'form_definition',
                                    ['start_form_id'], ['id'])


def downgrade():
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_constraint('fk_process_definition_start_form_id', type_='foreignkey')
        batch_op.drop_column('start_form_id')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_human_task_form_id', type_='foreignkey')
        batch_op.drop_column('form_id')
    with op.batch_alter_table('form_definition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_definition_key'))
    op.drop_table('form_definition')
