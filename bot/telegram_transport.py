"""The Telegram channel: a python-telegram-bot Bot (request backend swappable), the webhook
handler, the polling loop, and delivery. Webhook and polling share one processing path.

Per update: parse → per-chat lock → turn (one transaction) → hand that turn's replies to the
chat's outbox line → release. Nobody waits for Telegram here: the webhook answers as soon as
the turn is committed, and a button press is acknowledged in the webhook's own response body
(answerCallbackQuery, with a refusal as its text). An update that fails for any reason but a
passing store outage is a dead letter: recorded, answered 200, never redelivered forever.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.aiohttp_request import AiohttpRequest
from bot.chat_changes import ChatChanges
from bot.chat_lock import ChatLocks
from bot.flood_guard import FloodGuard
from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.sender import SEND_TIMEOUT_SECONDS, Sender
from bot.telegram_updates import ParsedUpdate, parse_update, update_kind
from bot.turns import SEND_LEASE, TELEGRAM, TurnResult, TurnRunner
from dialogs.callback_data import is_case_button
from dialogs.events import Choice, Command
from dialogs.replies import say
from salpim.settings import Settings
from state import inbox, outbox
from state.conversations import ConversationChanged
from state.timeutil import utcnow

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
# my_chat_member: a person blocking the bot (or a group removing it) is learnt, not guessed.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
# Worth a redelivery: the store is down or busy for a moment. Anything else is a dead letter.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout, sqlite3.OperationalError,
                    OSError, asyncio.TimeoutError, ConversationChanged)
ALBUMS_REMEMBERED = 1000


class NotAnUpdate(ValueError):
    """The body is not a Telegram update (the webhook answers 400)."""


def make_bot(settings: Settings) -> Bot:
    root = settings.telegram_api_url.rstrip("/")
    request = (AiohttpRequest() if settings.telegram_backend == "aiohttp"
               else HTTPXRequest(connection_pool_size=256))
    polling_request = AiohttpRequest(connection_pool_size=2, timeout=SEND_TIMEOUT_SECONDS)
    return Bot(settings.telegram_token or "", base_url=f"{root}/bot", base_file_url=f"{root}/file/bot",
               request=request, get_updates_request=polling_request)


class TelegramChannel:
    def __init__(self, settings: Settings, runner: TurnRunner, bot: Bot | None = None) -> None:
        self.settings, self.runner = settings, runner
        self.bot = bot or make_bot(settings)
        self.sender = Sender(self.bot, runner.db, runner.cipher, settings.send_rate_per_second)
        self.changes = ChatChanges(runner, self.sender, TELEGRAM)
        # The first update of each album (chat, media_group_id): the rest of it is not answered.
        self._albums: OrderedDict[tuple[str, str], int] = OrderedDict()
        self.locks = ChatLocks()
        self.flood = FloodGuard(settings.messages_per_second)
        self._tasks: list[asyncio.Task] = []
        self.mode = "webhook" if settings.public_url else "polling"

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self, *, poll: bool = True) -> None:
        await self.bot.initialize()
        await self.changes.load()
        if self.mode == "webhook":
            url = self.settings.public_url.rstrip("/") + WEBHOOK_PATH  # type: ignore[union-attr]
            await self.bot.set_webhook(url, secret_token=self.settings.webhook_secret,
                                       allowed_updates=ALLOWED_UPDATES, max_connections=100)
        elif poll:
            await self.bot.delete_webhook()
            self._tasks.append(asyncio.create_task(self._poll_forever(), name="telegram-polling"))
        self._tasks.append(asyncio.create_task(self._sweep_forever(), name="outbox-sweeper"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.sender.close()
        await self.bot.shutdown()

    # -- one update ----------------------------------------------------------------------------
    @property
    def bot_username(self) -> str | None:
        try:
            return self.bot.username
        except RuntimeError:  # not initialised (no getMe yet)
            return None

    async def handle_update(self, data: Any) -> dict[str, Any] | None:
        """Process one update. Returns the Bot API call to put in the webhook response, if any.
        Raises NotAnUpdate for junk, and the store's passing failures (the webhook answers 503
        and Telegram delivers the update again); anything else is recorded as a dead letter."""
        try:
            parsed = parse_update(data, self.bot_username)
        except Exception as exc:  # noqa: BLE001 - the parser must not raise; if it does, record it
            if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                await self.changes.dead_letter(data["update_id"], update_kind(data), exc)
                return None
            raise NotAnUpdate("not a Telegram update") from None
        if parsed is None:
            raise NotAnUpdate("not a Telegram update")
        try:
            result = await self._process(parsed)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:  # noqa: BLE001 - a poison update: record it, answer 200, move on
            await self.changes.dead_letter(parsed.update_id, parsed.kind, exc)
            result = None
        return self._ack(parsed, result)

    @staticmethod
    def _ack(parsed: ParsedUpdate, result: TurnResult | None) -> dict[str, Any] | None:
        if not parsed.callback_query_id:
            return None
        ack: dict[str, Any] = {"method": "answerCallbackQuery", "callback_query_id": parsed.callback_query_id}
        if result is not None and result.toast:
            ack["text"] = result.toast
        return ack

    async def _process(self, parsed: ParsedUpdate) -> TurnResult | None:
        if parsed.migration is not None:
            await self.changes.chat_migrated(parsed.migration.old_chat_id, parsed.migration.new_chat_id)
            return None
        if parsed.membership is not None:
            change = parsed.membership
            await self.changes.set_reachable(change.chat_id, change.reachable, change.reason)
            return None
        inbound = parsed.inbound
        if inbound is None:
            return None
        if inbound.chat_id in self.sender.unreachable:  # they wrote to us: they are back
            await self.changes.set_reachable(inbound.chat_id, True, "back")
        if not parsed.private:
            if isinstance(inbound.event, Choice) and is_case_button(inbound.event.value):
                # A team alert's button: the presser is checked; the group hears only a receipt no.
                return await self._turn(replace(inbound, private=False))
            await self._group_message(parsed)
            return None
        if parsed.media_group_id and not self._first_of_album(inbound.chat_id, parsed.media_group_id,
                                                              parsed.update_id):
            return None  # one answer per album: its first photo was the answer
        if not self.flood.allow(inbound.chat_id):
            await self._slow_down(inbound.chat_id)
            return None
        return await self._turn(inbound)

    async def _turn(self, inbound) -> TurnResult:
        async with self.locks.hold(inbound.chat_id):
            result = await self.runner.run(inbound)
        if not result.duplicate:
            self.sender.submit(result.outgoing)  # in the chat's line, in order; nobody waits here
        return result

    def _first_of_album(self, chat_id: str, group_id: str, update_id: int) -> bool:
        """Telegram sends an album as one message per photo, with one media_group_id."""
        key = (chat_id, group_id)
        first = self._albums.setdefault(key, update_id)
        self._albums.move_to_end(key)
        while len(self._albums) > ALBUMS_REMEMBERED:
            self._albums.popitem(last=False)
        return first == update_id

    async def _queue(self, chat_id: str, payload: dict[str, Any], update_id: int | None = None) -> None:
        """A message outside a turn (a group pointer, a slow-down notice), through the outbox
        like every other; with update_id, only once for that update (a redelivery is silent)."""
        now = utcnow()
        async with self.runner.db.transaction() as conn:
            if update_id is not None and not await inbox.claim(self.runner.db, conn, TELEGRAM, update_id, now):
                return
            queued = await outbox.enqueue(conn, self.runner.cipher, TELEGRAM, [(chat_id, "sendMessage", payload)],
                                          now, lease=SEND_LEASE)
        self.sender.submit(queued)

    async def _slow_down(self, chat_id: str) -> None:
        """A flood (scripts, a stuck key) is told once to slow down; the extra messages are not
        processed. A person typing never gets here (the burst is 20 messages)."""
        if not self.flood.should_warn(chat_id):
            return
        catalogs = self.runner.catalogs
        text = render_reply(catalogs, catalogs.default, say("flood.slow_down"))
        await self._queue(chat_id, send_message_payload(int(chat_id), text))

    async def _group_message(self, parsed: ParsedUpdate) -> None:
        """Group chats (a 읍면동 team's) never hold a dialog: personal data stays in private chats.
        A /start there gets a one-line pointer to the private chat (in the topic it was asked
        in, once per update); anything else is ignored."""
        inbound = parsed.inbound
        assert inbound is not None
        if isinstance(inbound.event, Command) and inbound.event.name in ("start", "help"):
            catalogs = self.runner.catalogs
            text = render_reply(catalogs, catalogs.default, say("group.use_private_chat"))
            payload = send_message_payload(int(inbound.chat_id), text)
            if inbound.thread_id is not None:
                payload["message_thread_id"] = inbound.thread_id
            await self._queue(inbound.chat_id, payload, parsed.update_id)

    # -- polling and the outbox sweeper ---------------------------------------------------------
    async def _poll_forever(self) -> None:
        offset: int | None = None
        while True:
            try:
                offset = await self.poll_once(offset, timeout=25)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble, or the store is down: wait and poll again
                log.warning("polling failed (%s); retrying", exc.__class__.__name__)
                await asyncio.sleep(3)

    async def poll_once(self, offset: int | None, timeout: float = 0) -> int | None:
        """One getUpdates round; returns the next offset. The offset moves past every update
        that was processed or dead-lettered; only a passing store failure holds it (getUpdates
        hands the batch back, and the inbox makes the ones that did succeed no-ops)."""
        updates = await self.bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        # Chats run concurrently, each chat's updates in order (handle_update holds its lock,
        # and tasks are created in update order, so each chat's lock is queued in order).
        tasks = [asyncio.create_task(self._handle_polled(update.to_dict())) for update in updates]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            log.warning("%d of %d polled updates hit a store failure (%s); they come again",
                        len(failed), len(updates), failed[0].__class__.__name__)
            await asyncio.sleep(2)
            return offset
        return updates[-1].update_id + 1 if updates else offset

    async def _handle_polled(self, data: dict[str, Any]) -> None:
        try:
            ack = await self.handle_update(data)
        except NotAnUpdate:
            return
        if ack is not None:
            try:
                await self.bot.answer_callback_query(ack["callback_query_id"], text=ack.get("text"))
            except TelegramError:
                pass  # the button's spinner stops by itself

    async def _sweep_forever(self, every: float = 2.0) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.sender.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sweep failed; will try again")
