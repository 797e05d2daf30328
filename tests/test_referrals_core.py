"""Referrals through the application core on both engines: consent gates the sending, the
receiving organisation answers, the reply clock reminds then escalates, partners see only what
is referred to them (and a reach past that is refused and audited)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import cases as core_cases
from core import referrals as core_referrals
from core import reports as core_reports
from core.actor import Actor, Channel, member_actor
from core.refusals import Refused, RefusalKind
from core.work import Work
from state import members, timers
from state.models import AuditEntry, CaseEvent
from welfare.crisis_report import CrisisReport
from tests.harness import make_settings, running_app

HYEHWA, SIGUNGU = "1111065000", "11110"
ALL_PARTS = {"general_data": True, "unique_identifiers": False, "sensitive_data": True, "third_party": True}


def answers() -> CrisisReport:
    return CrisisReport(reporter_kind="neighbour", reporter_type="resident", situations=("isolation",),
                        household="older_alone", age_band="very_old", gender="female", dong_code=HYEHWA,
                        description="우울하다고 자주 말씀하세요", contact="anonymous", address="혜화로 1",
                        consent_version="v1", consent_at=datetime(2026, 11, 30, 9, 0))


class World:
    def __init__(self, service) -> None:
        self.service, self.s = service, service.services
        self.ids: dict[str, int] = {}

    def work(self, conn, now: datetime | None = None) -> Work:
        return Work(self.s.db, conn, self.s.cipher, self.s.runner.directory, now or datetime(2026, 12, 1, 1, 0))

    async def actor(self, conn, who: str) -> Actor:
        info = await members.member_by_id(conn, self.ids[who])
        return member_actor(info, self.s.runner.directory, Channel.API)


@pytest.fixture
async def world(db_url, tmp_path):
    async with running_app(make_settings(db_url, None, tmp_path)) as service:
        w = World(service)
        async with w.s.db.transaction() as conn:
            now = datetime(2026, 12, 1, 0, 0)
            for who, role, dong, org in (("cw", "caseworker", HYEHWA, None), ("tl", "team_leader", HYEHWA, None),
                                         ("mental", "partner_worker", None, "jn-mental"),
                                         ("food", "partner_worker", None, "jn-food"),
                                         ("coord", "coordinator", None, "jn-hope")):
                w.ids[who] = await members.create_member(conn, w.s.cipher, role=role, dong_code=dong,
                                                         sigungu_code=SIGUNGU, now=now, org_code=org)
            work = w.work(conn)
            filed = await core_reports.file_report(work, Actor(Channel.TELEGRAM, chat_id="r1"), answers(),
                                                   per_hour=100)
            w.case_id = (await core_cases.take_report(work, await w.actor(conn, "cw"), filed.id)).case.id
        yield w


async def _refer(w: World, org: str = "jn-mental", now: datetime | None = None):
    async with w.s.db.transaction() as conn:
        return await core_referrals.refer(w.work(conn, now), await w.actor(conn, "cw"), w.case_id, org,
                                          need="mental_health", request="우울감 상담이 필요해요")


async def _consent(w: World, recipients: list[str], parts: dict = ALL_PARTS):
    async with w.s.db.transaction() as conn:
        return await core_referrals.record_consent(w.work(conn), await w.actor(conn, "cw"), w.case_id, parts,
                                                   recipients)


async def _reply(w: World, who: str, referral_id: int, action: str, now: datetime | None = None, **kw):
    async with w.s.db.transaction() as conn:
        return await core_referrals.reply(w.work(conn, now), await w.actor(conn, who), referral_id, action, **kw)


async def test_refused_without_consent_naming_the_centre_then_allowed_after_new_consent(world: World):
    with pytest.raises(Refused) as refused:
        await _refer(world)
    assert (refused.value.kind, refused.value.key) == (RefusalKind.CONFLICT, "referral.error.consent_missing")
    await _consent(world, ["jn-food"])  # third party agreed, but another recipient
    with pytest.raises(Refused):
        await _refer(world)
    await _consent(world, ["jn-food", "jn-mental"])
    referral = await _refer(world)
    assert referral.state.value == "requested" and referral.to_org_code == "jn-mental"
    assert set(referral.shared) == {"address", "phone", "household", "age_band", "situations", "description"}
    async with world.s.db.read() as conn:
        actions = [r.action for r in await conn.execute(select(CaseEvent.action).where(
            CaseEvent.case_id == world.case_id).order_by(CaseEvent.id))]
    assert actions.count("record_consent") == 2 and "referral_requested" in actions


async def test_the_closed_loop_and_only_the_receiver_sees_the_consented_details(world: World):
    await _consent(world, ["jn-mental"], {**ALL_PARTS, "sensitive_data": False})
    referral = await _refer(world)
    # Another partner cannot see it, answer it, or read the case: refused as not found, audited.
    async with world.s.db.transaction() as conn:
        food = await world.actor(conn, "food")
        for attempt in (core_referrals.read_referral(world.work(conn), food, referral.id),
                        core_cases.read_case(world.work(conn), food, world.case_id)):
            with pytest.raises(Refused) as refused:
                await attempt
            assert refused.value.kind is RefusalKind.NOT_FOUND
    async with world.s.db.read() as conn:
        denied = [(r.subject, r.action) for r in await conn.execute(select(AuditEntry).where(
            AuditEntry.actor == f"member:{world.ids['food']}"))]
    assert denied == [(f"referral:{referral.id}", "denied_read"), (f"case:{world.case_id}", "denied_read")]
    with pytest.raises(Refused):
        await _reply(world, "food", referral.id, "receive")
    async with world.s.db.transaction() as conn:
        view = await core_referrals.read_referral(world.work(conn), await world.actor(conn, "mental"), referral.id)
    assert view.details["address"] == "혜화로 1" and "description" not in view.details  # no sensitive part
    assert view.request == "우울감 상담이 필요해요"
    for action, kw in (("receive", {}), ("accept", {}), ("start", {}), ("complete", {"outcome": "service_provided"})):
        moved = await _reply(world, "mental", referral.id, action, **kw)
    assert moved.referral.state.value == "completed" and moved.referral.outcome == "service_provided"
    assert moved.referral.taken_by_member_id == world.ids["mental"]
    async with world.s.db.read() as conn:
        case = await core_cases.read_case(world.work(conn), await world.actor(conn, "cw"), world.case_id)
        sent = await core_referrals.sent(world.work(conn), await world.actor(conn, "cw"))
    assert case.state.step.value == "discovered"  # the case goes on
    assert [r.state.value for r in sent] == ["completed"]


async def test_a_rejection_with_its_reason_then_referred_onward(world: World):
    await _consent(world, ["jn-mental", "jn-welfare", "jn-dementia"])
    referral = await _refer(world)
    with pytest.raises(Refused) as refused:
        await _reply(world, "mental", referral.id, "reject")
    assert refused.value.key == "referral.error.reason_missing"
    rejected = await _reply(world, "mental", referral.id, "reject", reason="out_of_area")
    assert rejected.referral.reject_reason == "out_of_area"
    with pytest.raises(Refused):  # the sender's onward needs an organisation consent names
        await _reply(world, "cw", referral.id, "refer_onward", onward_to="jn-food")
    onward = await _reply(world, "cw", referral.id, "refer_onward", onward_to="jn-dementia")
    assert onward.referral.state.value == "referred-onward"
    assert onward.onward is not None and onward.onward.previous_id == referral.id
    assert onward.onward.from_member_id == world.ids["cw"] and onward.onward.to_org_code == "jn-dementia"
    # The sender cancels the onward one; the receiver may not cancel.
    with pytest.raises(Refused):
        await _reply(world, "mental", onward.onward.id, "cancel")
    cancelled = await _reply(world, "cw", onward.onward.id, "cancel")
    assert cancelled.referral.state.value == "cancelled"


async def test_an_unanswered_referral_reminds_then_escalates_on_a_fake_clock(world: World):
    await _consent(world, ["jn-mental"])
    sent_at = datetime(2026, 12, 1, 1, 0)  # Tuesday 10:00 KST; 14 days → due Friday 2026-12-18
    referral = await _refer(world, now=sent_at)
    assert referral.due_on.isoformat() == "2026-12-18"
    async with world.s.db.read() as conn:
        planned = {r.kind: r.due_at for r in await conn.execute(select(timers.T).where(
            timers.T.c.subject == f"referral:{referral.id}"))}
    assert planned[timers.TimerKind.REFERRAL_DUE_SOON] == datetime(2026, 12, 17, 0, 0)  # Thu 09:00 KST
    assert planned[timers.TimerKind.REFERRAL_OVERDUE] == datetime(2026, 12, 21, 0, 0)  # Mon 09:00 KST
    async with world.s.db.read() as conn:
        work = world.work(conn, datetime(2026, 12, 21, 1, 0))
        rows, late = await core_referrals.coordination(work, await world.actor(conn, "coord"), overdue_only=True)
    assert [r.id for r in late] == [referral.id]
    assert rows[0].org_code == "jn-mental" and rows[0].overdue == 1 and rows[0].oldest_days == 20
    # Answering stops the clock: the timers are done.
    await _reply(world, "mental", referral.id, "accept", now=datetime(2026, 12, 2))
    async with world.s.db.read() as conn:
        open_timers = (await conn.execute(select(timers.T).where(timers.T.c.subject == f"referral:{referral.id}",
                                                                 timers.T.c.done_at.is_(None)))).all()
    assert open_timers == []


async def test_a_hard_case_to_the_hope_support_team_changes_the_lead_and_the_coordinator_reassigns_it(world: World):
    await _consent(world, ["jn-hope"])
    async with world.s.db.transaction() as conn:
        referral = await core_referrals.refer(world.work(conn), await world.actor(conn, "cw"), world.case_id,
                                              "jn-hope", need="safety", request="고난도: 복합 위기")
    assert referral.due_on.isoformat() == "2026-12-04"  # 3 working days after Tuesday 12-01 (L10958)
    moved = await _reply(world, "coord", referral.id, "accept")
    assert moved.lead == "jn-hope"
    async with world.s.db.transaction() as conn:
        work, cw = world.work(conn), await world.actor(conn, "cw")
        assert await core_referrals.lead_of(work, cw, world.case_id) == "jn-hope"
        with pytest.raises(Refused):  # only the coordinator reassigns the lead
            await core_referrals.reassign_lead(work, cw, world.case_id, None)
    async with world.s.db.transaction() as conn:
        await core_referrals.reassign_lead(world.work(conn), await world.actor(conn, "coord"), world.case_id, None)
    async with world.s.db.read() as conn:
        changes = [r.detail for r in await conn.execute(select(CaseEvent).where(
            CaseEvent.case_id == world.case_id, CaseEvent.action == "lead_changed").order_by(CaseEvent.id))]
    assert changes == [{"from": None, "to": "jn-hope"}, {"from": "jn-hope", "to": None}]


async def test_the_coordinator_sees_the_referral_but_not_the_household(world: World):
    await _consent(world, ["jn-mental"])
    referral = await _refer(world)
    async with world.s.db.transaction() as conn:
        view = await core_referrals.read_referral(world.work(conn), await world.actor(conn, "coord"), referral.id)
        own = await core_referrals.read_referral(world.work(conn), await world.actor(conn, "cw"), referral.id)
    assert view.referral.id == referral.id and view.details == {}
    assert own.details["address"] == "혜화로 1"
