"""partner organisations, 서식2 consents, referrals; members and invites of organisations; a case's lead organisation

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisations',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('sigungu_code', sa.String(length=10), nullable=False),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=True),
    sa.Column('reply_days', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_index(op.f('ix_organisations_sigungu_code'), 'organisations', ['sigungu_code'], unique=False)
    op.create_table('consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('parts', sa.JSON(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('given_on', sa.String(length=10), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_consents_case_id'), 'consents', ['case_id'], unique=False)
    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_dong_code', sa.String(length=10), nullable=False),
    sa.Column('from_member_id', sa.Integer(), nullable=True),
    sa.Column('to_org_code', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('need', sa.String(length=32), nullable=False),
    sa.Column('household_type', sa.String(length=32), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('is_change', sa.Boolean(), nullable=False),
    sa.Column('request_enc', sa.Text(), nullable=True),
    sa.Column('shared', sa.JSON(), nullable=False),
    sa.Column('reject_reason', sa.String(length=32), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('taken_by_member_id', sa.Integer(), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.Column('due_on', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['from_member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['to_org_code'], ['organisations.code'], ),
    sa.ForeignKeyConstraint(['taken_by_member_id'], ['members.id'], ),
    sa.ForeignKeyConstraint(['previous_id'], ['referrals.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    for column in ('case_id', 'from_dong_code', 'from_member_id', 'to_org_code', 'state', 'sent_at', 'due_on'):
        op.create_index(op.f(f'ix_referrals_{column}'), 'referrals', [column], unique=False)
    with op.batch_alter_table('members') as batch:
        batch.add_column(sa.Column('org_code', sa.String(length=24), nullable=True))
        batch.create_index('ix_members_org_code', ['org_code'], unique=False)
    with op.batch_alter_table('invites') as batch:
        batch.add_column(sa.Column('org_code', sa.String(length=24), nullable=True))
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('lead_org_code', sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('lead_org_code')
    with op.batch_alter_table('invites') as batch:
        batch.drop_column('org_code')
    with op.batch_alter_table('members') as batch:
        batch.drop_index('ix_members_org_code')
        batch.drop_column('org_code')
    op.drop_table('referrals')
    op.drop_index(op.f('ix_consents_case_id'), table_name='consents')
    op.drop_table('consents')
    op.drop_index(op.f('ix_organisations_sigungu_code'), table_name='organisations')
    op.drop_table('organisations')
