"""field_service_record: the customer's confirmation link (hash, sent, expiry, channels, language),
how the record was confirmed, the customer's comment and dispute; mail_outbox.channel (email | sms)

Revision ID: c4e6a8b0d215
Revises: b7d1f3a5c902
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e6a8b0d215'
down_revision = 'b7d1f3a5c902'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('field_service_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_via', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('confirm_token_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('confirm_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirm_expires_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('confirm_channels', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('confirm_language', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('customer_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('disputed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_field_service_record_confirm_token_hash', ['confirm_token_hash'])
        batch_op.create_index('ix_field_service_record_disputed_at', ['disputed_at'], unique=False)
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=8), nullable=False, server_default='email'))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('channel')
    with op.batch_alter_table('field_service_record', schema=None) as batch_op:
        batch_op.drop_index('ix_field_service_record_disputed_at')
        batch_op.drop_constraint('uq_field_service_record_confirm_token_hash', type_='unique')
        for column in ('disputed_at', 'customer_comment', 'confirm_language', 'confirm_channels',
                       'confirm_expires_at', 'confirm_sent_at', 'confirm_token_hash', 'confirmed_via'):
            batch_op.drop_column(column)
