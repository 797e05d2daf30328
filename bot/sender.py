"""Delivering queued messages through the Bot API: rate-limited, in order per chat, retried.

The turn that queued a message sends it right after commit (fast path). Anything it could not
send — Telegram said 429 "retry after", a 5xx, the network failed, the process died — stays in
the outbox and the sweeper sends it later, oldest first.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from datetime import timedelta

import orjson
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.aiohttp_request import AiohttpRequest

from state import outbox
from state.crypto import FieldCipher
from state.db import Database
from state.outbox import Outgoing
from state.timeutil import utcnow

log = logging.getLogger(__name__)
GROUP_MESSAGES_PER_MINUTE = 20  # Telegram's limit for one group chat


def raise_for_bot_api(status: int, body: bytes) -> None:
    """Telegram's answer as python-telegram-bot's errors, so retries work the same either way."""
    if status == 200:
        return
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        answer = {}
    description = str(answer.get("description") or f"HTTP {status}")
    retry_after = (answer.get("parameters") or {}).get("retry_after")
    if status == 429 and isinstance(retry_after, (int, float)):
        raise RetryAfter(timedelta(seconds=retry_after))
    if status in (400, 404):
        raise BadRequest(description)
    if status == 403:
        raise Forbidden(description)
    raise NetworkError(description)


class RateLimiter:
    """A token bucket for the bot as a whole (Telegram allows about 30 messages a second) and a
    slower one for each group chat."""

    def __init__(self, per_second: float) -> None:
        self.rate = per_second
        self.tokens = per_second
        self.updated = time.monotonic()
        self._lock = asyncio.Lock()
        self._group_next: dict[str, float] = {}

    async def wait(self, chat_id: str) -> None:
        async with self._lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            delay = 0.0
            if self.tokens < 1:
                delay = (1 - self.tokens) / self.rate
            self.tokens -= 1
            if chat_id.startswith("-"):  # group and channel chats have negative ids
                ready = max(self._group_next.get(chat_id, 0.0), now + delay)
                self._group_next[chat_id] = ready + 60 / GROUP_MESSAGES_PER_MINUTE
                delay = ready - now
        if delay > 0:
            await asyncio.sleep(delay)


class Sender:
    def __init__(self, bot: Bot, db: Database, cipher: FieldCipher, per_second: float) -> None:
        self.bot, self.db, self.cipher = bot, db, cipher
        self.limiter = RateLimiter(per_second)
        self._sent: list[int] = []
        self._flush_task: asyncio.Task | None = None

    async def deliver(self, messages: Sequence[Outgoing]) -> bool:
        """Send in order; on the first failure, leave it and the rest to the sweeper (so a chat's
        messages never overtake each other). True if all went out."""
        for index, message in enumerate(messages):
            await self.limiter.wait(message.chat_id)
            try:
                await self._call(message)
            except RetryAfter as exc:
                await self._retry(messages[index:], exc.retry_after)
                return False
            except (BadRequest, Forbidden) as exc:
                # The chat is gone or blocked us, or the message is malformed: retrying cannot help.
                log.warning("outbox %s refused by Telegram: %s", message.id, exc.__class__.__name__)
                await self._give_up(message)
                continue
            except TelegramError as exc:
                log.info("outbox %s not delivered yet (%s); will retry", message.id, exc.__class__.__name__)
                await self._retry(messages[index:], None)
                return False
            self._sent.append(message.id)
        self._schedule_flush()
        return True

    async def _call(self, message: Outgoing) -> None:
        request = self.bot.request
        if isinstance(request, AiohttpRequest):
            # The payload is already Bot API JSON: post it as is and read only "ok".
            status, body = await request.post_json(f"{self.bot.base_url}/{message.method}",
                                                   orjson.dumps(message.payload))
            raise_for_bot_api(status, body)
            return
        payload = dict(message.payload)
        if message.method == "sendMessage":
            chat_id, text = payload.pop("chat_id"), payload.pop("text")
            await self.bot.send_message(chat_id=chat_id, text=text, api_kwargs=payload or None)
        elif message.method == "sendContact":
            await self.bot.send_contact(chat_id=payload["chat_id"], phone_number=payload["phone_number"],
                                        first_name=payload["first_name"])
        elif message.method == "answerCallbackQuery":
            await self.bot.answer_callback_query(payload["callback_query_id"])
        else:  # pragma: no cover - only the methods above are queued
            raise ValueError(message.method)

    async def _retry(self, messages: Sequence[Outgoing], retry_after: float | int | None) -> None:
        delay = retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else retry_after
        async with self.db.transaction() as conn:
            for m in messages:
                await outbox.mark_retry(conn, m.id, m.attempts + 1, utcnow(), delay)

    async def _give_up(self, message: Outgoing) -> None:
        async with self.db.transaction() as conn:
            await outbox.mark_retry(conn, message.id, outbox.MAX_ATTEMPTS, utcnow())

    # Marking sent is batched: one UPDATE for many messages, a few times a second. If the process
    # dies before it, those messages are sent again (at least once, never lost).
    def _schedule_flush(self) -> None:
        if self._flush_task is None or self._flush_task.done():
            self._flush_task = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(0.05)
        await self.flush()

    async def flush(self) -> None:
        if not self._sent:
            return
        ids, self._sent = self._sent, []
        try:
            async with self.db.transaction() as conn:
                await outbox.mark_sent(conn, ids, utcnow())
        except Exception:
            log.exception("could not mark %d outbox messages sent; they may be sent again", len(ids))

    async def sweep_once(self) -> int:
        """Send what is due (undelivered past its lease, or waiting for a retry)."""
        async with self.db.read() as conn:
            due = await outbox.due(conn, self.cipher, utcnow())
        by_chat: dict[str, list[Outgoing]] = {}
        for message in due:
            by_chat.setdefault(message.chat_id, []).append(message)
        await asyncio.gather(*(self.deliver(msgs) for msgs in by_chat.values()))
        return len(due)
