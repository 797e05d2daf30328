"""Durable timers: rows swept by a background task. A timer names the version of the thing it
was made for; when it fires and the thing has moved on, it does nothing (RapidPro's pattern).
On PostgreSQL, workers claim due timers with FOR UPDATE SKIP LOCKED, so each fires once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import Timer

T = Timer.__table__


class TimerKind(StrEnum):
    URGENT_UNTAKEN = "urgent_untaken"  # an urgent report nobody took: the team leader hears again
    CASE_DUE_SOON = "case_due_soon"  # the working day before a statutory due date: the manager
    CASE_OVERDUE = "case_overdue"  # the working day after it, still open: the team leader
    FOLLOWUP_DUE = "followup_due"  # a planned follow-up contact
    LINKAGE_CHECK_DUE = "linkage_check_due"  # a 서비스 연계 household's 1–3 month check opens (L9190): the manager
    MONITORING_DUE = "monitoring_due"  # a closed household's next 사후관리 contact: its current 읍면동 (L10102–10106)
    REFERRAL_DUE_SOON = "referral_due_soon"  # the working day before a reply is due: the receiving organisation
    REFERRAL_OVERDUE = "referral_overdue"  # the working day after it, unanswered: the sender and the coordinator
    RESOURCE_STALE = "resource_stale"  # a resource-directory entry not verified for the set age: its organisation
    CONFERENCE_SOON = "conference_soon"  # the day before a scheduled 사례회의: its attendees, privately


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    kind: str
    subject: str
    version: int
    payload: dict[str, Any]


async def schedule(db: Database, conn: AsyncConnection, *, kind: TimerKind, subject: str, version: int,
                   due_at: datetime, payload: dict[str, Any] | None = None) -> None:
    """Idempotent: the same (kind, subject, version) is scheduled once."""
    await conn.execute(db.insert(T).values(kind=kind, subject=subject, version=version, due_at=due_at,
                                           payload=payload or {}, attempts=0).on_conflict_do_nothing())


async def claim_due(db: Database, conn: AsyncConnection, now: datetime, limit: int = 50) -> list[DueTimer]:
    """Due timers, marked done in this transaction (so they fire once even with several workers;
    if handling fails the transaction rolls back and they fire again at the next sweep)."""
    query = select(T.c.id, T.c.kind, T.c.subject, T.c.version, T.c.payload).where(
        T.c.done_at.is_(None), T.c.due_at <= now).order_by(T.c.due_at).limit(limit)
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    rows = [DueTimer(*r) for r in await conn.execute(query)]
    if rows:
        await conn.execute(update(T).where(T.c.id.in_([r.id for r in rows])).values(done_at=now))
    return rows


async def cancel(conn: AsyncConnection, kind: TimerKind, subject_prefix: str, now: datetime) -> None:
    await conn.execute(update(T).where(T.c.kind == kind, T.c.subject.startswith(subject_prefix),
                                       T.c.done_at.is_(None)).values(done_at=now))
