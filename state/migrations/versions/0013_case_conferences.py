"""case conferences (사례회의, 서식4) with per-case minutes, and 솔루션회의 requests (서식10)

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dong_code', sa.String(length=10), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('held_on', sa.String(length=10), nullable=True),
    sa.Column('starts_at', sa.DateTime(), nullable=True),
    sa.Column('author_member_id', sa.Integer(), nullable=True),
    sa.Column('author_org', sa.String(length=32), nullable=False),
    sa.Column('title_enc', sa.Text(), nullable=True),
    sa.Column('experts_enc', sa.Text(), nullable=True),
    sa.Column('invited_orgs', sa.JSON(), nullable=False),
    sa.Column('invited_members', sa.JSON(), nullable=False),
    sa.Column('case_ids', sa.JSON(), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['previous_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_meetings_dong_code'), 'meetings', ['dong_code'], unique=False)
    op.create_index(op.f('ix_meetings_state'), 'meetings', ['state'], unique=False)
    op.create_index(op.f('ix_meetings_starts_at'), 'meetings', ['starts_at'], unique=False)
    op.create_table('conference_minutes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.String(length=10), nullable=False),
    sa.Column('content_enc', sa.Text(), nullable=True),
    sa.Column('decisions', sa.JSON(), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('attendee_names_enc', sa.Text(), nullable=True),
    sa.Column('danger', sa.JSON(), nullable=False),
    sa.Column('next_meeting_on', sa.String(length=10), nullable=True),
    sa.Column('author_member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('meeting_id', 'case_id', name='uq_minutes_per_case')
    )
    op.create_index(op.f('ix_conference_minutes_case_id'), 'conference_minutes', ['case_id'], unique=False)
    op.create_index(op.f('ix_conference_minutes_meeting_id'), 'conference_minutes', ['meeting_id'], unique=False)
    op.create_table('solution_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('dong_code', sa.String(length=10), nullable=False),
    sa.Column('requested_by', sa.Integer(), nullable=True),
    sa.Column('request_enc', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ),
    sa.ForeignKeyConstraint(['requested_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_solution_requests_case_id'), 'solution_requests', ['case_id'], unique=False)
    op.create_index(op.f('ix_solution_requests_dong_code'), 'solution_requests', ['dong_code'], unique=False)
    op.create_index(op.f('ix_solution_requests_state'), 'solution_requests', ['state'], unique=False)


def downgrade() -> None:
    op.drop_table('solution_requests')
    op.drop_table('conference_minutes')
    op.drop_table('meetings')
