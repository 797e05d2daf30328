"""the household support ledger (지원 이력): support given by any organisation, households as keyed hashes

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('support_ledger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_hash', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('given_on', sa.String(length=10), nullable=False),
    sa.Column('amount_enc', sa.Text(), nullable=True),
    sa.Column('giver_org_code', sa.String(length=24), nullable=True),
    sa.Column('giver_dong_code', sa.String(length=10), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('national_checked', sa.Boolean(), nullable=False),
    sa.Column('override_reason', sa.String(length=32), nullable=True),
    sa.Column('overrides', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('household_hash', 'case_id', 'giver_org_code'):
        op.create_index(op.f(f'ix_support_ledger_{column}'), 'support_ledger', [column], unique=False)


def downgrade() -> None:
    for column in ('household_hash', 'case_id', 'giver_org_code'):
        op.drop_index(op.f(f'ix_support_ledger_{column}'), table_name='support_ledger')
    op.drop_table('support_ledger')
