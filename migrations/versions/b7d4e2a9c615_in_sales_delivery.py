"""in-sales delivery: contract signing and handover terms, the customer's mail language, contract
handovers, projects in delivery (milestones, progress reports) and orders (lines)

Revision ID: b7d4e2a9c615
Revises: b7d1e4f2a689
Create Date: 2026-12-06 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7d4e2a9c615'
down_revision = 'b7d1e4f2a689'
branch_labels = None
depends_on = None


def _instance_fk():
    return sa.Column('process_instance_id', sa.Integer(),
                     sa.ForeignKey('process_instance.id', ondelete='SET NULL'), nullable=True)


def upgrade():
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('milestones', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('acceptance_criteria', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('responsibilities', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('service_terms', sa.Text(), nullable=True))
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))

    op.create_table(
        'contract_handover',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('number', sa.String(length=32), nullable=False, unique=True),
        sa.Column('contract_id', sa.Integer(), sa.ForeignKey('contract.id', ondelete='CASCADE'), nullable=False),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id'), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('meeting_on', sa.Date(), nullable=True),
        sa.Column('held_on', sa.Date(), nullable=True),
        sa.Column('attendees', sa.String(length=300), nullable=True),
        sa.Column('minutes', sa.Text(), nullable=True),
        sa.Column('customer_confirmed', sa.Boolean(), nullable=True),
        sa.Column('escalated', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        _instance_fk(),
    )
    for col in ('contract_id', 'customer_id', 'due_at', 'status', 'created_at', 'process_instance_id'):
        op.create_index(f'ix_contract_handover_{col}', 'contract_handover', [col])

    op.create_table(
        'delivery_project',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('number', sa.String(length=32), nullable=False, unique=True),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id'), nullable=False),
        sa.Column('contract_id', sa.Integer(), sa.ForeignKey('contract.id', ondelete='SET NULL'), nullable=True),
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contact.id', ondelete='SET NULL'), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=True),
        sa.Column('planned_finish', sa.Date(), nullable=True),
        sa.Column('installation_status', sa.String(length=16), nullable=False),
        sa.Column('commissioning_status', sa.String(length=16), nullable=False),
        sa.Column('site_escort', sa.String(length=100), nullable=True),
        sa.Column('accepted_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        _instance_fk(),
    )
    for col in ('customer_id', 'contract_id', 'contact_id', 'status', 'created_at', 'process_instance_id'):
        op.create_index(f'ix_delivery_project_{col}', 'delivery_project', [col])

    op.create_table(
        'project_milestone',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('project_id', sa.Integer(), sa.ForeignKey('delivery_project.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('planned_on', sa.Date(), nullable=True),
        sa.Column('done_on', sa.Date(), nullable=True),
        sa.Column('customer_notified_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_project_milestone_project_id', 'project_milestone', ['project_id'])

    op.create_table(
        'progress_report',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('project_id', sa.Integer(), sa.ForeignKey('delivery_project.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('content', sa.Text(), nullable=False),
        sa.Column('construction', sa.Text(), nullable=True),
        sa.Column('installation', sa.Text(), nullable=True),
        sa.Column('mailed', sa.Boolean(), nullable=False),
        sa.Column('reported_by_id', sa.Integer(), sa.ForeignKey('ab_user.id', ondelete='SET NULL'), nullable=True),
    )
    op.create_index('ix_progress_report_project_id', 'progress_report', ['project_id'])
    op.create_index('ix_progress_report_reported_at', 'progress_report', ['reported_at'])

    op.create_table(
        'sales_order',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('number', sa.String(length=32), nullable=False, unique=True),
        sa.Column('customer_id', sa.Integer(), sa.ForeignKey('customer.id'), nullable=False),
        sa.Column('contact_id', sa.Integer(), sa.ForeignKey('contact.id', ondelete='SET NULL'), nullable=True),
        sa.Column('contract_id', sa.Integer(), sa.ForeignKey('contract.id', ondelete='SET NULL'), nullable=True),
        sa.Column('ordered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivery_address', sa.String(length=300), nullable=True),
        sa.Column('reviewed', sa.Boolean(), nullable=True),
        sa.Column('stock_status', sa.String(length=16), nullable=True),
        sa.Column('expected_stock_on', sa.Date(), nullable=True),
        sa.Column('delivery_on', sa.Date(), nullable=True),
        sa.Column('delivered_on', sa.Date(), nullable=True),
        sa.Column('installed_on', sa.Date(), nullable=True),
        sa.Column('commissioned', sa.Boolean(), nullable=True),
        sa.Column('instructions_given', sa.Boolean(), nullable=True),
        sa.Column('payment_method', sa.String(length=16), nullable=True),
        sa.Column('paid_on', sa.Date(), nullable=True),
        sa.Column('amount', sa.Numeric(12, 2), nullable=True),
        sa.Column('invoice_number', sa.String(length=40), nullable=True),
        sa.Column('invoice_date', sa.Date(), nullable=True),
        sa.Column('invoice_delivered_on', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        _instance_fk(),
    )
    for col in ('customer_id', 'contact_id', 'contract_id', 'ordered_at', 'invoice_number', 'status',
                'process_instance_id'):
        op.create_index(f'ix_sales_order_{col}', 'sales_order', [col])

    op.create_table(
        'sales_order_line',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('order_id', sa.Integer(), sa.ForeignKey('sales_order.id', ondelete='CASCADE'), nullable=False),
        sa.Column('product', sa.String(length=200), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('unit_price', sa.Numeric(12, 2), nullable=True),
    )
    op.create_index('ix_sales_order_line_order_id', 'sales_order_line', ['order_id'])


def downgrade():
    for table in ('sales_order_line', 'sales_order', 'progress_report', 'project_milestone', 'delivery_project',
                  'contract_handover'):
        op.drop_table(table)
    with op.batch_alter_table('customer', schema=None) as batch_op:
        batch_op.drop_column('language')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        for col in ('service_terms', 'responsibilities', 'acceptance_criteria', 'milestones', 'signed_on'):
            batch_op.drop_column(col)
