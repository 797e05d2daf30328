"""Turns whose commands usually only read (opening a follow-up call, a reporter's list of their reports) run
without the SQLite write lock and commit through the group writer (bot/turns.py,
_read_only_effects; issue 16's follow-up stall). If such a turn wants to write after all, the
reading connection refuses before anything is written and the turn runs again under the lock."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import turns
from dialogs import commands as cmd
from state.models import AuditEntry, ConversationRow, Report
from tests.harness import TelegramUser, texts
from tests.test_casework_transcripts import CASEWORKER, TeamChat, file_report, office  # noqa: F401 - fixture


@pytest.fixture
def write_transactions(office, monkeypatch):  # noqa: F811 - the fixture above
    """How many turns ran their writes in a write transaction (under the write lock)."""
    runner = office.services.runner
    opened = []
    original = runner._write

    async def counted(*args, **kwargs):
        opened.append(1)
        return await original(*args, **kwargs)
    monkeypatch.setattr(runner, "_write", counted)
    return opened


async def _case_taken(service, fake):
    reporter = await file_report(service, fake)
    await TeamChat(service, fake).press("담당하기", by=CASEWORKER)
    return reporter


async def test_opening_a_followup_call_takes_no_write_lock(office, fake_api, write_transactions):  # noqa: F811
    await _case_taken(office, fake_api)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    await office.delivered()
    before = len(write_transactions)
    out = await worker.say("/followup 1")
    assert "통화가 되었나요?" in texts(out)
    assert len(write_transactions) == before
    # The conversation was saved by the group writer: the next tap continues the call.
    out = await worker.press("안 받음")
    assert "다음 연락" in texts(out) or "언제" in texts(out) or worker.buttons()
    async with office.services.db.read() as conn:
        flow = (await conn.execute(select(ConversationRow.flow).where(ConversationRow.chat_id == str(CASEWORKER)))).scalar()
    assert flow == "followup"


async def test_a_reporters_list_takes_no_write_lock_and_a_status_still_audits(office, fake_api,  # noqa: F811
                                                                              write_transactions):
    reporter = await file_report(office, fake_api)
    async with office.services.db.read() as conn:
        receipt = (await conn.execute(select(Report.receipt_no))).scalar()
    before = len(write_transactions)
    out = await reporter.say("/status")
    assert receipt in texts(out)
    assert len(write_transactions) == before
    out = await reporter.say(f"/status {receipt}")  # one report's status is an audited read: under the lock
    assert receipt in texts(out)
    assert len(write_transactions) == before + 1


async def test_a_read_only_try_that_must_write_runs_again_under_the_lock(office, fake_api, write_transactions,  # noqa: F811
                                                                     monkeypatch):
    """Opening a case card audits the read: tried without the lock, it is refused before the
    audit entry is written, and the turn runs again in a write transaction — one entry, one card."""
    monkeypatch.setattr(turns, "READ_ONLY_COMMANDS", (cmd.ShowCase, *turns.READ_ONLY_COMMANDS))
    await _case_taken(office, fake_api)
    worker = TelegramUser(office, fake_api, user_id=CASEWORKER)
    await office.delivered()
    before = len(write_transactions)
    out = await worker.say("/case 1")
    assert len(write_transactions) == before + 1
    assert texts(out)
    async with office.services.db.read() as conn:
        reads = (await conn.execute(select(AuditEntry.action).where(AuditEntry.subject == "case:1",
                                                                     AuditEntry.action == "read"))).scalars().all()
    assert reads == ["read"]
