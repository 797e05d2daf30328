"""Driving the service as Telegram would: update JSON posted to the webhook, replies read
from the recording fake Bot API. A transcript test reads like the conversation it checks."""
from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from bot.fake_bot_api import Call, FakeBotApi
from integrations.app import create_app
from salpim.settings import Settings
from state.migrate import upgrade

WEBHOOK_SECRET = "test-webhook-secret"
_update_ids = itertools.count(1000)


def make_settings(db_url: str, fake: FakeBotApi | None, tmp: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": db_url, "secret_key": "test-master-key-at-least-32-bytes-long", "webhook_secret": WEBHOOK_SECRET,
        "telegram_token": "123456:TEST-TOKEN" if fake else None,
        "telegram_api_url": fake.url if fake else "http://127.0.0.1:9",
        "public_url": "https://salpim.example" if fake else None, "send_rate_per_second": 1000.0,
        # Scripted chats answer faster than a person can: the flood guard has its own test.
        "messages_per_second": 1000.0,
        "audit_anchor_file": tmp / "audit-anchors.jsonl",
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def running_app(settings: Settings, migrate: bool = True) -> AsyncIterator[Service]:
    if migrate:
        await asyncio.to_thread(upgrade, settings.database_url)
    app = create_app(settings, strict_catalogs=True, poll=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield Service(app, client)


class Service:
    def __init__(self, app, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    @property
    def services(self):
        return self.app.state.services

    async def delivered(self) -> None:
        """Wait until the outbox has sent everything queued (sending never holds the webhook)."""
        telegram = self.services.telegram
        if telegram is not None:
            await telegram.sender.drained()
            await telegram.sender.flush()

    async def post_update(self, update: dict[str, Any], secret: str | None = WEBHOOK_SECRET, *,
                          wait: bool = True) -> httpx.Response:
        """Post as Telegram would; then (wait=True) let the outbox send what the update queued,
        as a person's phone would show it a moment later. The webhook itself never waits."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        response = await self.client.post("/telegram/webhook", json=update, headers=headers)
        if wait:
            await self.delivered()
        return response


class TelegramUser:
    """One person in a private chat with the bot."""

    def __init__(self, service: Service, fake: FakeBotApi, user_id: int = 5550001, language: str = "ko") -> None:
        self.service, self.fake = service, fake
        self.user_id, self.language = user_id, language
        self.seen = 0

    @property
    def chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": "테스트"}

    def _from(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "테스트", "language_code": self.language}

    def message_update(self, **content: Any) -> dict[str, Any]:
        uid = next(_update_ids)
        return {"update_id": uid, "message": {"message_id": uid, "date": 1763700000, "chat": self.chat,
                                              "from": self._from(), **content}}

    async def send_update(self, update: dict[str, Any]) -> list[Call]:
        response = await self.service.post_update(update)
        assert response.status_code == 200, response.text
        await self.service.delivered()
        return self.new_messages()

    async def say(self, text: str) -> list[Call]:
        return await self.send_update(self.message_update(text=text))

    async def send(self, **content: Any) -> list[Call]:
        return await self.send_update(self.message_update(**content))

    def press_update(self, data: str, message_id: int | None = None) -> dict[str, Any]:
        """A press comes with the message its keyboard is on (by default the latest one)."""
        if message_id is None:
            message_id = self.keyboard_message_id()
        uid = next(_update_ids)
        return {"update_id": uid, "callback_query": {
            "id": f"cb{uid}", "from": self._from(), "chat_instance": "x", "data": data,
            "message": {"message_id": message_id, "date": 1763700000, "chat": self.chat, "text": "…"}}}

    async def press(self, label: str) -> list[Call]:
        """Press the button with this label (exact, or contained) on the latest keyboard."""
        kind, value = self.find_button(label)
        if kind == "reply":
            return await self.say(value)
        return await self.send_update(self.press_update(value))

    def keyboard_message_id(self) -> int:
        """The message id of the latest message with a keyboard (a press comes with it)."""
        for call in reversed(self.fake.sent(self.user_id)):
            if (call.params.get("reply_markup") or {}).get("inline_keyboard"):
                return call.message_id or 1
        return 1

    def find_button(self, label: str) -> tuple[str, str]:
        for call in reversed(self.fake.sent(self.user_id)):
            markup = call.params.get("reply_markup")
            if not markup or not (markup.get("inline_keyboard") or markup.get("keyboard")):
                continue  # no keyboard, or one taken away (remove_keyboard)
            if "inline_keyboard" in markup:
                buttons = [b for row in markup["inline_keyboard"] for b in row]
                for match in (lambda b: b["text"] == label, lambda b: label in b["text"]):
                    found = [b for b in buttons if match(b)]
                    if found:
                        return "inline", found[0]["callback_data"]
            else:
                for row in markup["keyboard"]:
                    for b in row:
                        if b["text"] == label or label in b["text"]:
                            return "reply", b["text"]
            raise AssertionError(f"no button {label!r} on the latest keyboard: {markup}")
        raise AssertionError("no keyboard has been sent")

    def new_messages(self) -> list[Call]:
        mine = self.fake.sent(self.user_id)
        fresh, self.seen = mine[self.seen:], len(mine)
        return fresh

    def last_text(self) -> str:
        return self.fake.sent(self.user_id)[-1].params["text"]

    def buttons(self) -> list[str]:
        markup = self.fake.sent(self.user_id)[-1].params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b["text"] for row in rows for b in row]


def texts(calls: list[Call]) -> str:
    return "\n".join(c.params.get("text", "") for c in calls)
