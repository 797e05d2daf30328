"""keyed audit chain (key id per entry) and API token expiry

Revision ID: 0002
Revises: 0001
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Tokens made before expiry existed get this long from the upgrade (not from their creation:
# an upgrade should not lock a running office out at once).
GRANDFATHERED_TOKEN_DAYS = 90


def upgrade() -> None:
    # NULL key id = an entry chained under the old, unkeyed rule; the service re-chains those
    # under the keyed rule at its next start (state/audit.py, adopt_unkeyed).
    with op.batch_alter_table('audit_log') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=16), nullable=True))
    with op.batch_alter_table('api_tokens') as batch:
        batch.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    expires = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(days=GRANDFATHERED_TOKEN_DAYS)
    op.get_bind().execute(sa.text("UPDATE api_tokens SET expires_at = :at WHERE expires_at IS NULL"), {"at": expires})


def downgrade() -> None:
    with op.batch_alter_table('api_tokens') as batch:
        batch.drop_column('expires_at')
    with op.batch_alter_table('audit_log') as batch:
        batch.drop_column('key_id')
