"""A case carries its report's priority (migration 0015): urgent, same-day-visit and listen-today
cases come first in every list, then the newest, whether the list is one 읍면동's, merged over
several, or a caseworker's; an ended case has no running clock, so it never shows as overdue;
the migration copies the priority onto the cases there are and stops the ended cases' clocks."""
from __future__ import annotations

import asyncio
import dataclasses
import warnings
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from core import cases as core_cases
from core import reports as core_reports
from core.actor import Actor, Channel, member_actor
from core.work import Work
from state import cases, members
from state.db import Database
from state.migrate import upgrade
from state.models import Case
from tests.harness import make_settings, running_app
from tests.test_referrals_core import HYEHWA, SIGUNGU, answers

IHWA = "1111064000"
NOW = datetime(2026, 12, 1, 1, 0)


@pytest.fixture
async def service(db_url, tmp_path):
    async with running_app(make_settings(db_url, None, tmp_path)) as running:
        s = running.services
        async with s.db.transaction() as conn:
            running.cw = await members.create_member(conn, s.cipher, role="caseworker", dong_code=HYEHWA,
                                                     sigungu_code=SIGUNGU, now=NOW)
            running.cw2 = await members.create_member(conn, s.cipher, role="caseworker", dong_code=IHWA,
                                                      sigungu_code=SIGUNGU, now=NOW)
        yield running


async def _open(service, member_id: int, dong: str, chat: str, **flags) -> int:
    """File a report (with its urgent / same-day / listen-today flags) and take it."""
    s = service.services
    async with s.db.transaction() as conn:
        work = Work(s.db, conn, s.cipher, s.runner.directory, NOW)
        filed = await core_reports.file_report(work, Actor(Channel.TELEGRAM, chat_id=chat),
                                               dataclasses.replace(answers(), dong_code=dong, **flags), per_hour=100)
        actor = member_actor(await members.member_by_id(conn, member_id), s.runner.directory, Channel.API)
        return (await core_cases.take_report(work, actor, filed.id)).case.id


async def test_urgent_same_day_and_listen_today_cases_come_first_then_the_newest(service):
    plain = await _open(service, service.cw, HYEHWA, "r1")
    urgent = await _open(service, service.cw, HYEHWA, "r2", urgent=True)
    newer_plain = await _open(service, service.cw, HYEHWA, "r3")
    other_dong_visit = await _open(service, service.cw2, IHWA, "r4", same_day_visit=True)
    listen = await _open(service, service.cw, HYEHWA, "r5", listen_same_day=True)
    async with service.services.db.read() as conn:
        stored = dict((await conn.execute(sa.select(Case.id, Case.priority))).all())
        one = [c.id for c in await cases.list_cases(conn, dong_codes=[HYEHWA])]
        both = [c.id for c in await cases.list_cases(conn, dong_codes=[HYEHWA, IHWA])]
        mine = [c.id for c in await cases.list_cases(conn, dong_codes=[HYEHWA, IHWA], manager_id=service.cw)]
        first_two = [c.id for c in await cases.list_cases(conn, dong_codes=[HYEHWA, IHWA], limit=2)]
    assert stored == {plain: False, urgent: True, newer_plain: False, other_dong_visit: True, listen: True}
    assert one == [listen, urgent, newer_plain, plain]
    assert both == [listen, other_dong_visit, urgent, newer_plain, plain]
    assert mine == one
    assert first_two == [listen, other_dong_visit]


async def test_an_ended_case_has_no_running_clock_and_is_never_overdue(service):
    case_id = await _open(service, service.cw, HYEHWA, "r1")
    s = service.services
    later = NOW + timedelta(days=60)
    async with s.db.read() as conn:
        assert (await cases.load(s.db, conn, case_id)).state.step.value not in core_cases.CLOSED_STEPS
        assert [c.id for c in await cases.list_cases(conn, dong_codes=[HYEHWA], overdue_at=later)] == [case_id]
    async with s.db.transaction() as conn:
        actor = member_actor(await members.member_by_id(conn, service.cw), s.runner.directory, Channel.API)
        await core_cases.act_on_case(Work(s.db, conn, s.cipher, s.runner.directory, NOW), actor, case_id,
                                     "refer_elsewhere", facts={"referral_target": "dream_start"})
    async with s.db.read() as conn:
        next_due = (await conn.execute(sa.select(Case.next_due).where(Case.id == case_id))).scalar_one()
        overdue = await cases.list_cases(conn, dong_codes=[HYEHWA], overdue_at=later)
    assert next_due is None and overdue == []


