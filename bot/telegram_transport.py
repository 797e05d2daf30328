"""The Telegram channel: a python-telegram-bot Bot (request backend swappable), the webhook
handler, the polling loop, and delivery. Webhook and polling share one processing path.

Per update: parse → per-chat lock → turn (one transaction) → send that turn's replies in
order → release. A button press is acknowledged in the webhook's own response body
(answerCallbackQuery), which saves an outgoing request per press.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import Any

from telegram import Bot
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.aiohttp_request import AiohttpRequest
from bot.chat_lock import ChatLocks
from bot.flood_guard import FloodGuard
from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.sender import Sender
from bot.telegram_updates import ParsedUpdate, parse_update
from bot.turns import TurnRunner
from dialogs.events import Choice, Command
from dialogs.replies import say
from salpim.settings import Settings

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/telegram/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class NotAnUpdate(ValueError):
    """The body is not a Telegram update (the webhook answers 400)."""


def make_bot(settings: Settings) -> Bot:
    root = settings.telegram_api_url.rstrip("/")
    request = (AiohttpRequest() if settings.telegram_backend == "aiohttp"
               else HTTPXRequest(connection_pool_size=256))
    polling_request = AiohttpRequest(connection_pool_size=2, timeout=60)
    return Bot(settings.telegram_token or "", base_url=f"{root}/bot", base_file_url=f"{root}/file/bot",
               request=request, get_updates_request=polling_request)


class TelegramChannel:
    def __init__(self, settings: Settings, runner: TurnRunner, bot: Bot | None = None) -> None:
        self.settings, self.runner = settings, runner
        self.bot = bot or make_bot(settings)
        self.sender = Sender(self.bot, runner.db, runner.cipher, settings.send_rate_per_second)
        self.locks = ChatLocks()
        self.flood = FloodGuard(settings.messages_per_second)
        self._tasks: list[asyncio.Task] = []
        self.mode = "webhook" if settings.public_url else "polling"

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self, *, poll: bool = True) -> None:
        await self.bot.initialize()
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
        await self.sender.flush()
        await self.bot.shutdown()

    # -- one update ----------------------------------------------------------------------------
    async def handle_update(self, data: Any) -> dict[str, Any] | None:
        """Process one update. Returns the Bot API call to put in the webhook response, if any.
        Raises NotAnUpdate for junk; database errors propagate (the webhook answers 503 and
        Telegram delivers the update again)."""
        parsed = parse_update(data)
        if parsed is None:
            raise NotAnUpdate("not a Telegram update")
        ack = ({"method": "answerCallbackQuery", "callback_query_id": parsed.callback_query_id}
               if parsed.callback_query_id else None)
        if parsed.inbound is None:
            return ack
        if not parsed.private:
            if isinstance(parsed.inbound.event, Choice) and parsed.inbound.event.value.startswith("case:"):
                # A team alert's button: the presser is checked; the group hears only a receipt no.
                inbound = replace(parsed.inbound, private=False)
                async with self.locks.hold(inbound.chat_id):
                    result = await self.runner.run(inbound)
                    if not result.duplicate:
                        await self.sender.deliver(result.outgoing)
                return ack
            await self._group_message(parsed)
            return ack
        if not self.flood.allow(parsed.inbound.chat_id):
            await self._slow_down(parsed.inbound.chat_id)
            return ack
        async with self.locks.hold(parsed.inbound.chat_id):
            result = await self.runner.run(parsed.inbound)
            if not result.duplicate:
                await self.sender.deliver(result.outgoing)
        return ack

    async def _slow_down(self, chat_id: str) -> None:
        """A flood (scripts, a stuck key) is told once to slow down; the extra messages are not
        processed. A person typing never gets here (the burst is 20 messages)."""
        if not self.flood.should_warn(chat_id):
            return
        catalogs = self.runner.catalogs
        text = render_reply(catalogs, catalogs.default, say("flood.slow_down"))
        try:
            await self.bot.send_message(**send_message_payload(int(chat_id), text))
        except TelegramError:
            log.info("could not send the slow-down notice")

    async def _group_message(self, parsed: ParsedUpdate) -> None:
        """Group chats (a 읍면동 team's) never hold a dialog: personal data stays in private chats.
        A /start there gets a one-line pointer to the private chat; anything else is ignored."""
        inbound = parsed.inbound
        assert inbound is not None
        if isinstance(inbound.event, Command) and inbound.event.name in ("start", "help"):
            catalogs = self.runner.catalogs
            text = render_reply(catalogs, catalogs.default, say("group.use_private_chat"))
            try:
                await self.bot.send_message(**send_message_payload(int(inbound.chat_id), text))
            except TelegramError:
                log.info("could not answer in a group chat")

    # -- polling and the outbox sweeper ---------------------------------------------------------
    async def _poll_forever(self) -> None:
        offset: int | None = None
        while True:
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=25, allowed_updates=ALLOWED_UPDATES)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble: wait and poll again
                log.warning("polling failed (%s); retrying", exc.__class__.__name__)
                await asyncio.sleep(3)
                continue
            # Chats run concurrently, each chat's updates in order (handle_update holds its lock,
            # and tasks are created in update order, so each chat's lock is queued in order).
            tasks = []
            for update in updates:
                data = update.to_dict()
                tasks.append(asyncio.create_task(self._handle_polled(data)))
            results = await asyncio.gather(*tasks, return_exceptions=True)
            if any(isinstance(r, Exception) for r in results):
                # Do not confirm a batch that failed: getUpdates will hand it back, and the
                # inbox makes the updates that did succeed no-ops the second time.
                await asyncio.sleep(2)
                continue
            if updates:
                offset = updates[-1].update_id + 1

    async def _handle_polled(self, data: dict[str, Any]) -> None:
        ack = await self.handle_update(data)
        if ack is not None:
            try:
                await self.bot.answer_callback_query(ack["callback_query_id"])
            except TelegramError:
                pass  # the button's spinner stops by itself; the answer was already sent

    async def _sweep_forever(self, every: float = 2.0) -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await self.sender.sweep_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox sweep failed; will try again")
