"""The platform's promises: each update once, one chat in order, restarts resume, forged
webhooks refused, idle dialogs kept as drafts, both engines, polling on the same path."""
from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import func, select, update

from integrations import housekeeping
from state.models import ConversationRow, Report
from tests.harness import WEBHOOK_SECRET, TelegramUser, make_settings, running_app, texts


async def test_the_same_update_twice_gets_one_reply(service, user, fake_api):
    update = user.message_update(text="/start")
    first = await service.post_update(update)
    second = await service.post_update(update)
    assert first.status_code == second.status_code == 200
    assert len(fake_api.sent(user.user_id)) == 1


async def test_quick_taps_on_one_keyboard_all_count_in_order(service, user, fake_api):
    await user.say("/start report")
    await user.press("이웃·지인")
    await user.press("주민·이웃")
    taps = [user.press_update(user.find_button(label)[1]) for label in ("고립", "집·주거", "돌봐줄")]
    responses = await asyncio.gather(*(service.post_update(u) for u in taps))
    assert all(r.status_code == 200 for r in responses)
    assert user.new_messages() == []  # each tap redraws the keyboard in place (editMessageReplyMarkup)
    out = [c for c in fake_api.calls if c.method == "editMessageReplyMarkup"]
    assert len(out) == 3
    assert "☑ 선택 완료 (3)" in user.buttons()  # three toggles, none lost to a race
    counts = [str(o.params["reply_markup"]).count("✅") for o in out]
    assert counts == [1, 2, 3]  # answered in the order sent
    before = len(fake_api.sent(user.user_id))
    await asyncio.gather(*(service.post_update(user.message_update(text=t)) for t in ("/help", "/back", "/help")))
    firsts = [c.params["text"].split("\n")[0] for c in fake_api.sent(user.user_id)[before:]]
    # help + the question again, back to question 1, help + question 1 again: in that order
    assert [f[:6] for f in firsts] == ["/start", "[3/11]", "[2/11]", "/start", "[2/11]"]


async def test_messages_of_one_chat_run_strictly_in_update_order(service, fake_api):
    user = TelegramUser(service, fake_api, user_id=5552000)
    await user.say("/start report")
    await user.press("이웃·지인")
    await user.press("주민·이웃")
    await user.press("고립")
    await user.press("선택 완료")
    # Three typed answers arrive together; each must be applied to the question it answered.
    await user.press("혼자 사는 어르신")
    updates = [user.message_update(text=t) for t in ("어르신(80세 이상)", "여성", "혜화동")]
    await asyncio.gather(*(service.post_update(u) for u in updates))
    out = user.new_messages()
    assert [o.params["text"].split("\n")[0] for o in out] == ["[6/11]", "[7/11]", "[8/11]"]
    assert "주소나" in out[-1].params["text"]


async def test_forged_or_missing_secret_is_refused(service, user, fake_api):
    update = user.message_update(text="/start")
    assert (await service.post_update(update, secret="wrong")).status_code == 403
    assert (await service.post_update(update, secret=None)).status_code == 403
    assert fake_api.sent(user.user_id) == []
    # and the refused update was not consumed: the real delivery is still processed
    assert (await service.post_update(update)).status_code == 200
    assert len(fake_api.sent(user.user_id)) == 1


async def test_junk_bodies_get_400_not_500(service):
    for body in (b"not json", b"[]", b'{"update_id": "x"}', b"{}"):
        response = await service.client.post("/telegram/webhook", content=body,
                                              headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
        assert response.status_code == 400
    big = b'{"update_id": 1, "message": {"text": "' + b"a" * 300_000 + b'"}}'
    response = await service.client.post("/telegram/webhook", content=big,
                                          headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    assert response.status_code == 413


async def test_unknown_update_types_are_acknowledged(service, user, fake_api):
    """200 (Telegram would redeliver anything else), nothing said to anyone, nothing stored;
    and the service goes on answering people."""
    for unknown in ({"update_id": 424242, "my_chat_member": {"chat": {"id": -100777, "type": "group"}}},
                    {"update_id": 424243, "chat_join_request": {"chat": {"id": user.user_id}}}):
        assert (await service.post_update(unknown)).status_code == 200
    assert fake_api.sent() == []
    async with service.services.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(ConversationRow))).scalar_one() == 0
    out = await user.say("/start")
    assert "무엇을 도와드릴까요?" in texts(out)


