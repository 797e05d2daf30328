"""the resource directory (자원 목록): partner organisations' programmes and in-kind resources

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('resources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=48), nullable=False),
    sa.Column('org_code', sa.String(length=24), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('area', sa.JSON(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('eligibility', sa.Text(), nullable=False),
    sa.Column('how_to_ask', sa.Text(), nullable=False),
    sa.Column('capacity', sa.String(length=80), nullable=False),
    sa.Column('waiting_list', sa.Boolean(), nullable=False),
    sa.Column('last_verified', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_code'], ['organisations.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_resources_org_code'), 'resources', ['org_code'], unique=False)
    op.create_index(op.f('ix_resources_last_verified'), 'resources', ['last_verified'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resources_last_verified'), table_name='resources')
    op.drop_index(op.f('ix_resources_org_code'), table_name='resources')
    op.drop_table('resources')
