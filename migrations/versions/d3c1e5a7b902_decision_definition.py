"""decision definitions: deployed DMN decisions, one row per decision and version

Revision ID: d3c1e5a7b902
Revises: f0a1b2c3d4e5
Create Date: 2026-12-06 09:30:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'd3c1e5a7b902'
down_revision = 'f0a1b2c3d4e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'decision_definition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('checksum', sa.String(length=64), nullable=False),
        sa.Column('hit_policy', sa.String(length=20), nullable=False),
        sa.Column('dmn_xml', sa.Text(), nullable=False),
        sa.Column('deployed_by_id', sa.Integer(), nullable=True),
        sa.Column('deployed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['deployed_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', 'version', name='uq_decision_key_version'),
    )
    with op.batch_alter_table('decision_definition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decision_definition_key'), ['key'], unique=False)


def downgrade():
    with op.batch_alter_table('decision_definition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decision_definition_key'))
    op.drop_table('decision_definition')
