"""The staff lists stay flat as the data grows (issue 16): each list query, captured from the
function that runs it, is read through its index (migrations 0012, 0015) — in display order
with no sort where the list is read in order, or through an index that finds only the rows it
shows (overdue cases, open referrals) where it sorts them. SQLite's `EXPLAIN QUERY PLAN` and
PostgreSQL's `EXPLAIN` with sequential scans off, on freshly migrated databases."""
from __future__ import annotations

import asyncio
import re
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event

from state import cases, referrals, reports
from state.db import Database
from state.migrate import upgrade
from state.models import Base

DONGS = [f"11110{n:05d}" for n in range(17)]  # a 시군구's worth of 읍면동
ONE = DONGS[:1]
NOW = datetime(2026, 12, 7, 3, 0)


@dataclass(frozen=True)
class Listing:
    name: str
    run: Callable[[Any], Awaitable[Any]]
    index: str  # the index SQLite must search (PostgreSQL chooses by its own costs on an empty table)
    in_order: bool  # read in display order: no sort on either engine


LISTINGS = [
    Listing("a 읍면동's cases", lambda c: cases.list_cases(c, dong_codes=ONE), "ix_cases_dong_priority", True),
    Listing("a 시군구's cases", lambda c: cases.list_cases(c, dong_codes=DONGS), "ix_cases_dong_priority", True),
    Listing("a caseworker's cases", lambda c: cases.list_cases(c, dong_codes=ONE, manager_id=7),
            "ix_cases_manager_priority", True),
    Listing("a 읍면동's overdue cases", lambda c: cases.list_cases(c, dong_codes=ONE, overdue_at=NOW),
            "ix_cases_dong_due", False),
    Listing("a 시군구's overdue cases", lambda c: cases.list_cases(c, dong_codes=DONGS, overdue_at=NOW),
            "ix_cases_dong_due", False),
    Listing("a 읍면동's inbox", lambda c: reports.list_in_dongs(c, ONE), "ix_reports_dong_priority", True),
    Listing("a 시군구's inbox", lambda c: reports.list_in_dongs(c, DONGS), "ix_reports_dong_priority", True),
    Listing("a 읍면동's new reports", lambda c: reports.list_in_dongs(c, ONE, status="received"),
            "ix_reports_dong_status_priority", True),
    Listing("a 시군구's new reports", lambda c: reports.list_in_dongs(c, DONGS, status="received"),
            "ix_reports_dong_status_priority", True),
    Listing("referrals a 읍면동 sent", lambda c: referrals.listing(c, sent_by_dongs=ONE), "ix_referrals_dong_sent",
            True),
    Listing("referrals a 시군구 sent", lambda c: referrals.listing(c, sent_by_dongs=DONGS),
            "ix_referrals_dong_sent", True),
    Listing("referrals a caseworker sent", lambda c: referrals.listing(c, sent_by_dongs=ONE, from_member_id=7),
            "ix_referrals_member_sent", True),
    Listing("referrals an organisation owes", lambda c: referrals.listing(c, to_org="jn-food", states=referrals.OPEN),
            "ix_referrals_org_state", False),
    Listing("the coordinator's open referrals",
            lambda c: referrals.listing(c, sent_by_dongs=DONGS, states=referrals.OPEN, limit=2000),
            "ix_referrals_dong_state_due", False),
]


async def _migrated(url: str) -> Database:
    await asyncio.to_thread(upgrade, url)
    return Database(url)


async def _plan(db: Database, listing: Listing) -> list[str]:
    """The plan of the last SELECT the listing's function runs, with its own parameters."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with db.read() as conn:
            await listing.run(conn)
            statement, parameters = seen[-1]
            if db.is_sqlite:
                rows = await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                return [row[-1] for row in rows]
            await conn.exec_driver_sql("SET enable_seqscan = off")
            return [row[0] for row in await conn.exec_driver_sql("EXPLAIN (COSTS OFF) " + statement, parameters)]
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", capture)


SORT_NODE = re.compile(r"^(->\s+)?(Incremental )?Sort$")


async def test_each_staff_list_is_read_through_its_index(db_url):
    db = await _migrated(db_url)
    try:
        for listing in LISTINGS:
            plan = await _plan(db, listing)
            shown = f"{listing.name}:\n  " + "\n  ".join(plan)
            if db.is_sqlite:
                assert not [step for step in plan if step.startswith("SCAN")], shown
                searches = [step for step in plan if step.startswith("SEARCH") and " USING INDEX " in step]
                assert searches and all(f"USING INDEX {listing.index} " in s for s in searches), shown
                if listing.in_order:
                    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, shown
            else:
                assert not [line for line in plan if "Seq Scan" in line], shown
                if listing.in_order:
                    assert not [line for line in plan if SORT_NODE.match(line.strip())], shown
    finally:
        await db.dispose()


async def test_the_models_and_the_migrations_make_the_same_schema(db_url):
    """state/models.py says what the migrations made, indexes too (PostgreSQL compares even the
    inbox's expression indexes; SQLite cannot reflect those, says so in a warning and skips them)."""
    db = await _migrated(db_url)
    try:
        async with db.engine.connect() as conn:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "(?s).*expression-based index")
                diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
        assert diff == []
    finally:
        await db.dispose()
