"""Delivering queued messages through the Bot API: one first-in first-out line per chat.

A turn commits its replies to the outbox and hands them here; nobody waits for Telegram (the
webhook answers at once). Each chat has one worker that sends its messages strictly in order:

- 429 with ``retry_after``: the chat is held that long and the same message tried again, so a
  later reply can never overtake it (other chats go on);
- 400 with ``migrate_to_chat_id`` (a group became a supergroup): sent again to the new id, and
  the owner of the chat id (a 읍면동 team's) is told through ``on_migrated``;
- 403 (blocked, kicked, deactivated): given up, the chat marked unreachable
  (``on_unreachable``), and nothing more is sent to it until it comes back;
- other 400s: that message is given up (it is malformed or its chat is gone), the line goes on;
- 5xx, timeouts, refused connections: tried again with backoff, in order, up to MAX_ATTEMPTS.

The outbox row is the durable copy: the sweeper feeds rows that nobody in this process holds
(a crash, another worker's leftovers) into the same lines, so nothing is sent twice by us.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import timedelta

import orjson
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.aiohttp_request import AiohttpRequest
from state import outbox
from state.crypto import FieldCipher
from state.db import Database
from state.outbox import Outgoing
from state.timeutil import utcnow

log = logging.getLogger(__name__)
GROUP_MESSAGES_PER_MINUTE = 20  # Telegram's limit for one group chat
# Telegram answers a send within seconds; a request is only abandoned after this long, so a
# slow success is not taken for a failure and sent again (the person would read it twice).
SEND_TIMEOUT_SECONDS = 60.0
# A message handed to a chat line is leased for longer than one request may take, so no other
# worker's sweeper sends it while this one still waits for Telegram's answer.
LEASE = timedelta(seconds=SEND_TIMEOUT_SECONDS * 1.5)
UNMODIFIED = "message is not modified"  # an edit that changes nothing: as good as done

Migrated = Callable[[str, str], Awaitable[None]]  # (old chat id, new chat id)
Unreachable = Callable[[str, str], Awaitable[None]]  # (chat id, reason)


def raise_for_bot_api(status: int, body: bytes) -> None:
    """Telegram's answer as python-telegram-bot's errors (the same mapping as PTB's own request
    code), so both request backends fail the same way."""
    if 200 <= status <= 299:
        return
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        answer = {}  # a 5xx from a proxy is HTML
    if not isinstance(answer, dict):
        answer = {}
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters") if isinstance(answer.get("parameters"), dict) else {}
    if isinstance(parameters.get("migrate_to_chat_id"), int):
        raise ChatMigrated(parameters["migrate_to_chat_id"])
    if isinstance(parameters.get("retry_after"), (int, float)) and parameters["retry_after"]:
        raise RetryAfter(timedelta(seconds=parameters["retry_after"]))
    if status == 400:
        raise BadRequest(description)
    if status == 403:
        raise Forbidden(description)
    if status in (401, 404):
        raise InvalidToken(description)
    raise NetworkError(description)


def unreachable_reason(error: Forbidden) -> str:
    text = str(error).lower()
    for word, reason in (("blocked", "blocked"), ("kicked", "kicked"), ("deactivated", "deactivated"),
                         ("not a member", "left")):
        if word in text:
            return reason
    return "forbidden"


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


def backoff(attempts: int) -> float:
    return float(min(2 ** attempts, 600))


class Sender:
    def __init__(self, bot: Bot, db: Database, cipher: FieldCipher, per_second: float) -> None:
        self.bot, self.db, self.cipher = bot, db, cipher
        self.limiter = RateLimiter(per_second)
        self.backoff: Callable[[int], float] = backoff
        self.on_migrated: Migrated | None = None
        self.on_unreachable: Unreachable | None = None
        self.unreachable: set[str] = set()  # chats that blocked us or removed us (kept in state/reachability)
        self._lines: dict[str, deque[Outgoing]] = {}
        self._workers: dict[str, asyncio.Task] = {}
        self._held: set[int] = set()  # outbox ids in a line of this process (queued or in flight)
        self._sent: list[int] = []
        self._flush_task: asyncio.Task | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    # -- handing messages over -------------------------------------------------------------------
    def submit(self, messages: Sequence[Outgoing]) -> None:
        """Queue messages behind whatever their chat is already waiting for; returns at once."""
        for message in messages:
            if message.id in self._held:
                continue
            self._held.add(message.id)
            self._lines.setdefault(message.chat_id, deque()).append(message)
            if message.chat_id not in self._workers:
                self._workers[message.chat_id] = asyncio.get_running_loop().create_task(
                    self._run_line(message.chat_id), name="outbox-chat-line")
        if self._workers:
            self._idle.clear()

    async def deliver(self, messages: Sequence[Outgoing]) -> None:
        """Kept for callers of the old name: queue them (delivery happens in the chat's line)."""
        self.submit(messages)

    async def drained(self) -> None:
        """Wait until every line is empty (tests, shutdown). Not used on the request path."""
        await self._idle.wait()

    def busy(self, chat_id: str) -> bool:
        return chat_id in self._workers

    # -- one chat's line -------------------------------------------------------------------------
    async def _run_line(self, chat_id: str) -> None:
        line = self._lines[chat_id]
        try:
            while line:
                message = line[0]
                if chat_id in self.unreachable:
                    await self._give_up(message, "unreachable")
                elif await self._send_in_turn(line, message):
                    continue  # the head was rewritten (a migrated chat): send it again at once
                line.popleft()
                self._held.discard(message.id)
        except asyncio.CancelledError:
            raise
        except Exception:  # a store failure: the rows stay in the outbox for the sweeper
            log.exception("an outbox line stopped; the sweeper takes over")
        finally:
            for message in line:
                self._held.discard(message.id)
            self._lines.pop(chat_id, None)
            self._workers.pop(chat_id, None)
            if not self._workers:
                self._idle.set()
            self._schedule_flush()

    async def _send_in_turn(self, line: deque[Outgoing], message: Outgoing) -> bool:
        """Send the head of a line until it is done (sent or given up). True when the line's
        messages were readdressed and the head must be sent again."""
        while True:
            await self.limiter.wait(message.chat_id)
            try:
                await self._call(message)
            except RetryAfter as exc:
                # Hold the whole chat: nothing of it may go out before this one.
                delay = exc.retry_after.total_seconds() if isinstance(exc.retry_after, timedelta) else float(
                    exc.retry_after)
                log.info("outbox %s: Telegram asks to wait %.0fs; the chat is held", message.id, delay)
                await self._postpone(line, delay)
                await asyncio.sleep(delay)
                continue
            except ChatMigrated as exc:
                old, new = message.chat_id, str(exc.new_chat_id)
                log.warning("a group chat became a supergroup; sending to its new id")
                if self.on_migrated is not None:
                    await self.on_migrated(old, new)
                for index, queued in enumerate(line):
                    if queued.chat_id == old:
                        line[index] = _readdressed(queued, new)
                return True
            except Forbidden as exc:
                reason = unreachable_reason(exc)
                log.info("outbox %s: the chat cannot be reached (%s)", message.id, reason)
                self.unreachable.add(message.chat_id)
                if self.on_unreachable is not None:
                    await self.on_unreachable(message.chat_id, reason)
                await self._give_up(message, reason)
                return False
            except BadRequest as exc:
                if UNMODIFIED in str(exc).lower():
                    self._sent.append(message.id)
                    return False
                # Malformed, or its chat or message is gone: retrying cannot help. Telegram's
                # descriptions name the problem, never the text we sent.
                log.warning("outbox %s refused by Telegram: %s", message.id, exc.message)
                await self._give_up(message, "bad_request")
                return False
            except TelegramError as exc:  # 5xx, timeouts, refused connections, a bad token
                message = replace(message, attempts=message.attempts + 1)
                line[0] = message
                if message.attempts >= outbox.MAX_ATTEMPTS:
                    log.warning("outbox %s given up after %d attempts (%s)", message.id, message.attempts,
                                exc.__class__.__name__)
                    await self._give_up(message, "attempts")
                    return False
                delay = self.backoff(message.attempts)
                log.info("outbox %s not delivered yet (%s); again in %.0fs", message.id, exc.__class__.__name__,
                         delay)
                await self._postpone(line, delay, message.attempts)
                await asyncio.sleep(delay)
                continue
            self._sent.append(message.id)
            self._schedule_flush()
            return False

    async def _call(self, message: Outgoing) -> None:
        request = self.bot.request
        if isinstance(request, AiohttpRequest):
            # The payload is already Bot API JSON: post it as is and read only "ok".
            status, body = await request.post_json(f"{self.bot.base_url}/{message.method}",
                                                   orjson.dumps(message.payload), timeout=SEND_TIMEOUT_SECONDS)
            raise_for_bot_api(status, body)
            return
        await self.bot.do_api_request(message.method, api_kwargs=dict(message.payload),
                                      read_timeout=SEND_TIMEOUT_SECONDS)

    async def _postpone(self, line: deque[Outgoing], delay: float, attempts: int | None = None) -> None:
        """Write the hold down, so another worker's sweeper leaves these rows alone meanwhile
        and a restart still waits for Telegram's retry_after."""
        now = utcnow()
        async with self.db.transaction() as conn:
            for index, queued in enumerate(line):
                await outbox.postpone(conn, queued.id, now + timedelta(seconds=delay) + LEASE,
                                      attempts if index == 0 else None)

    async def _give_up(self, message: Outgoing, why: str) -> None:
        async with self.db.transaction() as conn:
            await outbox.mark_retry(conn, message.id, outbox.MAX_ATTEMPTS, utcnow())

    # Marking sent is batched: one UPDATE for many messages, a few times a second. If the process
    # dies before it, those messages are sent again (at least once, never lost).
    def _schedule_flush(self) -> None:
        if self._sent and (self._flush_task is None or self._flush_task.done()):
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

    async def close(self) -> None:
        for task in list(self._workers.values()):
            task.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)
        await self.flush()

    async def sweep_once(self) -> int:
        """Queue what is due and nobody here holds (undelivered past its lease, or waiting for a
        retry after a restart). Returns how many were handed to chat lines."""
        async with self.db.read() as conn:
            due = await outbox.due(conn, self.cipher, utcnow())
        fresh = [m for m in due if m.id not in self._held]
        self.submit(fresh)
        return len(fresh)


def _readdressed(message: Outgoing, chat_id: str) -> Outgoing:
    payload = dict(message.payload)
    payload["chat_id"] = int(chat_id)
    return replace(message, chat_id=chat_id, payload=payload)
