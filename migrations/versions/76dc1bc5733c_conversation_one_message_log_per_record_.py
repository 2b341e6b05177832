"""conversation: one message log per record, with attachments

Revision ID: 76dc1bc5733c
Revises: b7d3f1a9c2e4
Create Date: 2026-12-06 09:14:34.007158

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (JSONB renders astext_type=Text())


# revision identifiers, used by Alembic.
revision = '76dc1bc5733c'
down_revision = 'b7d3f1a9c2e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conversation_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_type', sa.String(length=40), nullable=True),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('internal', sa.Boolean(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('sender', sa.String(length=200), nullable=True),
    sa.Column('mail_message_id', sa.String(length=250), nullable=True),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['ab_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['outbox_id'], ['mail_outbox.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['human_task.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('mail_message_id')
    )
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_message_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_message_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_message_task_id'), ['task_id'], unique=False)
        batch_op.create_index('ix_conversation_record', ['record_type', 'record_id', 'created_at'], unique=False)

    op.create_table('conversation_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['conversation_message.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('conversation_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_attachment_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('conversation_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_attachment_message_id'))

    op.drop_table('conversation_attachment')
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_record')
        batch_op.drop_index(batch_op.f('ix_conversation_message_task_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_message_instance_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_message_created_at'))

    op.drop_table('conversation_message')
