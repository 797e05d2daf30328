"""Loading and saving the one conversation row of a chat, locked for the turn."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.conversation import Conversation
from state.crypto import FieldCipher
from state.db import Database
from state.models import ConversationRow

T = ConversationRow.__table__
_CONTEXT = "conversations.answers"


async def load_for_turn(db: Database, conn: AsyncConnection, cipher: FieldCipher,
                        channel: str, chat_id: str, now: datetime) -> Conversation:
    """The chat's conversation, row-locked on PostgreSQL so one chat's turns run one at a time
    even across processes (SQLite's BEGIN IMMEDIATE already serialises all writers)."""
    query = select(T).where(T.c.channel == channel, T.c.chat_id == chat_id)
    if not db.is_sqlite:
        query = query.with_for_update()
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        if not db.is_sqlite:  # make the row so the lock has something to hold, then lock it
            await conn.execute(db.insert(T).values(channel=channel, chat_id=chat_id, version=0, failures=0,
                                                   updated_at=now).on_conflict_do_nothing())
            row = (await conn.execute(query)).mappings().first()
            if row is not None and row["flow"] is None and not row["answers_enc"] and row["version"] == 0:
                return Conversation(channel, chat_id, exists=True)
        if row is None:
            return Conversation(channel, chat_id)
    return from_row(row, cipher)


def from_row(row: Any, cipher: FieldCipher) -> Conversation:
    blob = orjson.loads(cipher.decrypt(row["answers_enc"], _CONTEXT)) if row["answers_enc"] else {}
    return Conversation(
        channel=row["channel"], chat_id=row["chat_id"], flow=row["flow"], state=row["state"],
        answers=blob.get("answers", {}), history=blob.get("history", []), draft=blob.get("draft"),
        version=row["version"], failures=row["failures"], locale=row["locale"],
        expires_at=row["expires_at"], exists=True)


def _values(convo: Conversation, cipher: FieldCipher, now: datetime) -> dict[str, Any]:
    blob = None
    if convo.answers or convo.history or convo.draft:
        blob = cipher.encrypt(orjson.dumps({"answers": convo.answers, "history": convo.history,
                                            "draft": convo.draft}).decode(), _CONTEXT)
    return {"flow": convo.flow, "state": convo.state, "answers_enc": blob, "version": convo.version,
            "failures": convo.failures, "locale": convo.locale, "expires_at": convo.expires_at,
            "updated_at": now}


async def save(db: Database, conn: AsyncConnection, cipher: FieldCipher, convo: Conversation,
               now: datetime) -> None:
    values = _values(convo, cipher, now)
    if convo.exists:
        await conn.execute(update(T).where(T.c.channel == convo.channel, T.c.chat_id == convo.chat_id)
                           .values(**values))
    else:
        await conn.execute(db.insert(T).values(channel=convo.channel, chat_id=convo.chat_id, **values))
        convo.exists = True


async def expired(conn: AsyncConnection, now: datetime, limit: int = 100) -> list[tuple[str, str, int]]:
    """Chats whose open flow has been idle past its expiry (the conversation row is its own
    durable timer: the version read here must still match when it is parked)."""
    rows = await conn.execute(select(T.c.channel, T.c.chat_id, T.c.version)
                              .where(T.c.flow.is_not(None), T.c.expires_at <= now).limit(limit))
    return [tuple(r) for r in rows]
