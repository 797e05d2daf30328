"""Which chats we can reach: a chat that blocked the bot, or a group that removed it, gets
nothing more until it comes back (Telegram's my_chat_member update, or a new message from it).

Without this every later message to such a chat is one more failing Bot API call, and staff
never learn that a reporter cannot be reached any more.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from state.db import Database
from state.models import ChatReachability

T = ChatReachability.__table__


async def mark(db: Database, conn: AsyncConnection, channel: str, chat_id: str, reachable: bool, reason: str,
               now: datetime) -> None:
    values = {"channel": channel, "chat_id": chat_id, "reachable": reachable, "reason": reason[:32],
              "changed_at": now}
    statement = db.insert(T).values(**values).on_conflict_do_update(
        index_elements=[T.c.channel, T.c.chat_id], set_={"reachable": reachable, "reason": reason[:32],
                                                         "changed_at": now})
    await conn.execute(statement)


async def unreachable(conn: AsyncConnection, channel: str, chat_ids: list[str]) -> set[str]:
    """Those of chat_ids that are known to be unreachable now."""
    if not chat_ids:
        return set()
    rows = await conn.execute(select(T.c.chat_id).where(T.c.channel == channel, T.c.chat_id.in_(chat_ids),
                                                        T.c.reachable.is_(False)))
    return {r[0] for r in rows}


async def is_reachable(conn: AsyncConnection, channel: str, chat_id: str) -> bool:
    return not await unreachable(conn, channel, [chat_id])


async def all_unreachable(conn: AsyncConnection, channel: str) -> set[str]:
    rows = await conn.execute(select(T.c.chat_id).where(T.c.channel == channel, T.c.reachable.is_(False)))
    return {r[0] for r in rows}
