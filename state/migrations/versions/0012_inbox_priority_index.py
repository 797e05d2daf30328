"""the reports inbox in its display order from an index: (dong, urgent or same-day visit or listen today, newest)

Revision ID: 0012
Revises: 0011

A 읍면동's inbox (state/reports.list_in_dongs: urgent and same-day visits first, then newest,
100 rows) was read through ix_reports_dong_created and then sorted whole in a temporary B-tree:
its cost grew with every report the 읍면동 ever received. With this index a one-읍면동 inbox
reads its first 100 rows in order and stops (docs/performance.md, "Flat as the data grows").
The expression is the one SQLAlchemy renders for reports.priority_first on each engine, so the
planner can match it.
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

NAME = "ix_reports_dong_priority"


def upgrade() -> None:
    truth = "1" if op.get_bind().dialect.name == "sqlite" else "true"
    op.execute(f"CREATE INDEX {NAME} ON reports (dong_code, (urgent IS {truth} OR same_day_visit IS {truth} "
               f"OR listen_same_day IS {truth}) DESC, id DESC)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {NAME}")
