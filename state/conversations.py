"""Loading and saving the one conversation row of a chat.

A turn reads the row without a lock (on both engines; its everyday read is one statement of the
group writer's, state/group_commit.py) and saves it with ``UPDATE … WHERE version = :seen``; if
another process moved it meanwhile, the save reports a conflict and the caller runs the turn
again. Inside one process the per-chat lock already orders a chat's turns, so conflicts are
rare. Parking an expired dialog (load_for_turn) still locks the row on PostgreSQL.
The hot statements are built once here and executed with parameters (SQLAlchemy caches their
compiled form), because rebuilding them per turn cost more than running them.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.db import Database
from state.models import ConversationRow

T = ConversationRow.__table__
_CONTEXT = "conversations.answers"
_SELECT = select(T).where(T.c.channel == bindparam("ch"), T.c.chat_id == bindparam("chat"))
_SELECT_LOCKED = _SELECT.with_for_update()
_VALUES = ("flow", "state", "answers_enc", "version", "failures", "locale", "expires_at", "updated_at")
_UPDATE = (update(T).where(T.c.channel == bindparam("ch"), T.c.chat_id == bindparam("chat"),
                           T.c.version == bindparam("seen"))
           .values({name: bindparam(name) for name in _VALUES}))


# The dialog layer's Conversation (dialogs/conversation.py): the store keeps its fields without
# importing the layer above; callers pass the class to build (`make`).
Conversation = Any
C = TypeVar("C")


class ConversationChanged(Exception):
    """Another process saved this chat's conversation since it was read: run the turn again."""


async def load(conn: AsyncConnection, cipher: FieldCipher, channel: str, chat_id: str, make: Callable[..., C]) -> C:
    """Read without locking (SQLite; the save checks the version)."""
    row = (await conn.execute(_SELECT, {"ch": channel, "chat": chat_id})).mappings().first()
    return from_row(row, cipher, make) if row is not None else make(channel, chat_id)


async def load_for_turn(db: Database, conn: AsyncConnection, cipher: FieldCipher,
                        channel: str, chat_id: str, now: datetime, make: Callable[..., C]) -> C:
    """Read inside a transaction that will save it: row-locked on PostgreSQL (parking an expired
    dialog, bot/turns.park_expired; the version is checked on saving all the same)."""
    if db.is_sqlite:
        return await load(conn, cipher, channel, chat_id, make)
    params = {"ch": channel, "chat": chat_id}
    row = (await conn.execute(_SELECT_LOCKED, params)).mappings().first()
    if row is None:  # make the row so the lock has something to hold, then lock it
        await conn.execute(db.insert(T).values(channel=channel, chat_id=chat_id, version=0, failures=0,
                                               updated_at=now).on_conflict_do_nothing())
        row = (await conn.execute(_SELECT_LOCKED, params)).mappings().first()
    return from_row(row, cipher, make)


def from_row(row: Any, cipher: FieldCipher, make: Callable[..., C]) -> C:
    blob = orjson.loads(cipher.decrypt(row["answers_enc"], _CONTEXT)) if row["answers_enc"] else {}
    return make(
        channel=row["channel"], chat_id=row["chat_id"], flow=row["flow"], state=row["state"],
        answers=blob.get("answers", {}), history=blob.get("history", []), draft=blob.get("draft"),
        version=row["version"], failures=row["failures"], locale=row["locale"],
        expires_at=row["expires_at"], exists=True, seen_version=row["version"])


def row_values(convo: Conversation, cipher: FieldCipher, now: datetime) -> dict[str, Any]:
    blob = None
    if convo.answers or convo.history or convo.draft:
        blob = cipher.encrypt(orjson.dumps({"answers": convo.answers, "history": convo.history,
                                            "draft": convo.draft}).decode(), _CONTEXT)
    return {"flow": convo.flow, "state": convo.state, "answers_enc": blob, "version": convo.version,
            "failures": convo.failures, "locale": convo.locale, "expires_at": convo.expires_at,
            "updated_at": now}


async def save(db: Database, conn: AsyncConnection, cipher: FieldCipher, convo: Conversation,
               now: datetime) -> None:
    """Write the conversation back; raises ConversationChanged if it moved since it was read."""
    values = row_values(convo, cipher, now)
    if convo.exists:
        result = await conn.execute(_UPDATE, {"ch": convo.channel, "chat": convo.chat_id,
                                              "seen": convo.seen_version, **values})
        if result.rowcount != 1:
            raise ConversationChanged()
    else:
        inserted = await conn.execute(db.insert(T).values(channel=convo.channel, chat_id=convo.chat_id, **values)
                                      .on_conflict_do_nothing())
        if inserted.rowcount != 1:
            raise ConversationChanged()
        convo.exists = True
    convo.seen_version = convo.version


async def expired(conn: AsyncConnection, now: datetime, limit: int = 100) -> list[tuple[str, str, int]]:
    """Chats whose open flow has been idle past its expiry (the conversation row is its own
    durable timer: the version read here must still match when it is parked)."""
    rows = await conn.execute(select(T.c.channel, T.c.chat_id, T.c.version)
                              .where(T.c.flow.is_not(None), T.c.expires_at <= now).limit(limit))
    return [tuple(r) for r in rows]
