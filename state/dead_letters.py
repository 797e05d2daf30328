"""Updates we could not process: recorded for operators instead of failing forever.

Telegram redelivers any update not answered 2xx (and polling would hand it back for good), so
one poison update must not wedge a chat or the whole bot. It is answered 200, logged by class
only, and kept here — update id, kind, error class, time; nothing a person wrote.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.models import DeadLetter

T = DeadLetter.__table__


@dataclass(frozen=True, slots=True)
class DeadLetterView:
    id: int
    channel: str
    update_id: int
    kind: str
    error: str
    at: datetime


async def record(conn: AsyncConnection, channel: str, update_id: int, kind: str, error: str,
                 now: datetime) -> None:
    await conn.execute(insert(T).values(channel=channel, update_id=update_id, kind=kind[:32], error=error[:64],
                                        at=now))


async def latest(conn: AsyncConnection, limit: int = 50) -> list[DeadLetterView]:
    rows = await conn.execute(select(T.c.id, T.c.channel, T.c.update_id, T.c.kind, T.c.error, T.c.at)
                              .order_by(T.c.id.desc()).limit(limit))
    return [DeadLetterView(*row) for row in rows]


async def count(conn: AsyncConnection) -> int:
    return (await conn.execute(select(func.count()).select_from(T))).scalar_one()
