"""Each incoming update is processed once: its id is claimed in the turn's transaction."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import InboxEntry

T = InboxEntry.__table__
_CLAIM: dict[bool, object] = {}  # built once per dialect (ON CONFLICT differs in syntax only)


async def claim(db: Database, conn: AsyncConnection, channel: str, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen. Claimed in the same transaction as its effects,
    so a turn that fails leaves the update unclaimed and a redelivery processes it."""
    statement = _CLAIM.get(db.is_sqlite)
    if statement is None:
        statement = _CLAIM[db.is_sqlite] = db.insert(T).on_conflict_do_nothing()
    result = await conn.execute(statement, {"channel": channel, "update_id": update_id, "received_at": now})
    return result.rowcount == 1


async def prune(conn: AsyncConnection, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    """Telegram gives up redelivering after about a day; older claims are only ballast."""
    result = await conn.execute(delete(T).where(T.c.received_at < now - keep))
    return result.rowcount or 0
