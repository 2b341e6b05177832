"""staff assessment: per department and month, a line per person

Revision ID: b7d3f1a9c2e4
Revises: b6d1e4f2a805
Create Date: 2026-12-06 06:30:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'b7d3f1a9c2e4'
down_revision = 'b6d1e4f2a805'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade():
    op.create_table(
        'staff_assessment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('review_note', sa.Text(), nullable=True),
        sa.Column('team_award', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('process_instance_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['department_id'], ['department.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['ab_user.id']),
        sa.ForeignKeyConstraint(['process_instance_id'], ['process_instance.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('department_id', 'month', name='uq_staff_assessment_department_month'),
    )
    with op.batch_alter_table('staff_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_assessment_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_assessment_month'), ['month'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_assessment_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_assessment_process_instance_id'), ['process_instance_id'],
                              unique=False)
    op.create_table(
        'staff_assessment_line',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('figures', JSON, nullable=False),
        sa.Column('proposed_grade', sa.String(length=16), nullable=True),
        sa.Column('grade', sa.String(length=16), nullable=True),
        sa.Column('override_reason', sa.Text(), nullable=True),
        sa.Column('graded_by_id', sa.Integer(), nullable=True),
        sa.Column('graded_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('award', sa.Boolean(), nullable=False),
        sa.Column('interview_notes', sa.Text(), nullable=True),
        sa.Column('improvement_plan', sa.Text(), nullable=True),
        sa.Column('plan_deadline', sa.Date(), nullable=True),
        sa.Column('improved', sa.Boolean(), nullable=True),
        sa.Column('outcome', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['staff_assessment.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['graded_by_id'], ['ab_user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('assessment_id', 'user_id', name='uq_staff_assessment_line_user'),
    )
    with op.batch_alter_table('staff_assessment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_assessment_line_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_assessment_line_user_id'), ['user_id'], unique=False)


def downgrade():
    op.drop_table('staff_assessment_line')
    op.drop_table('staff_assessment')
