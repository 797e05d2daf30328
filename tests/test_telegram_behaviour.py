"""Telegram as it really behaves (issue 11): supergroup migration, poison updates, sends that
never hold the webhook, order after 429, edits, albums, blocked chats, and the smaller ones."""
from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy import select, update

from bot import sender as sender_module
from bot.fake_bot_api import Scripted, error_body
from bot.telegram_transport import ALLOWED_UPDATES
from bot.telegram_updates import parse_update
from dialogs import callback_data as cb
from dialogs.events import Photo, Unsupported
from dialogs.questions import clean_text
from state import dead_letters, members, reachability
from state.models import AuditEntry, DeadLetter, Dong, OutboxMessage
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.test_casework_transcripts import CASEWORKER, HYEHWA, TEAM_CHAT, TeamChat, directory_with_team_chat, file_report

NEW_TEAM_CHAT = -1001234567890


@pytest.fixture
async def office(tmp_path, fake_api):
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'office.db'}", fake_api, tmp_path,
                             directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            await members.create_member(conn, service.services.cipher, role="caseworker", dong_code=HYEHWA,
                                        sigungu_code="11110", now=utcnow(), telegram_user_id=CASEWORKER)
        yield service


# -- 1. a team group upgraded to a supergroup ------------------------------------------------------
async def test_an_alert_refused_for_a_migrated_group_reaches_the_supergroup_and_the_directory_follows(
        office, fake_api, caplog):
    fake_api.script("sendMessage", Scripted(400, error_body(
        400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=NEW_TEAM_CHAT),
        chat_id=TEAM_CHAT))
    with caplog.at_level(logging.WARNING):
        reporter = await file_report(office, fake_api)
    assert "접수되었어요" in reporter.last_text() or "접수" in reporter.last_text()
    alert = fake_api.sent(NEW_TEAM_CHAT)
    assert len(alert) == 1 and "새 위기가구 신고" in alert[0].params["text"]
    async with office.services.db.read() as conn:
        stored = (await conn.execute(select(Dong.team_chat_id).where(Dong.code == HYEHWA))).scalar_one()
        audited = (await conn.execute(select(AuditEntry.action).where(AuditEntry.subject == f"dong:{HYEHWA}"))).all()
    assert stored == NEW_TEAM_CHAT and ("team_chat_migrated",) in audited
    assert office.services.runner.directory.dong(HYEHWA).team_chat_id == NEW_TEAM_CHAT
    assert any("supergroup" in r.getMessage() for r in caplog.records)  # the operator is told
    await file_report(office, fake_api, user_id=5557001)  # the next alert goes straight to the new id
    assert len(fake_api.sent(NEW_TEAM_CHAT)) == 2 and len([c for c in fake_api.calls if c.method == "!sendMessage"]) == 1


async def test_the_migration_service_message_moves_the_team_chat_at_once(office, fake_api):
    response = await office.post_update({"update_id": 42, "message": {
        "message_id": 9, "date": 1763700000, "chat": {"id": TEAM_CHAT, "type": "group", "title": "혜화동 팀"},
        "from": {"id": 1, "is_bot": False, "first_name": "팀장"}, "migrate_to_chat_id": NEW_TEAM_CHAT}})
    assert response.status_code == 200
    assert office.services.runner.directory.dong(HYEHWA).team_chat_id == NEW_TEAM_CHAT


# -- 2. poison updates -------------------------------------------------------------------------------
def poison_updates(user: TelegramUser) -> list[dict]:
    staff = TelegramUser(user.service, user.fake, user_id=CASEWORKER)
    return [user.press_update("²|menu:sos"), user.message_update(text="/case ¹"),
            user.message_update(text="/followup ²"), user.press_update("|case:open:¹"),
            user.press_update("|case:3:¹"), user.message_update(text="/case 99999999999999999999999"),
            staff.message_update(text=f"/case {2 ** 64}"), staff.press_update("|" + cb.assign_to(1, 99999)),
            staff.message_update(text="/followup ²")]


async def test_poison_updates_are_answered_200_in_webhook_mode(office, fake_api):
    user = TelegramUser(office, fake_api)
    for poison in poison_updates(user):
        response = await office.post_update(poison)
        assert response.status_code == 200, poison
    await office.delivered()
    # Each gets an ordinary answer (an old button, no such case, staff only), none a dead letter.
    answered = texts(fake_api.sent(user.user_id))
    refusals = sum(answered.count(r) for r in ("등록된 담당 직원만", "찾을 수 없거나", "알 수 없는 버튼"))
    assert "이전 질문의 버튼이에요" in answered and refusals == 5  # malformed ids: "no such case" before the role
    assert "그 사례를 찾을 수 없거나" in texts(fake_api.sent(CASEWORKER))
    async with office.services.db.read() as conn:
        assert await dead_letters.count(conn) == 0


