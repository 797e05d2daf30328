"""Nothing lost, nothing doubled: Telegram failures retried from the outbox, the same updates
delivered twice and interleaved across 200 chats, timers that fire once."""
from __future__ import annotations

import asyncio
import random

from sqlalchemy import func, select, update

from state.models import OutboxMessage, Report
from tests.harness import TelegramUser, texts

REPORT_SCRIPT = ["|q:neighbour", "|q:resident", "|q:toggle:isolation", "|q:done", "|q:older_alone", "|q:older", "|q:female",
                 "|q:dong:1111065000", "|q:skip", "TEXT", "|q:no", "|q:anonymous", "|q:file"]  # q:no: the 고독사 question


def report_updates(user: TelegramUser) -> list[dict]:
    updates = [user.message_update(text="/start report")]
    for step in REPORT_SCRIPT:
        updates.append(user.message_update(text="우편물이 쌓여 있어요") if step == "TEXT" else user.press_update(step))
    return updates


async def test_telegram_429_and_5xx_are_retried_from_the_outbox(service, user, fake_api):
    fake_api.fail_next("sendMessage", status=429, retry_after=1)
    await service.post_update(user.message_update(text="/start"), wait=False)
    await asyncio.sleep(0.3)
    assert fake_api.sent(user.user_id) == []  # Telegram refused it for now: the chat is held
    async with service.services.db.read() as conn:
        pending = (await conn.execute(select(func.count()).select_from(OutboxMessage)
                                      .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
    assert pending == 1
    await service.delivered()
    assert "무엇을 도와드릴까요?" in fake_api.texts(user.user_id)[0]
    service.services.telegram.sender.backoff = lambda attempts: 0.01  # skip the backoff wait
    fake_api.fail_next("sendMessage", status=502, retry_after=None)
    await user.say("/help")
    later = fake_api.texts(user.user_id)
    assert later[-2].startswith("/start") and "무엇을" in later[-1]  # in order, none lost
    await service.services.telegram.sender.flush()
    async with service.services.db.read() as conn:
        unsent = (await conn.execute(select(func.count()).select_from(OutboxMessage)
                                     .where(OutboxMessage.sent_at.is_(None)))).scalar_one()
        kept = (await conn.execute(select(func.count()).select_from(OutboxMessage)
                                   .where(OutboxMessage.payload_enc.is_not(None)))).scalar_one()
    assert unsent == 0 and kept == 0  # delivered, and the text is not kept


async def test_200_chats_each_update_twice_interleaved_make_exactly_200_reports(service, fake_api):
    rng = random.Random(7)
    chats = [report_updates(TelegramUser(service, fake_api, user_id=8_000_000 + i)) for i in range(200)]
    # Each update is delivered twice (a redelivery right after, or much later), and chats interleave.
    streams = []
    for updates in chats:
        stream = []
        for item in updates:
            stream.append(item)
            if rng.random() < 0.5:
                stream.append(item)
        late = rng.sample(updates, k=3)
        stream.extend(late)
        streams.append(stream)

    async def deliver(stream: list[dict]) -> None:
        for item in stream:
            response = await service.post_update(item)
            assert response.status_code == 200
            await asyncio.sleep(0)

    semaphore = asyncio.Semaphore(50)

    async def bounded(stream):
        async with semaphore:
            await deliver(stream)
    await asyncio.gather(*(bounded(s) for s in streams))
    async with service.services.db.read() as conn:
        count = (await conn.execute(select(func.count()).select_from(Report))).scalar_one()
        per_reporter = (await conn.execute(select(Report.reporter_chat_hash, func.count())
                                           .group_by(Report.reporter_chat_hash))).all()
    assert count == 200 and all(n == 1 for _, n in per_reporter)
    receipts = [t for t in fake_api.texts() if "접수되었습니다" in t]
    assert len(receipts) == 200  # one confirmation each, none doubled


async def test_a_turn_that_fails_is_not_half_written_and_is_redelivered(service, user, fake_api, monkeypatch):
    from bot import effects
    from sqlalchemy.exc import OperationalError
    await user.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
        await user.press(label)
    await user.say("며칠째 안 보여요")
    await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
    await user.press("익명")
    original = effects.reports.file_report

    async def broken(*args, **kwargs):
        await original(*args, **kwargs)  # the insert happens, then the store fails
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))
    monkeypatch.setattr(effects.reports, "file_report", broken)
    update = user.press_update(user.find_button("동의하고 접수")[1])
    assert (await service.post_update(update)).status_code == 503
    async with service.services.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(Report))).scalar_one() == 0
    monkeypatch.setattr(effects.reports, "file_report", original)
    assert (await service.post_update(update)).status_code == 200  # Telegram's redelivery
    async with service.services.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(Report))).scalar_one() == 1
    assert "접수되었습니다" in texts(user.new_messages())
