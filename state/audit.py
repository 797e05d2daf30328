"""The audit log: append-only, each entry's hash covering the one before, so an edit or a
deletion anywhere breaks the chain (`salpim admin verify-audit`). Entries name who and what
(ids, receipt numbers), never personal data."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from state.models import AuditEntry

T = AuditEntry.__table__
GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x5A1_A0D17  # any constant: the advisory lock that orders audit appends


def entry_hash(prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]) -> str:
    body = orjson.dumps([prev_hash, at.isoformat(), actor, action, subject, detail], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


async def record(conn: AsyncConnection, *, actor: str, action: str, subject: str, now: datetime,
                 detail: dict[str, Any] | None = None) -> None:
    detail = detail or {}
    if conn.dialect.name == "postgresql":
        # Appends queue behind one another until commit, so concurrent workers extend the chain
        # in turn instead of colliding (SQLite's single writer already does this).
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    last = (await conn.execute(select(T.c.hash).order_by(T.c.id.desc()).limit(1))).scalar()
    prev = last or GENESIS
    # And should two appends ever race, the unique prev_hash makes one fail: never a fork.
    await conn.execute(insert(T).values(at=now, actor=actor, action=action, subject=subject, detail=detail,
                                        prev_hash=prev, hash=entry_hash(prev, now, actor, action, subject, detail)))


async def verify(conn: AsyncConnection) -> tuple[bool, int, int | None]:
    """(intact, entries checked, id of the first broken entry)."""
    prev, count = GENESIS, 0
    for row in await conn.execute(select(T).order_by(T.c.id)):
        expected = entry_hash(prev, row.at, row.actor, row.action, row.subject, row.detail or {})
        if row.prev_hash != prev or row.hash != expected:
            return False, count, row.id
        prev, count = row.hash, count + 1
    return True, count, None


async def latest(conn: AsyncConnection, limit: int = 200) -> list[dict[str, Any]]:
    rows = await conn.execute(select(T).order_by(T.c.id.desc()).limit(limit))
    return [{"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "action": r.action, "subject": r.subject,
             "detail": r.detail, "hash": r.hash} for r in rows]