async def test_poison_updates_do_not_hold_the_polling_offset(office, fake_api):
    user = TelegramUser(office, fake_api)
    poisons = poison_updates(user)
    for poison in poisons:
        fake_api.updates.put_nowait(poison)
    channel, offset = office.services.telegram, None
    while not fake_api.updates.empty():
        offset = await channel.poll_once(offset)
    assert offset == max(p["update_id"] for p in poisons) + 1


async def test_an_update_that_fails_is_a_dead_letter_visible_to_operators(office, fake_api, monkeypatch, caplog):
    runner = office.services.runner

    async def broken(inbound):
        raise RuntimeError("할머니가 명륜길 12에 사세요")  # an error whose text holds personal data
    monkeypatch.setattr(runner, "run", broken)
    user = TelegramUser(office, fake_api)
    with caplog.at_level(logging.INFO):
        response = await office.post_update(user.message_update(text="할머니가 걱정돼요"))
        fake_api.updates.put_nowait(user.press_update("|menu:sos"))
        offset = await office.services.telegram.poll_once(None)
    assert response.status_code == 200 and offset is not None
    async with office.services.db.read() as conn:
        rows = await dead_letters.latest(conn)
    assert [(r.kind, r.error) for r in rows] == [("callback_query", "RuntimeError"), ("message", "RuntimeError")]
    assert all("할머니" not in r.getMessage() and "명륜길" not in r.getMessage() for r in caplog.records)
    metrics = (await office.client.get("/metrics")).text
    assert "salpim_dead_letters_stored 2.0" in metrics


def test_the_cli_lists_dead_letters(tmp_path, monkeypatch, capsys):
    from salpim import cli_admin
    from state.migrate import upgrade
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "test-master-key-at-least-32-bytes-long")
    from salpim.settings import get_settings
    get_settings.cache_clear() if hasattr(get_settings, "cache_clear") else None

    async def seed():
        from state.db import Database
        db = Database(url)
        async with db.transaction() as conn:
            await dead_letters.record(conn, "telegram", 77, "callback_query", "ValueError", utcnow())
        await db.dispose()
    asyncio.run(seed())

    class Args:
        limit = 10
    assert cli_admin._dead_letters(Args()) == 0
    out = capsys.readouterr().out
    assert "1 dead letters" in out and "update 77" in out and "ValueError" in out


# -- 4. the webhook never waits for a send ---------------------------------------------------------
async def test_the_webhook_answers_before_a_slow_send_completes(service, user, fake_api):
    slow = fake_api.script("sendMessage", Scripted(hold=asyncio.Event()))
    response = await service.post_update(user.message_update(text="/start"), wait=False)
    assert response.status_code == 200
    await asyncio.wait_for(slow.started.wait(), 5)
    assert fake_api.sent(user.user_id) == []  # the send is still in flight: the webhook did not wait
    slow.hold.set()
    await service.delivered()
    assert "무엇을 도와드릴까요?" in fake_api.texts(user.user_id)[-1]


# -- 5. order after 429 ------------------------------------------------------------------------------
async def test_a_chat_is_held_after_429_and_stays_first_in_first_out(service, user, fake_api):
    fake_api.script("sendMessage", Scripted(429, error_body(429, "Too Many Requests: retry after 1", retry_after=1)))
    await service.post_update(user.message_update(text="/help"), wait=False)
    await service.post_update(user.message_update(text="/status"), wait=False)
    await service.delivered()
    sent = fake_api.texts(user.user_id)
    help_reply = next(i for i, t in enumerate(sent) if t.startswith("/start 처음 화면"))
    status_reply = next(i for i, t in enumerate(sent) if "접수한 신고가 없어요" in t)
    assert help_reply == 0 and status_reply > help_reply  # /help's replies first, though 429 held them


# -- 6. edits ----------------------------------------------------------------------------------------
async def test_edits_are_ignored_silently_and_never_count_against_the_person(service, user, fake_api):
    await user.say("/start report")
    for step in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성"):
        await user.press(step)
    before = len(fake_api.sent(user.user_id))
    for lat in (37.58, 37.581, 37.582, 37.583):  # a live location moving for a while
        edited = user.message_update(location={"latitude": lat, "longitude": 127.0, "live_period": 3600})
        edited["edited_message"] = edited.pop("message")
        await user.send_update(edited)
    assert len(fake_api.sent(user.user_id)) == before
    out = await user.press("혜화동")
    assert "그만" not in texts(out) and "받을 수 없어요" not in texts(out)


