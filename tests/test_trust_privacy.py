"""Privacy holds end to end: a canary name and phone written through the whole report appear in
no log line and nowhere in the database file's raw bytes."""
from __future__ import annotations

import logging
from pathlib import Path

from tests.harness import TelegramUser, make_settings, running_app

CANARY_NAME = "홍카나리아길동"
CANARY_PHONE = "010-9876-5432"
CANARY_ADDRESS = "카나리아빌라 303호"


async def test_canary_never_reaches_logs_or_raw_database_bytes(tmp_path, fake_api, caplog):
    caplog.set_level(logging.DEBUG)
    db_file = tmp_path / "canary.db"
    settings = make_settings(f"sqlite+aiosqlite:///{db_file}", fake_api, tmp_path, duty_chat_id=-100777)
    async with running_app(settings) as service:
        user = TelegramUser(service, fake_api)
        await user.say("/start report")
        for label in ("이웃·지인", "주민·이웃", "폭력·학대", "선택 완료", "혜화동"):
            await user.press(label)
        await user.say(CANARY_ADDRESS)
        await user.say(f"{CANARY_NAME} 씨가 맞는 소리가 들려요")
        await user.press("전화번호 남기기")
        await user.say(CANARY_PHONE)
        await user.press("동의하고 접수")
        assert "접수되었습니다" in user.last_text()
        team_alert = fake_api.sent(-100777)[0].params["text"]
        assert CANARY_NAME not in team_alert and CANARY_ADDRESS not in team_alert and "9876" not in team_alert
        await service.services.telegram.sender.flush()
    raw = b"".join(p.read_bytes() for p in Path(tmp_path).glob("canary.db*"))
    assert len(raw) > 10_000
    for needle in (CANARY_NAME, CANARY_ADDRESS, CANARY_PHONE, "9876-5432", "+821098765432", "98765432"):
        assert needle.encode() not in raw, needle
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for needle in (CANARY_NAME, CANARY_ADDRESS, "9876"):
        assert needle not in logged, needle
