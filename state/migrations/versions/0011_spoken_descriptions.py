"""Spoken descriptions (issue 17): photos.kind and photos.duration hold voice and video notes
beside photos (one table of a report's attachments: fetched, encrypted, rotated and erased the
same way); reports.listen_same_day flags a report described only by a recording.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='photo'))
        batch_op.add_column(sa.Column('duration', sa.Integer(), nullable=True))
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('listen_same_day', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('listen_same_day')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_column('duration')
        batch_op.drop_column('kind')
