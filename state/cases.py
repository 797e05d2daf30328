"""Cases (통합사례관리) in the store: opening one from a report, applying the domain's actions,
the immutable event history, the reporter's stage following along, and the clocks' timers."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from state import reports, timers
from state.case_codec import facts_from_json, state_from_json, to_json
from state.db import Database
from state.members import MemberInfo
from state.models import Case, CaseEvent, Report
from state.timeutil import to_kst
from welfare.case_clocks import Deadline, due_dates
from welfare.case_lifecycle import (
    ActorRole, CaseFacts, CaseState, TransitionRefused, apply, new_case, reporter_stage,
)
from welfare.working_days import DEFAULT_CALENDAR

C, E, R = Case.__table__, CaseEvent.__table__, Report.__table__
ACTOR_ROLES = {"caseworker": ActorRole.CASE_MANAGER, "team_leader": ActorRole.TEAM_LEADER}
REMIND_AT = time(9, 0)  # reminders go out at 09:00 KST on a working day


class CaseError(Exception):
    """A request the case cannot take; `key` is a catalog message for the worker."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


@dataclass(frozen=True)
class CaseRecord:
    id: int
    report_id: int
    receipt_no: str
    dong_code: str
    manager_member_id: int | None
    state: CaseState
    facts: CaseFacts
    version: int
    urgent: bool
    same_day_visit: bool = False

    def deadlines(self) -> list[Deadline]:
        return due_dates(self.state.milestones)


def _record(row: Any) -> CaseRecord:
    return CaseRecord(row.id, row.report_id, row.receipt_no, row.dong_code, row.manager_member_id,
                      state_from_json(row.state), facts_from_json(row.facts or {}), row.version, bool(row.urgent),
                      bool(row.same_day_visit))


def _select():
    return select(C, R.c.receipt_no, R.c.urgent, R.c.same_day_visit).join(R, R.c.id == C.c.report_id)


async def load(db: Database, conn: AsyncConnection, case_id: int, *, lock: bool = False) -> CaseRecord | None:
    query = _select().where(C.c.id == case_id)
    if lock and not db.is_sqlite:
        query = query.with_for_update(of=C)
    row = (await conn.execute(query)).first()
    return _record(row) if row else None


async def by_report(conn: AsyncConnection, report_id: int) -> CaseRecord | None:
    row = (await conn.execute(_select().where(C.c.report_id == report_id))).first()
    return _record(row) if row else None


def kst_today(now: datetime) -> date:
    return to_kst(now).date()


async def take_report(db: Database, conn: AsyncConnection, report_id: int, taker: MemberInfo,
                      now: datetime, manager_id: int | None = None) -> CaseRecord:
    """Open the report's case (if it has none) and make `manager_id` (default: the taker) its
    주사례관리자. Staff of another 읍면동 cannot; a case taken by someone else stays theirs
    unless the team leader reassigns it."""
    report = (await conn.execute(select(R.c.id, R.c.dong_code, R.c.created_at).where(R.c.id == report_id))).first()
    if report is None:
        raise CaseError("case.error.no_such_report")
    if taker.role not in ACTOR_ROLES or taker.dong_code != report.dong_code or not taker.active:
        raise CaseError("case.error.not_your_dong")
    manager_id = manager_id or taker.id
    if manager_id != taker.id and taker.role != "team_leader":
        raise CaseError("case.error.team_leader_assigns")
    existing = await by_report(conn, report_id)
    if existing is None:
        state = new_case(kst_today(report.created_at))
        case_id = (await conn.execute(insert(C).returning(C.c.id).values(
            report_id=report_id, dong_code=report.dong_code, manager_member_id=manager_id, step=state.step.value,
            state=to_json(state), facts=to_json(CaseFacts()), version=1, created_at=now, updated_at=now))).scalar_one()
        await _event(conn, case_id, now, kst_today(now), taker.id, "take", state.step.value, state.step.value,
                     {"manager": manager_id})
        record = await load(db, conn, case_id)
        assert record is not None
        await _reschedule(db, conn, record, now)
        await reports.set_status(conn, report_id, "checking", now, taker.id)
        await timers.cancel(conn, "urgent_untaken", f"report:{report_id}", now)
        return record
    if existing.manager_member_id not in (None, manager_id) and taker.role != "team_leader":
        raise CaseError("case.error.already_taken")
    await conn.execute(update(C).where(C.c.id == existing.id).values(manager_member_id=manager_id, updated_at=now))
    await _event(conn, existing.id, now, kst_today(now), taker.id, "assign", existing.state.step.value,
                 existing.state.step.value, {"manager": manager_id})
    return replace(existing, manager_member_id=manager_id)