async def test_bad_input_gets_a_polite_reask_and_a_way_out_after_three(service, user):
    await user.say("/start report")
    out = await user.send(sticker={"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                                   "height": 1, "is_animated": False, "is_video": False})
    assert "스티커는 받을 수 없어요" in texts(out) and "[1/11]" in texts(out)
    out = await user.say("a" * 20_000)
    assert "버튼 중에서 골라" in texts(out)
    out = await user.send(voice={"file_id": "v", "file_unique_id": "v", "duration": 1})
    assert "답하기 어려우신가요" in texts(out) and "129" in texts(out)
    assert "처음부터 다시" in user.buttons()


async def test_too_long_free_text_is_refused_not_cut(service, user):
    await user.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
        await user.press(label)
    out = await user.say("가" * 20_000)
    assert "글이 너무 길어요(20,000자)" in texts(out) and "[9/11]" in texts(out)


async def test_callback_with_stale_or_forged_data(service, user):
    await user.say("/start report")
    old = user.find_button("이웃·지인")[1]
    await user.press("이웃·지인")
    out = await user.send_update(user.press_update(old))  # the same button again, now stale
    assert "이전 질문의 버튼" in texts(out) and "[2/11]" in texts(out)
    out = await user.send_update(user.press_update("garbage-without-bar"))
    assert "이전 질문의 버튼" in texts(out)
    out = await user.send_update(user.press_update("99|q:toggle:no_such_sign"))
    assert "이전 질문의 버튼" in texts(out)


async def test_restart_mid_dialog_resumes_at_the_same_question(db_url, fake_api, tmp_path):
    settings = make_settings(db_url, fake_api, tmp_path)
    async with running_app(settings) as service:
        user = TelegramUser(service, fake_api)
        await user.say("/start report")
        await user.press("이웃·지인")
        await user.press("주민·이웃")
        await user.press("고립")
        await user.press("선택 완료")
    async with running_app(settings) as service:  # a new process, the same database
        user = TelegramUser(service, fake_api)
        user.seen = len(fake_api.sent(user.user_id))
        out = await user.press("혼자 사는 어르신")
        assert "[5/11]" in texts(out)
        for label in ("80세", "여성", "혜화동", "건너뛰기"):
            await user.press(label)
        await user.say("며칠째 안 보여요")
        await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
        await user.press("익명")
        out = await user.press("동의하고 접수")
        assert "접수되었습니다" in texts(out)


async def test_idle_dialog_expires_into_a_draft_that_resumes(service, user, fake_api):
    await user.say("/start report")
    await user.press("이웃·지인")
    await user.press("주민·이웃")
    await user.press("고립")
    await user.press("선택 완료")
    async with service.services.db.transaction() as conn:  # an hour passes
        await conn.execute(update(ConversationRow).values(expires_at=datetime(2000, 1, 1)))
    await housekeeping.run_once(service.services)
    out = user.new_messages()
    assert "임시로 저장했어요" in texts(out)
    out = await user.say("/start")
    assert "저장해 둔 신고가 있어요" in texts(out)
    out = await user.press("위기가구 알리기")
    assert "이어서 작성할까요" in texts(out)
    out = await user.press("이어서 작성")
    assert "[4/11]" in texts(out) and "어떤 가구" in texts(out)
    out = await user.press("⬅ 이전")
    assert "✅ 고립·연락 끊김" in user.buttons()  # what was entered is all there


async def test_language_switch_and_telegram_language(service, fake_api):
    english = TelegramUser(service, fake_api, user_id=5553000, language="en")
    out = await english.say("/start")
    assert "Report a household in crisis" in str(out[0].params["reply_markup"])
    korean_choice = TelegramUser(service, fake_api, user_id=5553001, language="en")
    await korean_choice.say("/language")
    out = await korean_choice.press("한국어")
    assert "한국어로 안내할게요" in texts(out)


async def test_group_chats_hold_no_dialog(service, fake_api):
    update = {"update_id": 9100001, "message": {"message_id": 1, "date": 1, "text": "/start",
                                                "chat": {"id": -100123, "type": "supergroup", "title": "혜화동 팀"},
                                                "from": {"id": 42, "is_bot": False, "first_name": "x"}}}
    assert (await service.post_update(update)).status_code == 200
    assert "1:1 대화" in fake_api.sent(-100123)[0].params["text"]
    update["update_id"] += 1
    update["message"]["text"] = "신고할게요"
    await service.post_update(update)
    assert len(fake_api.sent(-100123)) == 1


async def test_health_and_metrics(service):
    health = (await service.client.get("/healthz")).json()
    assert health["status"] == "ok"  # the database answers; alerting gaps are reported beside it
    assert health["degraded"] is True and health["failing"] == ["duty_chat", "team_chats"]
    metrics = await service.client.get("/metrics")
    assert metrics.status_code == 200 and "salpim_updates_total" in metrics.text


async def test_full_report_on_each_engine(db_url, fake_api, tmp_path):
    """The store path for real, on SQLite and on PostgreSQL (when the server answers)."""
    async with running_app(make_settings(db_url, fake_api, tmp_path)) as service:
        user = TelegramUser(service, fake_api)
        await user.say("/start report")
        for label in ("이웃·지인", "주민·이웃", "고립", "생활비", "선택 완료", "부부", "2명", "65~79세", "남성", "혜화동", "건너뛰기"):
            await user.press(label)
        await user.say("할아버지 두 분이 며칠째 안 보여요")
        await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
        await user.press("이 대화로만")
        out = await user.press("동의하고 접수")
        assert "접수되었습니다" in texts(out)
        duplicate = user.press_update(user.find_button("내 신고 확인")[1])
        for _ in range(2):
            await service.post_update(duplicate)
        async with service.services.db.read() as conn:
            assert (await conn.execute(select(func.count()).select_from(Report))).scalar_one() == 1
        assert sum("내 신고 진행 상황" in t for t in fake_api.texts(user.user_id)) == 1


async def test_polling_mode_uses_the_same_path(sqlite_url, fake_api, tmp_path):
    from integrations.app import create_app
    from state.migrate import upgrade
    settings = make_settings(sqlite_url, fake_api, tmp_path, public_url=None)
    await asyncio.to_thread(upgrade, settings.database_url)
    app = create_app(settings, strict_catalogs=True, poll=True)
    async with app.router.lifespan_context(app):
        user = TelegramUser(None, fake_api, user_id=5554000)
        await fake_api.updates.put(user.message_update(text="/start"))
        await fake_api.updates.put(user.message_update(text="/start"))
        await fake_api.wait_for_sent(2, timeout=10)
        assert "무엇을 도와드릴까요?" in fake_api.texts(user.user_id)[0]
        assert len(fake_api.texts(user.user_id)) == 2


@pytest.mark.parametrize("limit", [1])
async def test_reports_per_hour_limit_is_polite(sqlite_url, fake_api, tmp_path, limit):
    async with running_app(make_settings(sqlite_url, fake_api, tmp_path, reports_per_hour=limit)) as service:
        user = TelegramUser(service, fake_api)
        outcomes: list[str] = []
        for attempt in range(2):
            await user.say("/start report")
            for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
                await user.press(label)
            await user.say(f"안 보여요 {attempt}")
            await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
            await user.press("익명")
            out = await user.press("동의하고 접수")
            outcomes.append(texts(out))
        assert "접수되었습니다" in outcomes[0] and "한 시간에 1건까지" not in outcomes[0]
        assert "한 시간에 1건까지" in outcomes[1] and "접수되었습니다" not in outcomes[1]
        async with service.services.db.read() as conn:
            rows = (await conn.execute(select(Report.description_enc))).scalars().all()
        assert len(rows) == 1  # the first report is stored, the second is not
        assert service.services.cipher.decrypt(rows[0], "reports.description") == "안 보여요 0"


async def test_playground_answers_only_on_localhost_unless_exposed(service):
    import httpx
    remote = httpx.ASGITransport(app=service.app, client=("203.0.113.5", 40000))
    async with httpx.AsyncClient(transport=remote, base_url="http://salpim.example") as client:
        assert (await client.get("/playground")).status_code == 404
        response = await client.post("/playground/api/message", json={
            "message_id": 1, "kind": "text", "text": "/start"})
        assert response.status_code == 404
    assert (await service.client.get("/playground")).status_code == 200


async def test_playground_api_drives_the_same_dialog(service):
    assert (await service.client.get("/playground")).status_code == 200  # the server's session cookie
    async def send(**body):
        body.setdefault("message_id", send.counter)
        send.counter += 1
        response = await service.client.post("/playground/api/message", json=body)
        assert response.status_code == 200, response.text
        return response.json()
    send.counter = 1
    first = await send(kind="text", text="/start")
    assert "무엇을 도와드릴까요?" in first["messages"][0]["text"]
    again = await send(kind="text", text="/start", message_id=1)  # a retried request
    assert again["duplicate"] is True
    menu = first["messages"][0]
    out = await send(kind="choice", value=menu["buttons"][0][0]["value"], version=menu["version"])
    assert out["messages"][0]["text"].startswith("[1/11]")
    bad = await service.client.post("/playground/api/message", json={"message_id": -1, "kind": "text"})
    assert bad.status_code == 422
