"""Conformance: every update type and message content type of the Bot API (built with PTB's own
classes, tests/telegram_corpus.py) in webhook and polling mode — 200, no traceback, no dead
letter, an answer where a person wrote something — and every kind of error answer Telegram
gives to a send, with what the outbox does about it."""
from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select

from bot import sender as sender_module
from bot.fake_bot_api import NGINX_502, Scripted, error_body
from state import dead_letters
from state.models import OutboxMessage
from tests.harness import TelegramUser
from tests.telegram_corpus import GROUP, content_corpus, update_corpus

# What a person sends and expects an answer to (a refusal that says what we can take, or the menu).
PERSON_SENDS = {"text", "audio", "document", "photo", "sticker", "video", "voice", "video_note", "contact",
                "location", "venue", "animation", "dice", "poll", "story", "paid_media", "checklist", "game"}


def _corpus() -> dict[str, dict]:
    corpus = {f"update:{k}": v for k, v in update_corpus().items()}
    corpus |= {f"content:{k}": v for k, v in content_corpus().items()}
    corpus |= {f"group:{k}": v for k, v in content_corpus(GROUP).items()}
    return corpus


async def _no_dead_letters(service) -> None:
    async with service.services.db.read() as conn:
        assert await dead_letters.latest(conn) == []


async def test_every_update_and_content_type_in_webhook_mode(service, fake_api, caplog):
    corpus = _corpus()
    assert len(corpus) > 150
    with caplog.at_level(logging.ERROR):
        for name, data in corpus.items():
            response = await service.post_update(data)
            assert response.status_code == 200, name
            await service.delivered()
            if name.startswith("content:") and name.split(":")[1] in PERSON_SENDS:
                assert fake_api.sent(data["message"]["chat"]["id"]), f"{name} got no answer"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await _no_dead_letters(service)
    assert fake_api.sent(GROUP.id) == []  # a group is never answered but for /start


async def test_every_update_and_content_type_in_polling_mode(service, fake_api, caplog):
    corpus = _corpus()
    for data in corpus.values():
        fake_api.updates.put_nowait(data)
    channel, offset = service.services.telegram, None
    with caplog.at_level(logging.ERROR):
        while not fake_api.updates.empty():
            offset = await channel.poll_once(offset)
        await service.delivered()
    assert offset == max(d["update_id"] for d in corpus.values()) + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await _no_dead_letters(service)


# -- Telegram's error answers to a send, and what the outbox does --------------------------------
ERRORS = {
    "400 bad request: given up, the chat goes on": (Scripted(400, error_body(
        400, "Bad Request: can't parse entities")), "given_up"),
    "403 blocked: given up, chat unreachable": (Scripted(403, error_body(
        403, "Forbidden: bot was blocked by the user")), "unreachable"),
    "403 deactivated: given up, chat unreachable": (Scripted(403, error_body(
        403, "Forbidden: user is deactivated")), "unreachable"),
    "429 retry_after: held, then sent": (Scripted(429, error_body(
        429, "Too Many Requests: retry after 1", retry_after=1)), "delivered"),
    "500 JSON: retried, then sent": (Scripted(500, error_body(500, "Internal Server Error")), "delivered"),
    "502 HTML from the proxy: retried, then sent": (Scripted(502, NGINX_502, content_type="text/html"),
                                                    "delivered"),
    "connection dropped: retried, then sent": (Scripted(drop=True), "delivered"),
    "401 bad token: retried with backoff, then sent": (Scripted(401, error_body(401, "Unauthorized")),
                                                       "delivered"),
}


@pytest.mark.parametrize("case", list(ERRORS))
async def test_each_bot_api_error(case, service, user, fake_api, monkeypatch):
    service.services.telegram.sender.backoff = lambda attempts: 0.01
    answer, outcome = ERRORS[case]
    fake_api.script("sendMessage", answer)
    await user.say("/help")
    unreachable_now = str(user.user_id) in service.services.telegram.sender.unreachable
    await user.say("/status")
    texts = fake_api.texts(user.user_id)
    async with service.services.db.read() as conn:
        failed = (await conn.execute(select(OutboxMessage.failed).order_by(OutboxMessage.id))).scalars().all()
    if outcome == "delivered":
        assert texts[0].startswith("/start 처음 화면") and "접수한 신고가 없어요" in texts[-1]
        assert not any(failed)
    elif outcome == "given_up":
        assert not texts[0].startswith("/start 처음 화면") and "접수한 신고가 없어요" in texts[-1]
        assert failed[0] and not failed[-1]
    else:  # nothing more went to them; writing to us again (they unblocked) makes them reachable
        assert unreachable_now and failed[0] and not failed[-1]
        assert not any(t.startswith("/start 처음 화면") for t in texts) and "접수한 신고가 없어요" in texts[-1]


async def test_a_timeout_is_retried_and_the_message_still_arrives(service, user, fake_api, monkeypatch):
    monkeypatch.setattr(sender_module, "SEND_TIMEOUT_SECONDS", 0.2)
    service.services.telegram.sender.backoff = lambda attempts: 0.01
    never = fake_api.script("sendMessage", Scripted(hold=asyncio.Event()))
    await user.say("/start")  # the first try times out; the second is answered
    never.hold.set()
    assert "무엇을 도와드릴까요?" in fake_api.texts(user.user_id)[-1]


async def test_connection_refused_is_retried(service, user, fake_api, monkeypatch):
    sender = service.services.telegram.sender
    sender.backoff = lambda attempts: 0.05
    real = sender._call
    calls = []

    async def refused_once(message):
        calls.append(message.id)
        if len(calls) == 1:
            from telegram.error import NetworkError
            raise NetworkError("aiohttp: ClientConnectorError")  # what a refused connection becomes
        await real(message)
    monkeypatch.setattr(sender, "_call", refused_once)
    await user.say("/start")
    assert len(calls) == 2 and "무엇을 도와드릴까요?" in fake_api.texts(user.user_id)[-1]
