"""the web office: single-use sign-in links and server-side sessions (hashed, never in clear)

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('office_sign_in_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('token_hash')
    )
    op.create_table('office_sessions',
    sa.Column('session_hash', sa.String(length=64), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], ),
    sa.PrimaryKeyConstraint('session_hash')
    )
    op.create_index(op.f('ix_office_sessions_member_id'), 'office_sessions', ['member_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_office_sessions_member_id'), table_name='office_sessions')
    op.drop_table('office_sessions')
    op.drop_table('office_sign_in_links')
