"""Messages to send, written in the turn's transaction and delivered after commit.

If the process dies between commit and send, or Telegram answers 429/5xx, the row is still
here and the sender retries it with backoff; a message is only given up after MAX_ATTEMPTS.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state.crypto import FieldCipher
from state.models import OutboxMessage

T = OutboxMessage.__table__
MAX_ATTEMPTS = 12


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: int
    channel: str
    chat_id: str
    method: str
    payload: dict[str, Any]
    attempts: int = 0


_CONTEXT = "outbox.payload"
_INSERT_ONE = insert(T).returning(T.c.id)


def rows_for(cipher: FieldCipher, channel: str, messages: Sequence[tuple[str, str, dict[str, Any]]],
             now: datetime, lease: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    """The outbox rows for messages, payloads encrypted (for writers that insert them themselves)."""
    return [{"channel": channel, "chat_id": chat_id, "method": method,
             "payload_enc": cipher.encrypt(orjson.dumps(payload).decode(), _CONTEXT),
             "created_at": now, "next_attempt_at": now + lease, "attempts": 0, "failed": False}
            for chat_id, method, payload in messages]


async def enqueue(conn: AsyncConnection, cipher: FieldCipher, channel: str,
                  messages: Sequence[tuple[str, str, dict[str, Any]]], now: datetime,
                  lease: timedelta = timedelta(0)) -> list[Outgoing]:
    """messages: (chat_id, method, payload). Returns them with their ids, in order.

    `lease`: the caller sends them itself right after commit; the sweeper waits this long
    before treating them as undelivered."""
    if not messages:
        return []
    rows = rows_for(cipher, channel, messages, now, lease)
    if len(rows) == 1:  # the usual turn: one reply, one prebuilt statement
        ids = [(await conn.execute(_INSERT_ONE, rows[0])).scalar_one()]
    else:
        result = await conn.execute(insert(T).returning(T.c.id, sort_by_parameter_order=True), rows)
        ids = [r[0] for r in result]
    return [Outgoing(i, channel, c, m, p) for i, (c, m, p) in zip(ids, messages, strict=True)]


async def due(conn: AsyncConnection, cipher: FieldCipher, now: datetime, limit: int = 200) -> list[Outgoing]:
    rows = await conn.execute(
        select(T.c.id, T.c.channel, T.c.chat_id, T.c.method, T.c.payload_enc, T.c.attempts)
        .where(T.c.sent_at.is_(None), T.c.failed.is_(False), T.c.next_attempt_at <= now)
        .order_by(T.c.id).limit(limit))
    return [Outgoing(i, ch, chat, m, orjson.loads(cipher.decrypt(p, _CONTEXT)), a) for i, ch, chat, m, p, a in rows]


async def mark_sent(conn: AsyncConnection, ids: Sequence[int], now: datetime) -> None:
    if ids:
        await conn.execute(update(T).where(T.c.id.in_(ids)).values(sent_at=now, payload_enc=None))


async def mark_retry(conn: AsyncConnection, message_id: int, attempts: int, now: datetime,
                     retry_after: float | None = None) -> None:
    delay = retry_after if retry_after is not None else min(2 ** attempts, 600)
    values: dict[str, Any] = {"attempts": attempts, "next_attempt_at": now + timedelta(seconds=delay),
                              "failed": attempts >= MAX_ATTEMPTS}
    if values["failed"]:
        values["payload_enc"] = None  # given up: nothing personal is kept for nothing
    await conn.execute(update(T).where(T.c.id == message_id).values(**values))


async def postpone(conn: AsyncConnection, message_id: int, until: datetime, attempts: int | None = None) -> None:
    """A message its chat's line is holding (Telegram said wait, or a retry is pending): no
    sweeper takes it before `until`."""
    values: dict[str, Any] = {"next_attempt_at": until}
    if attempts is not None:
        values["attempts"] = attempts
    await conn.execute(update(T).where(T.c.id == message_id, T.c.sent_at.is_(None)).values(**values))
