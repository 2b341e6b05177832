"""user_profile.locale: the language of a user's task mails (NULL: the site default)

Revision ID: 9e3f6a2c71d4
Revises: 5b1e7c3d9a20
Create Date: 2026-11-25 02:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9e3f6a2c71d4'
down_revision = '5b1e7c3d9a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table('user_profile', schema=None) as batch_op:
        batch_op.drop_column('locale')
