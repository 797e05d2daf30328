"""The count of dialogs given up, per flow, question, how and KST day (no person in it)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import DialogDropOff

D = DialogDropOff.__table__


async def add(db: Database, conn: AsyncConnection, flow: str, question: str, how: str, day: date) -> None:
    statement = db.insert(D).values(flow=flow[:32], question=question[:64], how=how[:16], day=day.isoformat(),
                                    count=1)
    await conn.execute(statement.on_conflict_do_update(index_elements=[D.c.flow, D.c.question, D.c.how, D.c.day],
                                                       set_={"count": D.c.count + 1}))


@dataclass(frozen=True, slots=True)
class DropOffCount:
    flow: str
    question: str
    how: str
    count: int


async def since(conn: AsyncConnection, first_day: date) -> list[DropOffCount]:
    rows = await conn.execute(select(D.c.flow, D.c.question, D.c.how, func.sum(D.c.count))
                              .where(D.c.day >= first_day.isoformat())
                              .group_by(D.c.flow, D.c.question, D.c.how))
    return [DropOffCount(f, q, h, int(n)) for f, q, h, n in rows]