async def test_a_worklist_keeps_open_cases_behind_newer_closed_ones(service):
    """The open-only filter is applied before the limit: a caseworker with an open case behind
    newer ended ones still finds it in a short worklist."""
    s = service.services
    still_open = await _open(service, service.cw, HYEHWA, "r1")
    ended = [await _open(service, service.cw, HYEHWA, f"r{n}") for n in (2, 3)]
    async with s.db.transaction() as conn:
        actor = member_actor(await members.member_by_id(conn, service.cw), s.runner.directory, Channel.API)
        work = Work(s.db, conn, s.cipher, s.runner.directory, NOW)
        for case_id in ended:
            await core_cases.act_on_case(work, actor, case_id, "refer_elsewhere", facts={"referral_target": "dream_start"})
    async with s.db.read() as conn:
        work = Work(s.db, conn, s.cipher, s.runner.directory, NOW)
        assert [c.id for c in await core_cases.list_cases(work, actor, mine=True, open_only=True, limit=1)] == [still_open]
        assert [c.id for c in await core_cases.list_cases(work, actor, mine=True, limit=1)] == [ended[-1]]


async def test_migration_0015_copies_the_priority_and_stops_ended_cases_clocks(db_url):
    await asyncio.to_thread(upgrade, db_url, "0014")
    db = Database(db_url)
    meta = sa.MetaData()
    async with db.engine.connect() as conn:
        with warnings.catch_warnings():  # SQLite cannot reflect the inbox's expression index
            warnings.filterwarnings("ignore", ".*expression-based index")
            await conn.run_sync(lambda c: meta.reflect(c, only=["sigungus", "dongs", "reports", "cases"]))
    sigungus, dongs, reports, case_rows = (meta.tables[n] for n in ("sigungus", "dongs", "reports", "cases"))
    due = datetime(2026, 11, 1, 9, 0)
    async with db.transaction() as conn:
        await conn.execute(sa.insert(sigungus).values(code=SIGUNGU, name="종로구"))
        await conn.execute(sa.insert(dongs).values(code=HYEHWA, sigungu_code=SIGUNGU, name="혜화동", phone=""))
        for n, (urgent, visit, listen, step) in enumerate([(False, False, False, "intake"),
                                                           (True, False, False, "intake"),
                                                           (False, True, False, "referred_out"),
                                                           (False, False, True, "closed_early")], start=1):
            await conn.execute(sa.insert(reports).values(
                id=n, receipt_no=f"R{n}", channel="telegram", reporter_chat_hash="h", reporter_kind="neighbour",
                reporter_type="resident", situations=[], urgent=urgent, same_day_visit=visit,
                listen_same_day=listen, dong_code=HYEHWA, description_enc="", contact_mode="anonymous",
                consent_version="v1", consent_at=NOW, status="checking", created_at=NOW))
            await conn.execute(sa.insert(case_rows).values(
                id=n, report_id=n, dong_code=HYEHWA, step=step, state={}, facts={}, version=1, next_due=due,
                created_at=NOW, updated_at=NOW))
    await db.dispose()
    await asyncio.to_thread(upgrade, db_url)
    db = Database(db_url)
    try:
        async with db.read() as conn:
            rows = (await conn.execute(sa.select(Case.id, Case.priority, Case.next_due).order_by(Case.id))).all()
    finally:
        await db.dispose()
    assert [(r.id, r.priority, r.next_due) for r in rows] == [(1, False, due), (2, True, due), (3, True, None),
                                                             (4, True, None)]
