"""Time as the store keeps it: naive UTC (both SQLite and PostgreSQL compare it the same way).
People see Korea Standard Time."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def to_kst(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC).astimezone(KST)
