"""Keys rotate without losing access; retention anonymises on time; the audit chain detects
tampering; a flood is slowed politely."""
from __future__ import annotations

import asyncio

import pytest

from sqlalchemy import select, text, update

from state import audit, retention, rotation
from state.crypto import DecryptionError, FieldCipher
from state.models import AuditEntry, Case, FollowupSubmission, Report
from state.timeutil import utcnow
from tests.harness import TelegramUser, make_settings, running_app, texts


async def file_with_phone(user: TelegramUser) -> str:
    await user.say("/start report")
    for label in ("이웃·지인", "주민·이웃", "고립", "선택 완료", "혼자 사는 어르신", "80세", "여성", "혜화동"):
        await user.press(label)
    await user.say("명륜길 7")
    await user.say("며칠째 안 보여요")
    await user.press("아니요, 급하지 않아요")  # the 고독사 question: no same-day visit
    await user.press("전화번호 남기기")
    await user.say("010-3333-4444")
    await user.press("동의하고 접수")
    return user.last_text().split("접수번호: ")[1].split("\n")[0]


async def test_rotate_key_reencrypts_everything_and_lookups_keep_working(tmp_path, fake_api):
    db = f"sqlite+aiosqlite:///{tmp_path / 'rotate.db'}"
    async with running_app(make_settings(db, fake_api, tmp_path, secret_key="old-key-at-least-32-bytes-long-000")) as service:
        reporter = TelegramUser(service, fake_api)
        receipt = await file_with_phone(reporter)
        await reporter.say("/start report")  # a conversation with answers in flight
        await reporter.press("이웃·지인")
        await reporter.press("주민·이웃")
    old = FieldCipher("old-key-at-least-32-bytes-long-000")
    async with running_app(make_settings(db, fake_api, tmp_path, secret_key="new-key-at-least-32-bytes-long-000", old_secret_keys="old-key-at-least-32-bytes-long-000"),
                           migrate=False) as service:
        async with service.services.db.transaction() as conn:
            counts = await rotation.rotate(conn, service.services.cipher)
        assert counts["reports.description_enc"] == 1 and counts["conversations.answers_enc"] >= 1
        new_only = FieldCipher("new-key-at-least-32-bytes-long-000")
        async with service.services.db.read() as conn:
            row = (await conn.execute(select(Report.__table__))).mappings().one()
        assert new_only.decrypt(row["phone_enc"], "reports.phone") == "+821033334444"
        assert row["phone_hash"] == new_only.lookup_hash("phone:+821033334444")
        with pytest.raises(DecryptionError):  # the old key no longer opens rotated data
            old.decrypt(row["description_enc"], "reports.description")
        reporter = TelegramUser(service, fake_api)
        out = await reporter.say(f"/status {receipt}")  # an old-key lookup hash still matches
        assert "접수됨" in texts(out)
        await reporter.say("/start")
        await reporter.press("이어서 하기")  # the in-flight dialog goes on under the new key
        await reporter.press("고립")
        assert "✅ 고립·연락 끊김" in reporter.buttons()


async def test_retention_anonymises_but_keeps_statistics(service, user):
    receipt = await file_with_phone(user)
    async with service.services.db.transaction() as conn:
        run = await retention.anonymise_due(conn, service.services.cipher, utcnow(), report_days=365, case_days=1825)
        assert run.reports == 0  # not yet
        await conn.execute(update(Report).values(created_at=text("datetime('now', '-400 days')")))
        run = await retention.anonymise_due(conn, service.services.cipher, utcnow(), report_days=365,
                                            case_days=1825)
    assert run.reports == 1
    async with service.services.db.read() as conn:
        row = (await conn.execute(select(Report.__table__))).mappings().one()
    assert row["receipt_no"] == receipt and row["situations"] == ["isolation"] and row["dong_code"] == "1111065000"
    assert row["phone_enc"] is None and row["address_enc"] is None and row["phone_hash"] is None
    assert service.services.cipher.decrypt(row["description_enc"], "reports.description") == ""
    assert row["anonymised_at"] is not None


async def test_the_audit_chain_detects_an_edit_and_a_deletion(service, user):
    await file_with_phone(user)
    async with service.services.db.transaction() as conn:
        for i in range(3):
            await audit.record(conn, actor="member:1", action="read", subject=f"report:X{i}", now=utcnow())
    async with service.services.db.read() as conn:
        assert (await audit.verify(conn))[0] is True
    async with service.services.db.transaction() as conn:
        await conn.execute(update(AuditEntry).where(AuditEntry.id == 2).values(actor="member:99"))
    async with service.services.db.read() as conn:
        check = await audit.verify(conn)
    assert not check.intact and check.first_broken_id == 2


def test_verify_audit_cli_exit_code(tmp_path, monkeypatch, capsys):
    from salpim import settings as settings_module
    from salpim.cli import main
    from state.migrate import upgrade
    url = f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}"
    upgrade(url)
    monkeypatch.setenv("SALPIM_DATABASE_URL", url)
    monkeypatch.setenv("SALPIM_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("SALPIM_AUDIT_ANCHOR_FILE", str(tmp_path / "anchors.jsonl"))
    settings_module.get_settings.cache_clear()
    try:
        assert main(["admin", "verify-audit"]) == 0
        assert "intact" in capsys.readouterr().out
    finally:
        settings_module.get_settings.cache_clear()


async def test_a_flood_is_slowed_politely(sqlite_url, fake_api, tmp_path):
    async with running_app(make_settings(sqlite_url, fake_api, tmp_path, messages_per_second=0.5)) as service:
        user = TelegramUser(service, fake_api)
        updates = [user.message_update(text="/help") for _ in range(30)]
        responses = await asyncio.gather(*(service.post_update(u) for u in updates))
        assert all(r.status_code == 200 for r in responses)
        slow = [t for t in fake_api.texts(user.user_id) if "너무 빨리" in t]
        helped = [t for t in fake_api.texts(user.user_id) if t.startswith("/start")]
        assert len(slow) == 1 and len(helped) == 20


async def test_case_notes_are_erased_when_an_ended_case_ages_out(service, user):
    from state import cases, followups, members
    await file_with_phone(user)
    async with service.services.db.transaction() as conn:
        cipher, now = service.services.cipher, utcnow()
        member_id = await members.create_member(conn, cipher, role="caseworker", dong_code="1111065000",
                                                sigungu_code="11110", now=now)
        staff = await members.member_by_id(conn, member_id)
        record = await cases.open_or_assign(service.services.db, conn, 1, staff.id, staff.id, now)
        await followups.submit(service.services.db, conn, cipher, record, {"version": 1, "reached": False}, staff, now)
        await conn.execute(update(Case).values(step="not_selected", updated_at=text("datetime('now', '-2000 days')")))
        run = await retention.anonymise_due(conn, cipher, now, report_days=365, case_days=1825)
    assert run.cases == 1
    async with service.services.db.read() as conn:
        answers = (await conn.execute(select(FollowupSubmission.answers_enc))).scalar_one()
    assert service.services.cipher.decrypt(answers, "followup.answers") == "{}"
