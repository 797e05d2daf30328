"""co-managing organisations of a case (공동사례관리기관, each with a stated role); who designated the 주사례관리자

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_co_managers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('org_code', sa.String(length=24), nullable=False),
    sa.Column('role_kind', sa.String(length=32), nullable=False),
    sa.Column('role_text_enc', sa.Text(), nullable=True),
    sa.Column('added_by', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.Column('removed_by', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.ForeignKeyConstraint(['org_code'], ['organisations.code'], ),
    sa.ForeignKeyConstraint(['added_by'], ['members.id'], ),
    sa.ForeignKeyConstraint(['removed_by'], ['members.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_case_co_managers_case_id'), 'case_co_managers', ['case_id'], unique=False)
    with op.batch_alter_table('cases') as batch:
        batch.add_column(sa.Column('manager_designated_by', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases') as batch:
        batch.drop_column('manager_designated_by')
    op.drop_index(op.f('ix_case_co_managers_case_id'), table_name='case_co_managers')
    op.drop_table('case_co_managers')
