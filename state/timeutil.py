"""Time as the store keeps it: naive UTC (both SQLite and PostgreSQL compare it the same way).
People see Korea Standard Time (welfare/korea_time.py, re-exported here for the store's callers)."""
from __future__ import annotations

from datetime import UTC, datetime

from welfare.korea_time import KST, kst_today, to_kst

__all__ = ["KST", "kst_today", "to_kst", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