# -- 7. albums ---------------------------------------------------------------------------------------
async def test_an_album_gets_one_answer(service, user, fake_api):
    album = [user.message_update(media_group_id="1311", photo=[
        {"file_id": f"p{i}", "file_unique_id": f"u{i}", "width": 1280, "height": 960}]) for i in range(3)]
    for part in album:
        await user.send_update(part)
    assert len(fake_api.sent(user.user_id)) == 1


# -- 8. blocked and kicked ---------------------------------------------------------------------------
def member_update(chat: dict, status: str, update_id: int) -> dict:
    bot = {"id": 777000, "is_bot": True, "first_name": "Salpim"}
    return {"update_id": update_id, "my_chat_member": {
        "chat": chat, "from": {"id": chat["id"], "is_bot": False, "first_name": "테스트"}, "date": 1763700000,
        "old_chat_member": {"status": "member", "user": bot}, "new_chat_member": {"status": status, "user": bot,
                                                                                   "until_date": 0}}}


async def test_a_chat_that_blocked_us_gets_nothing_until_it_comes_back(service, user, fake_api):
    assert "my_chat_member" in ALLOWED_UPDATES and "my_chat_member" in fake_api.webhook["allowed_updates"]
    await service.post_update(member_update(user.chat, "kicked", 9100))
    async with service.services.db.read() as conn:
        assert not await reachability.is_reachable(conn, "telegram", str(user.user_id))
    reminder = await _queue_for(service, user.user_id)
    await service.delivered()
    assert fake_api.sent(user.user_id) == []  # no failing call for a chat that blocked us
    async with service.services.db.read() as conn:
        failed = (await conn.execute(select(OutboxMessage.failed).where(OutboxMessage.id == reminder))).scalar_one()
    assert failed
    await service.post_update(member_update(user.chat, "member", 9101))  # unblocked
    await user.say("/start")
    assert "무엇을 도와드릴까요?" in user.last_text()


async def test_a_403_marks_the_chat_unreachable_and_staff_see_it(office, fake_api):
    reporter = TelegramUser(office, fake_api, user_id=5557100)
    await reporter.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동"):
        await reporter.press(label)
    await reporter.say("명륜길 12, 2층")
    await reporter.say("할머니가 일주일째 안 보여요")
    await reporter.press("아니요, 급하지 않아요")  # the 고독사 question
    await reporter.press("이 대화로")
    fake_api.script("sendMessage", Scripted(403, error_body(403, "Forbidden: bot was blocked by the user"),
                                            chat_id=reporter.user_id))
    await reporter.press("동의하고 접수")
    async with office.services.db.read() as conn:
        assert not await reachability.is_reachable(conn, "telegram", str(reporter.user_id))
    await TeamChat(office, fake_api).press("담당하기", by=CASEWORKER)
    record = texts(fake_api.sent(CASEWORKER))
    assert "연락할 수 없어요" in record


async def _queue_for(service, chat_id: int) -> int:
    from bot.turns import SEND_LEASE
    from state import outbox
    async with service.services.db.transaction() as conn:
        queued = await outbox.enqueue(conn, service.services.cipher, "telegram",
                                      [(str(chat_id), "sendMessage", {"chat_id": chat_id, "text": "알림"})],
                                      utcnow(), lease=SEND_LEASE)
    service.services.telegram.sender.submit(queued)
    return queued[0].id


# -- 9. the smaller ones -----------------------------------------------------------------------------
def _message(**content) -> dict:
    return {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
                                        "from": {"id": 5, "is_bot": False, "first_name": "a"}, **content}}


def test_an_image_sent_as_a_file_is_a_photo():
    parsed = parse_update(_message(document={"file_id": "D", "file_unique_id": "d", "mime_type": "image/jpeg"}))
    assert parsed.inbound.event == Photo("D", None, None)


def test_the_largest_photo_is_chosen_by_pixels_when_sizes_lack_file_size():
    sizes = [{"file_id": "thumb", "file_unique_id": "a", "width": 90, "height": 67},
             {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960},
             {"file_id": "mid", "file_unique_id": "c", "width": 320, "height": 240}]
    assert parse_update(_message(photo=sizes)).inbound.event.ref == "big"


def test_someone_elses_contact_is_not_taken_as_the_reporters_number():
    other = parse_update(_message(contact={"phone_number": "+821012345678", "first_name": "b", "user_id": 6}))
    own = parse_update(_message(contact={"phone_number": "+821012345678", "first_name": "a", "user_id": 5}))
    assert other.inbound.event == Unsupported("contact_other") and own.inbound.event.phone == "+821012345678"


