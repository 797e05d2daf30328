"""the web office, part 2: a PII-free count of dialogs given up per (flow, question, how, day)

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dialog_drop_offs',
    sa.Column('flow', sa.String(length=32), nullable=False),
    sa.Column('question', sa.String(length=64), nullable=False),
    sa.Column('how', sa.String(length=16), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('flow', 'question', 'how', 'day')
    )


def downgrade() -> None:
    op.drop_table('dialog_drop_offs')
