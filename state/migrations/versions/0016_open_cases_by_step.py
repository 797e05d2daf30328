"""open cases found by their step, not by walking every case a caseworker or 읍면동 ever had

Revision ID: 0016
Revises: 0015

A caseworker's worklist and a team leader's list of open cases (core.cases.list_cases with
open_only) read the manager's or the 읍면동's cases in display order and skipped the ended ones:
over years a caseworker has a few open cases among thousands ended, and the list read them all
(the growth bench: "office: my work" 8 → 16 ms from 1,000 to 100,000 cases). With these indexes
the open ones are looked up by step (state/cases.py asks for the open steps by name) and only
they are sorted.
"""
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_manager_step", "cases", ["manager_member_id", "step"])
    op.create_index("ix_cases_dong_step", "cases", ["dong_code", "step"])


def downgrade() -> None:
    op.drop_index("ix_cases_dong_step", table_name="cases")
    op.drop_index("ix_cases_manager_step", table_name="cases")