def test_joiners_and_direction_marks_are_kept_in_text():
    assert clean_text("👨\u200d👩\u200d👧 가족") == "👨\u200d👩\u200d👧 가족"
    assert clean_text("\u200fשלום") == "\u200fשלום"


async def test_commands_for_another_bot_are_not_answered(service, user, fake_api):
    for text in ("/start@OtherBot", "/help@OtherBot"):
        await user.say(text)
    assert fake_api.sent(user.user_id) == []
    await user.say("/help@salpim_test_bot")
    assert fake_api.sent(user.user_id)


async def test_a_group_start_is_answered_once_and_in_its_topic(service, fake_api):
    group = {"id": -100777, "type": "supergroup", "title": "팀", "is_forum": True}
    start = {"update_id": 9200, "message": {"message_id": 5, "date": 0, "chat": group, "text": "/start",
                                            "from": {"id": 1, "is_bot": False, "first_name": "a"},
                                            "message_thread_id": 33, "is_topic_message": True}}
    for _ in range(2):  # Telegram redelivers
        assert (await service.post_update(start)).status_code == 200
    await service.delivered()
    sent = fake_api.sent(-100777)
    assert len(sent) == 1 and sent[0].params["message_thread_id"] == 33


async def test_a_multi_select_tap_edits_the_keyboard_in_place(service, user, fake_api):
    await user.say("/start report")
    await user.press("이웃·지인")
    await user.press("주민·이웃")
    sent_before = len(fake_api.sent(user.user_id))
    await user.press("고립")
    assert len(fake_api.sent(user.user_id)) == sent_before
    edits = [c for c in fake_api.calls if c.method == "editMessageReplyMarkup"]
    assert len(edits) == 1 and "✅ 고립·연락 끊김" in user.buttons()


async def test_the_reply_keyboard_is_taken_away_once_the_pin_is_sent(service, user, fake_api):
    await user.say("/start report")
    for step in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성"):
        await user.press(step)
    assert "keyboard" in fake_api.sent(user.user_id)[-1].params["reply_markup"]
    out = await user.send(location={"latitude": 37.587, "longitude": 127.0})
    assert any(c.params.get("reply_markup") == {"remove_keyboard": True} for c in out)


async def test_a_permanently_failing_get_file_is_not_asked_again(monkeypatch):
    from telegram.error import BadRequest

    from integrations import photos
    stored, calls = [], []

    class Bot:
        async def get_file(self, ref):
            calls.append(ref)
            raise BadRequest("Bad Request: wrong file_id")

    class Db:
        def read(self):
            return _nothing()

        def transaction(self):
            return _nothing()

    class Services:
        telegram = type("T", (), {"bot": Bot()})()
        db = Db()
    pending = [(1, "gone")]

    async def photos_to_fetch(conn, limit):
        return [p for p in pending if p[0] not in [s[0] for s in stored]]

    async def store_photo(conn, photo_id, values):
        stored.append((photo_id, values["source_ref"]))
    monkeypatch.setattr(photos.reports, "photos_to_fetch", photos_to_fetch)
    monkeypatch.setattr(photos.reports, "store_photo", store_photo)
    await photos.fetch_pending(Services())
    await photos.fetch_pending(Services())
    assert calls == ["gone"] and stored == [(1, "unusable")]


class _nothing:
    async def __aenter__(self):
        return None

    async def __aexit__(self, *exc):
        return False


async def test_a_slow_send_in_flight_is_not_sent_again(service, user, fake_api):
    assert sender_module.SEND_TIMEOUT_SECONDS >= 60 and sender_module.LEASE.total_seconds() > 60
    slow = fake_api.script("sendMessage", Scripted(hold=asyncio.Event()))
    await service.post_update(user.message_update(text="/start"), wait=False)
    await asyncio.wait_for(slow.started.wait(), 5)
    async with service.services.db.transaction() as conn:  # as if the lease ran out meanwhile
        await conn.execute(update(OutboxMessage).values(next_attempt_at=utcnow().replace(year=2000)))
    assert await service.services.telegram.sender.sweep_once() == 0
    slow.hold.set()
    await service.delivered()
    assert len([c for c in fake_api.calls if c.method == "sendMessage"]) == 1


async def test_dead_letter_rows_hold_no_personal_data():
    columns = {c.name for c in DeadLetter.__table__.columns}
    assert columns == {"id", "channel", "update_id", "kind", "error", "at"}
