"""Speak instead of type (issue 17), through the real Telegram layer against the fake Bot API:
a reporter describes what they saw with a voice note, files; the team chat gets the PII-free
alert saying to listen today; the caseworker who takes the case receives the record and the
recording in private, never in the group; the recording is fetched, stored encrypted, listed
first and erased with the report's identity."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from core import reports as core_reports
from core.actor import Actor, Channel
from integrations import housekeeping, voice_notes
from state import members, retention
from state.models import PhotoRow, Report
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts
from tests.office_world import answers, make_world
from tests.test_casework_transcripts import CASEWORKER, HYEHWA, TEAM_CHAT, TeamChat, directory_with_team_chat
from tests.test_office_pages import signed_in
from tests.test_playground_browser import served  # noqa: F401 - the served-page fixture
from welfare.crisis_report import SpokenNote

VOICE_BYTES = b"OggS\x00\x02" + bytes(range(256)) * 40  # what the reporter's phone recorded (10 KB)


def voice(file_id: str = "voice-1", duration: int = 42, size: int | None = len(VOICE_BYTES), **more) -> dict:
    note = {"file_id": file_id, "file_unique_id": file_id + "-u", "duration": duration, "mime_type": "audio/ogg", **more}
    if size is not None:
        note["file_size"] = size
    return note


async def finish(reporter: TelegramUser) -> None:
    """After the description: the 고독사 question (asked only when the words show the pattern),
    contact by this chat, consent."""
    if any("급하지 않아요" in b for b in reporter.buttons()):
        await reporter.press("아니요, 급하지 않아요")
    await reporter.press("이 대화로만")
    await reporter.press("동의하고 접수")


async def until_description(reporter: TelegramUser) -> None:
    await reporter.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "생활비", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동"):
        await reporter.press(label)
    await reporter.say("명륜길 12, 2층")


@pytest.fixture
async def voice_office(db_url, fake_api, tmp_path):
    settings = make_settings(db_url, fake_api, tmp_path, directory=directory_with_team_chat(tmp_path))
    async with running_app(settings) as service:
        async with service.services.db.transaction() as conn:
            await members.create_member(conn, service.services.cipher, role="caseworker", dong_code=HYEHWA,
                                        sigungu_code="11110", now=utcnow(), telegram_user_id=CASEWORKER)
            staff = await members.create_member(conn, service.services.cipher, role="caseworker", dong_code=HYEHWA,
                                                sigungu_code="11110", now=utcnow())
            service.token = await members.create_api_token(conn, service.services.cipher, staff, utcnow())
        yield service


async def stored(service, table):
    async with service.services.db.read() as conn:
        return list((await conn.execute(select(table.__table__).order_by(table.id))).mappings().all())


async def test_a_voice_only_description_reaches_the_caseworker_in_private(voice_office, fake_api):
    service = voice_office
    fake_api.add_file("voice-1", VOICE_BYTES, "voice/file_1.oga")
    reporter = TelegramUser(service, fake_api, user_id=5558001)
    await until_description(reporter)
    assert "음성 메시지로 말해도 돼요" in reporter.last_text()  # offered at the description
    out = await reporter.send(voice=voice())
    said = texts(out)
    assert "사람이 직접 들어요" in said and "담당 공무원이 직접 들어요" in said  # said plainly
    out = await reporter.press("🎤 음성만 보내기")
    assert "궁금한 점을 물어봐도 될까요?" in texts(out)  # on to the contact question
    await reporter.press("이 대화로만")
    summary = reporter.last_text()
    assert "🎤 음성 설명: 42초" in summary and "오늘 안에 음성을 들어요" in summary
    await reporter.press("동의하고 접수")

    [row] = await stored(service, Report)
    assert row["listen_same_day"] and not row["urgent"]
    [attachment] = await stored(service, PhotoRow)
    assert attachment["kind"] == "voice" and attachment["duration"] == 42 and attachment["data_enc"] is None

    alert = fake_api.texts(TEAM_CHAT)
    assert len(alert) == 1 and row["receipt_no"] in alert[0] and "음성만 있는 신고: 오늘 안에 들어 주세요" in alert[0]
    assert "명륜길" not in alert[0]

    # Fetched after filing, as photos are: stored encrypted, the bytes are the reporter's recording.
    assert await voice_notes.fetch_pending(service.services) == 1
    [attachment] = await stored(service, PhotoRow)
    assert attachment["mime"] == "audio/ogg" and VOICE_BYTES not in attachment["data_enc"]
    clear = service.services.cipher.decrypt_bytes(attachment["data_enc"].decode(), "photos.data")
    assert clear == VOICE_BYTES

    # Listed first: a later, ordinary report comes after it.
    other = TelegramUser(service, fake_api, user_id=5558002)
    await until_description(other)
    await other.say("며칠째 불이 꺼져 있어요")
    await finish(other)
    listed = (await service.client.get("/api/reports", headers={"Authorization": f"Bearer {service.token}"})).json()
    assert listed[0]["receipt_no"] == row["receipt_no"] and listed[0]["listen_same_day"] is True
    assert listed[1]["listen_same_day"] is False
    detail = (await service.client.get(f"/api/reports/{row['receipt_no']}",
                                       headers={"Authorization": f"Bearer {service.token}"})).json()
    assert detail["has_voice"] is True and detail["voice_seconds"] == 42 and detail["has_photo"] is False

    await TeamChat(service, fake_api).press("담당하기", by=CASEWORKER)
    record = fake_api.texts(CASEWORKER)[0]
    assert "명륜길 12, 2층" in record and "음성 설명(42초)" in record and "오늘 안에 들어 주세요" in record
    [sent] = fake_api.media(CASEWORKER)
    assert sent.method == "sendVoice" and sent.params["voice"] == "voice-1"
    assert fake_api.media(TEAM_CHAT) == [] and all(int(c.params["chat_id"]) > 0 for c in fake_api.media())
    assert all("명륜길" not in t for t in fake_api.texts(TEAM_CHAT))



async def test_a_voice_note_beside_words_is_screened_as_words(voice_office, fake_api):
    service = voice_office
    reporter = TelegramUser(service, fake_api, user_id=5558003)
    await until_description(reporter)
    await reporter.send(voice=voice("voice-2", 30))
    assert "🎤 음성만 보내기" in reporter.buttons()
    await reporter.say("할머니가 일주일째 안 보여요")
    await finish(reporter)
    [row] = await stored(service, Report)
    assert not row["listen_same_day"]  # words were given and screened: no same-day listen flag
    assert "🎤 음성 설명 있음" in fake_api.texts(TEAM_CHAT)[-1]
    fake_api.add_file("voice-2", VOICE_BYTES, "voice/file_2.oga")
    await housekeeping.run_once(service.services)  # the sweep fetches it, as it fetches photos
    [attachment] = await stored(service, PhotoRow)
    assert attachment["data_enc"] is not None
    # Erased with the report's identity on the retention schedule (a report that became no case).
    async with service.services.db.transaction() as conn:
        await conn.execute(Report.__table__.update().values(created_at=utcnow() - timedelta(days=400)))
        await retention.anonymise_due(conn, service.services.cipher, utcnow(), report_days=365, case_days=365 * 5)
    assert await stored(service, PhotoRow) == []


async def test_a_caption_with_danger_words_is_screened(voice_office, fake_api):
    reporter = TelegramUser(voice_office, fake_api, user_id=5558004)
    await until_description(reporter)
    out = await reporter.send(voice=voice("voice-3", 20), caption="죽고 싶다고 했어요")
    assert "109" in texts(out)  # the numbers at once, as for typed words


@pytest.mark.parametrize("note,refusal", [
    (voice("long", duration=600), "음성이 너무 길어요"),
    (voice("big", size=50 * 1024 * 1024), "파일이 너무 커요"),
])
async def test_too_long_or_too_large_recordings_are_refused(service, fake_api, note, refusal):
    reporter = TelegramUser(service, fake_api, user_id=5558005)
    await until_description(reporter)
    out = await reporter.send(voice=note)
    assert refusal in texts(out) and "🎤 음성만 보내기" not in reporter.buttons()


async def test_a_video_note_is_taken_too_and_sent_as_a_video_note(voice_office, fake_api):
    service = voice_office
    reporter = TelegramUser(service, fake_api, user_id=5558006)
    await until_description(reporter)
    await reporter.send(video_note={"file_id": "round-1", "file_unique_id": "r", "length": 240, "duration": 15})
    await reporter.press("🎤 음성만 보내기")
    await finish(reporter)
    await TeamChat(service, fake_api).press("담당하기", by=CASEWORKER)
    [sent] = fake_api.media(CASEWORKER)
    assert sent.method == "sendVideoNote" and sent.params["video_note"] == "round-1"
    # Consent withdrawn after a case opened: the contact goes, and so does the reporter's own voice.
    [row] = await stored(service, Report)
    await reporter.say(f"/withdraw {row['receipt_no']}")
    await reporter.press("철회합니다")
    assert await stored(service, PhotoRow) == []


async def test_a_voice_note_elsewhere_is_politely_refused(service, user):
    await user.say("/start report")
    out = await user.send(voice=voice())
    assert "음성 메시지는 받을 수 없어요" in texts(out)


async def test_the_playground_takes_an_audio_file_the_same_way(service):
    """An audio file attached in the playground is the description, kept encrypted until filed,
    then stored with the report like a fetched voice note; the file under var/ is gone."""
    assert (await service.client.get("/playground")).status_code == 200  # the session cookie
    counter = iter(range(1, 1000))

    async def send(**body):
        response = await service.client.post("/playground/api/message", json={"message_id": next(counter), **body})
        assert response.status_code == 200, response.text
        return response.json()["messages"]

    async def press(messages, label):
        for message in messages:
            for row in message["buttons"]:
                for button in row:
                    if label in button["label"]:
                        return await send(kind="choice", value=button["value"], version=message["version"])
        raise AssertionError(f"no button {label!r}")

    out = await send(kind="text", text="/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동", "건너뛰기"):
        out = await press(out, label)
    refused = await service.client.post("/playground/api/voice?message_id=500", content=b"x",
                                        headers={"Content-Type": "text/plain"})
    assert refused.status_code == 415
    response = await service.client.post("/playground/api/voice?message_id=501&duration=12", content=VOICE_BYTES,
                                         headers={"Content-Type": "audio/ogg"})
    assert response.status_code == 200, response.text
    out = response.json()["messages"]
    assert "사람이 직접 들어요" in out[0]["text"]
    uploads = service.services.settings.var_dir / "uploads"
    assert any(VOICE_BYTES not in p.read_bytes() for p in uploads.iterdir())  # kept encrypted
    out = await press(out, "음성만 보내기")
    out = await press(out, "익명")
    assert "🎤 음성 설명: 12초" in out[-1]["text"]
    out = await press(out, "동의하고 접수")
    [attachment] = await stored(service, PhotoRow)
    ref = attachment["source_ref"]
    assert ref.startswith("playground:") and (uploads / ref.removeprefix("playground:")).exists()
    await housekeeping.run_once(service.services)
    [attachment] = await stored(service, PhotoRow)
    assert service.services.cipher.decrypt_bytes(attachment["data_enc"].decode(), "photos.data") == VOICE_BYTES
    assert not (uploads / ref.removeprefix("playground:")).exists()
    [report] = await stored(service, Report)
    assert report["listen_same_day"] is True


async def test_the_web_office_marks_a_recording_to_listen_to_today(service):
    world = await make_world(service.services)
    calm = await world.file()
    async with service.services.db.transaction() as conn:
        spoken = replace(answers(), description="", voice=SpokenNote("voice-9", "voice", 33), listen_same_day=True)
        filed = await core_reports.file_report(world.work(conn), Actor(Channel.TELEGRAM, chat_id="neighbour-2"),
                                               spoken, per_hour=10**6)
    await signed_in(service, world, "cw")
    inbox = (await service.client.get("/office/inbox")).text
    assert "🎤 오늘 듣기" in inbox and inbox.index(filed.receipt_no) < inbox.index(calm.receipt_no)
    record = (await service.client.get(f"/office/reports/{filed.receipt_no}")).text
    assert "🎤 음성 설명 33초" in record and "🎤 오늘 듣기" in record


@pytest.mark.browser
async def test_the_playground_page_attaches_an_audio_file(served, tmp_path):
    """The 🎤 button of the playground page: a file chosen is posted and answered as a voice note."""
    from playwright.async_api import async_playwright

    from tests.test_playground_browser import CHROMIUM, CHROMIUM_ARGS, PHONE
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    base, _ = served
    recording = tmp_path / "note.ogg"
    recording.write_bytes(VOICE_BYTES)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport=PHONE, locale="ko-KR")
            await page.goto(f"{base}/playground")
            await page.get_by_text("무엇을 도와드릴까요?").wait_for()
            for label in ("위기가구 알리기", "이웃·지인", "주민·이웃", "고립·연락 끊김", "선택 완료", "혼자 사는 어르신",
                          "80세 이상", "여성", "혜화동", "건너뛰기"):
                before = await page.locator("#chat .bubble.bot").count()
                await page.locator(".buttons button:not([disabled])", has_text=label).first.click()
                await page.locator("#chat .bubble.bot").nth(before).wait_for()
            await page.get_by_text("보고 들은 것을").last.wait_for()
            await page.set_input_files("#audio-file", str(recording))
            await page.get_by_text("사람이 직접 들어요").last.wait_for()
            await page.locator(".buttons button:not([disabled])", has_text="음성만 보내기").wait_for()
        finally:
            await browser.close()
