"""Korea Standard Time, the one clock people see: due dates, reminders and "today" are counted
in KST. The store keeps naive UTC (state/timeutil.py); these turn one into the other."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def to_kst(moment: datetime) -> datetime:
    """A moment (naive UTC, as stored, or aware) as KST."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(KST)


def kst_today(now: datetime) -> date:
    return to_kst(now).date()


def kst_moment(day: date, at: time) -> datetime:
    """A wall-clock time in Korea as the store's naive UTC."""
    return datetime.combine(day, at, KST).astimezone(UTC).replace(tzinfo=None)