async def apply_action(db: Database, conn: AsyncConnection, record: CaseRecord, action: str, actor: MemberInfo,
                       now: datetime, *, on_date: date | None = None, facts: dict[str, Any] | None = None,
                       expected_version: int | None = None) -> CaseRecord:
    """Apply one step of the process. Guards (approvals, consent, dates) are the domain's;
    this adds who may act at all, stale-version protection, history, clocks and the reporter's
    stage. Raises CaseError with the refusal's message key."""
    if expected_version is not None and expected_version != record.version:
        raise CaseError("case.error.stale")
    role = ACTOR_ROLES.get(actor.role)
    if role is None or actor.dong_code != record.dong_code or not actor.active:
        raise CaseError("case.error.not_your_dong")
    if role is ActorRole.CASE_MANAGER and record.manager_member_id != actor.id:
        raise CaseError("case.error.not_your_case")
    merged = facts_from_json({**to_json(record.facts), **(facts or {})})
    on = on_date or kst_today(now)
    try:
        state = apply(record.state, action, merged, role, on)
    except TransitionRefused as refused:
        raise CaseError(refused.reason_key) from None
    version = record.version + 1
    await conn.execute(update(C).where(C.c.id == record.id, C.c.version == record.version).values(
        step=state.step.value, state=to_json(state), facts=to_json(merged), version=version, updated_at=now))
    await _event(conn, record.id, now, on, actor.id, action, record.state.step.value, state.step.value,
                 {k: v for k, v in (facts or {}).items() if isinstance(v, (bool, str, int)) and k.endswith(
                     ("consent", "reason", "target", "resurveyed", "recorded"))})
    updated = replace(record, state=state, facts=merged, version=version)
    await reports.set_status(conn, record.report_id, reporter_stage(state).value, now, actor.id)
    await _reschedule(db, conn, updated, now)
    return updated


async def update_facts(conn: AsyncConnection, record: CaseRecord, facts: dict[str, Any], now: datetime) -> CaseRecord:
    merged = facts_from_json({**to_json(record.facts), **facts})
    await conn.execute(update(C).where(C.c.id == record.id).values(facts=to_json(merged), updated_at=now))
    return replace(record, facts=merged)


async def _event(conn: AsyncConnection, case_id: int, now: datetime, on: date, actor: int | None, action: str,
                 from_step: str, to_step: str, detail: dict[str, Any]) -> None:
    await conn.execute(insert(E).values(case_id=case_id, at=now, on_date=on.isoformat(), actor_member_id=actor,
                                        action=action, from_step=from_step, to_step=to_step, detail=detail))


async def history(conn: AsyncConnection, case_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(E).where(E.c.case_id == case_id).order_by(E.c.id))
    return [{"at": r.at.isoformat(), "on_date": r.on_date, "actor": r.actor_member_id, "action": r.action,
             "from": r.from_step, "to": r.to_step, "detail": r.detail} for r in rows]


def kst_moment(day: date, at: time) -> datetime:
    """A wall-clock time in Korea as the store's naive UTC."""
    return datetime.combine(day, at) - timedelta(hours=9)


async def _reschedule(db: Database, conn: AsyncConnection, record: CaseRecord, now: datetime) -> None:
    """Reminders for this version of the case: to the case manager the working day before each
    open due date, to the team leader the working day after it if still open. Timers of older
    versions stay in the table and do nothing when they fire."""
    open_deadlines = [d for d in record.deadlines() if d.is_open]
    next_due = min((d.due for d in open_deadlines), default=None)
    await conn.execute(update(C).where(C.c.id == record.id).values(
        next_due=kst_moment(next_due, time(18, 0)) if next_due else None))
    for deadline in open_deadlines:
        before = DEFAULT_CALENDAR.previous_working_day(deadline.due - timedelta(days=1))
        after = DEFAULT_CALENDAR.next_working_day(deadline.due + timedelta(days=1))
        subject = f"case:{record.id}:{deadline.clock.value}"
        payload = {"clock": deadline.clock.value, "due": deadline.due.isoformat()}
        await timers.schedule(db, conn, kind="case_due_soon", subject=subject, version=record.version,
                              due_at=max(kst_moment(before, REMIND_AT), now), payload=payload)
        await timers.schedule(db, conn, kind="case_overdue", subject=subject, version=record.version,
                              due_at=kst_moment(after, REMIND_AT), payload=payload)


async def list_cases(conn: AsyncConnection, *, dong_codes: list[str] | None, step: str | None = None,
                     overdue_at: datetime | None = None, manager_id: int | None = None,
                     limit: int = 200) -> list[CaseRecord]:
    # Urgent cases (and same-day visits) first: what a caseworker must not overlook.
    query = _select().order_by(reports.priority_first(R).desc(), C.c.id.desc()).limit(limit)
    if dong_codes is not None:
        query = query.where(C.c.dong_code.in_(dong_codes))
    if step:
        query = query.where(C.c.step == step)
    if overdue_at is not None:
        query = query.where(C.c.next_due < overdue_at)
    if manager_id is not None:
        query = query.where(C.c.manager_member_id == manager_id)
    return [_record(r) for r in await conn.execute(query)]
