"""pre-sales records: opportunity (prospect), sales_solution (versions, technical review),
presales_question (answers within 2 working days), presales_contact (the follow-up ledger)

Revision ID: b6d1e4f2a805
Revises: c4e6a8b0d215
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b6d1e4f2a805'
down_revision = 'c4e6a8b0d215'
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade():
    op.create_table(
        'opportunity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=32), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('service_request_id', sa.Integer(), nullable=True),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('product_line', sa.String(length=24), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('needs', sa.Text(), nullable=False),
        sa.Column('budget_range', sa.String(length=16), nullable=True),
        sa.Column('wanted_date', sa.Date(), nullable=True),
        sa.Column('time_requirement', sa.String(length=200), nullable=True),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('received_at', TZ, nullable=False),
        sa.Column('first_contact_due', TZ, nullable=True),
        sa.Column('first_contact_at', TZ, nullable=True),
        sa.Column('last_contact_at', TZ, nullable=True),
        sa.Column('next_followup_at', TZ, nullable=True),
        sa.Column('followup_count', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=True),
        sa.Column('lost_reason', sa.Text(), nullable=True),
        sa.Column('decided_at', TZ, nullable=True),
        sa.Column('process_instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['service_request_id'], ['service_request.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['owner_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('number'),
    )
    with op.batch_alter_table('opportunity', schema=None) as batch_op:
        for col in ('customer_id', 'contact_id', 'service_request_id', 'owner_id', 'status', 'received_at',
                    'next_followup_at', 'outcome', 'decided_at', 'process_instance_id'):
            batch_op.create_index(batch_op.f(f'ix_opportunity_{col}'), [col], unique=False)

    op.create_table(
        'sales_solution',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('feasibility', sa.Text(), nullable=True),
        sa.Column('advantages', sa.Text(), nullable=True),
        sa.Column('implementation_steps', sa.Text(), nullable=True),
        sa.Column('cost_structure', sa.Text(), nullable=True),
        sa.Column('quoted_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('product_models', sa.Text(), nullable=True),
        sa.Column('system_design', sa.Text(), nullable=True),
        sa.Column('attachments', sa.Text(), nullable=True),
        sa.Column('review_status', sa.String(length=12), nullable=False),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', TZ, nullable=True),
        sa.Column('presented_at', TZ, nullable=True),
        sa.Column('created_at', TZ, nullable=False),
        sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('opportunity_id', 'version', name='uq_sales_solution_version'),
    )
    with op.batch_alter_table('sales_solution', schema=None) as batch_op:
        for col in ('opportunity_id', 'review_status', 'reviewed_by_id'):
            batch_op.create_index(batch_op.f(f'ix_sales_solution_{col}'), [col], unique=False)

    op.create_table(
        'presales_question',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('asked_at', TZ, nullable=False),
        sa.Column('due_at', TZ, nullable=True),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_at', TZ, nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('escalated_at', TZ, nullable=True),
        sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('presales_question', schema=None) as batch_op:
        for col in ('opportunity_id', 'asked_at', 'answered_by_id'):
            batch_op.create_index(batch_op.f(f'ix_presales_question_{col}'), [col], unique=False)

    op.create_table(
        'presales_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('at', TZ, nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('method', sa.String(length=16), nullable=True),
        sa.Column('summary', sa.Text(), nullable=True),
        sa.Column('decision', sa.String(length=16), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('presales_contact', schema=None) as batch_op:
        for col in ('opportunity_id', 'at', 'user_id'):
            batch_op.create_index(batch_op.f(f'ix_presales_contact_{col}'), [col], unique=False)


def downgrade():
    for table in ('presales_contact', 'presales_question', 'sales_solution', 'opportunity'):
        op.drop_table(table)
