"""staff lists read in their display order from indexes: cases carry their report's priority

Revision ID: 0015
Revises: 0014

The cases list ordered by the *report's* urgency through a join, which no index on cases can
give: every list sorted all the cases its filter found, a cost that grew with the 읍면동's
history. The priority (urgent, same-day visit or listen today) is fixed when the report is
filed (nothing updates those columns), so it is copied onto the case when the case is opened
(state/cases.py) and here for the cases there are. Each staff list then has an index that
reads it in order and stops at its limit (docs/performance.md, "Flat as the data grows"):

* cases by manager (manager_member_id, priority, id), by 읍면동 (dong_code, priority, id);
  the overdue ones (next_due < now) from (dong_code, next_due), sorting only the overdue rows:
  they are few, and an ended case has no running clock (its next_due is NULL, set here for the
  ended ones there are), where the priority index would walk the 읍면동's whole history;
* the inbox with a status (the office's "received"): (dong_code, status, priority expression, id),
  the expression as SQLAlchemy renders state.models.priority_first on each engine, as in 0012;
* referrals sent by a 읍면동 (from_dong_code, sent_at, id) or a caseworker (from_member_id,
  sent_at, id), owed by an organisation (to_org_code, state, sent_at, id), and a 읍면동's open or
  overdue ones (from_dong_code, state, due_on) — with (state, due_on) alone SQLite prefers
  walking the 읍면동's referrals in order.

Each new index starts with the columns of the single-column index it replaces, which is dropped.
Ascending columns serve the lists' all-descending order: both engines scan an index backwards.
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# The steps after which no statutory clock runs (core/cases.py CLOSED_STEPS).
ENDED = ("aftercare_done", "closed_early", "referred_out", "not_selected")
REPLACED = [  # (table, the index dropped and its columns, the index made instead and its columns)
    ("cases", "ix_cases_manager_member_id", ["manager_member_id"],
     "ix_cases_manager_priority", ["manager_member_id", "priority", "id"]),
    ("cases", "ix_cases_dong_code", ["dong_code"], "ix_cases_dong_priority", ["dong_code", "priority", "id"]),
    ("cases", "ix_cases_next_due", ["next_due"], "ix_cases_dong_due", ["dong_code", "next_due"]),
    ("referrals", "ix_referrals_from_dong_code", ["from_dong_code"],
     "ix_referrals_dong_sent", ["from_dong_code", "sent_at", "id"]),
    ("referrals", "ix_referrals_from_member_id", ["from_member_id"],
     "ix_referrals_member_sent", ["from_member_id", "sent_at", "id"]),
    ("referrals", "ix_referrals_to_org_code", ["to_org_code"],
     "ix_referrals_org_state", ["to_org_code", "state", "sent_at", "id"]),
    ("referrals", "ix_referrals_state", ["state"],
     "ix_referrals_dong_state_due", ["from_dong_code", "state", "due_on"]),
]
INBOX = "ix_reports_dong_status_priority"


def upgrade() -> None:
    op.add_column("cases", sa.Column("priority", sa.Boolean(), server_default=sa.false(), nullable=False))
    reports = sa.table("reports", sa.column("id"), sa.column("urgent"), sa.column("same_day_visit"),
                       sa.column("listen_same_day"))
    cases = sa.table("cases", sa.column("report_id"), sa.column("priority"), sa.column("step"),
                     sa.column("next_due"))
    first = sa.select(reports.c.id).where(sa.or_(reports.c.urgent.is_(True), reports.c.same_day_visit.is_(True),
                                                 reports.c.listen_same_day.is_(True)))
    op.execute(cases.update().where(cases.c.report_id.in_(first)).values(priority=True))
    op.execute(cases.update().where(cases.c.step.in_(ENDED)).values(next_due=None))
    for table, old, _, new, columns in REPLACED:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns)
    truth = "1" if op.get_bind().dialect.name == "sqlite" else "true"
    op.execute(f"CREATE INDEX {INBOX} ON reports (dong_code, status, (urgent IS {truth} OR same_day_visit IS "
               f"{truth} OR listen_same_day IS {truth}) DESC, id DESC)")


def downgrade() -> None:
    op.execute(f"DROP INDEX {INBOX}")
    for table, old, old_columns, new, _ in reversed(REPLACED):
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns)
    with op.batch_alter_table("cases") as batch:  # SQLite rebuilds the table
        batch.drop_column("priority")
