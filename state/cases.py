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
from state.merged_lists import merged_by_dong
from state.models import Case, CaseEvent, Report, priority_first
from state.retention import ENDED_STEPS
from welfare.case_clocks import ClockId, Deadline, HouseholdType, due_dates
from welfare.case_lifecycle import (
    ActorRole, CaseFacts, CaseState, CaseStep, TransitionRefused, apply, new_case, reporter_stage, settle_suggestions,
)
from welfare.monitoring import MonitoringPlan, monitoring_plan
from welfare.korea_time import kst_moment, kst_today
from welfare.roles import Role
from welfare.working_days import DEFAULT_CALENDAR

C, E, R = Case.__table__, CaseEvent.__table__, Report.__table__
# The lifecycle's roles (whose guards apply) for the members' roles that work on cases.
ACTOR_ROLES = {Role.CASEWORKER: ActorRole.CASE_MANAGER, Role.TEAM_LEADER: ActorRole.TEAM_LEADER}
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
    manager_designated: bool = False  # the team leader designated the 주사례관리자 (L8576–8578)
    listen_same_day: bool = False  # described only by a recording: listen to it today

    def deadlines(self) -> list[Deadline]:
        return due_dates(self.state.milestones)

    def monitoring(self) -> MonitoringPlan | None:
        """사후관리 plan while the household is monitored; sooner for an urgent or 고난도 case."""
        if self.state.step is not CaseStep.AFTERCARE:
            return None
        return monitoring_plan(self.state.milestones, high_risk=self.urgent or self.state.hard_case)


def _record(row: Any) -> CaseRecord:
    return CaseRecord(row.id, row.report_id, row.receipt_no, row.dong_code, row.manager_member_id,
                      state_from_json(row.state), facts_from_json(row.facts or {}), row.version, bool(row.urgent),
                      bool(row.same_day_visit), row.manager_designated_by is not None, bool(row.listen_same_day))


def _select():
    return select(C, R.c.receipt_no, R.c.urgent, R.c.same_day_visit, R.c.listen_same_day).join(R, R.c.id == C.c.report_id)


async def load(db: Database, conn: AsyncConnection, case_id: int, *, lock: bool = False) -> CaseRecord | None:
    query = _select().where(C.c.id == case_id)
    if lock and not db.is_sqlite:
        query = query.with_for_update(of=C)
    row = (await conn.execute(query)).first()
    return _record(row) if row else None


async def dong_of(conn: AsyncConnection, case_id: int) -> str | None:
    """The 읍면동 a case belongs to now (it changes when the household moves)."""
    return (await conn.execute(select(C.c.dong_code).where(C.c.id == case_id))).scalar()


async def by_report(conn: AsyncConnection, report_id: int) -> CaseRecord | None:
    row = (await conn.execute(_select().where(C.c.report_id == report_id))).first()
    return _record(row) if row else None


async def report_for_case(conn: AsyncConnection, report_id: int) -> Any | None:
    """The report's id, 읍면동, filing time and priority (what opening a case needs), or None."""
    return (await conn.execute(select(R.c.id, R.c.dong_code, R.c.created_at,
                                      priority_first(R).label("priority")).where(R.c.id == report_id))).first()


async def open_or_assign(db: Database, conn: AsyncConnection, report_id: int, actor_id: int, manager_id: int,
                         now: datetime) -> CaseRecord:
    """Open the report's case (if it has none) with `manager_id` as its 주사례관리자, or make
    `manager_id` the manager of the case it has. Who may is the application core's question
    (core/cases.py); this only writes, with the case event that records who and to whom."""
    report = await report_for_case(conn, report_id)
    if report is None:
        raise CaseError("case.error.no_such_report")
    existing = await by_report(conn, report_id)
    if existing is None:
        state = new_case(kst_today(report.created_at))
        case_id = (await conn.execute(insert(C).returning(C.c.id).values(
            report_id=report_id, dong_code=report.dong_code, manager_member_id=manager_id,
            priority=bool(report.priority), step=state.step.value,
            state=to_json(state), facts=to_json(CaseFacts()), version=1, created_at=now, updated_at=now))).scalar_one()
        await _event(conn, case_id, now, kst_today(now), actor_id, "take", state.step.value, state.step.value,
                     {"manager": manager_id})
        record = await load(db, conn, case_id)
        assert record is not None
        await _reschedule(db, conn, record, now)
        await reports.set_status(conn, report_id, "checking", now, actor_id)
        await timers.cancel(conn, timers.TimerKind.URGENT_UNTAKEN, f"report:{report_id}", now)
        return record
    version = existing.version + 1
    await conn.execute(update(C).where(C.c.id == existing.id).values(manager_member_id=manager_id, version=version,
                                                                      updated_at=now))
    await _event(conn, existing.id, now, kst_today(now), actor_id, "assign", existing.state.step.value,
                 existing.state.step.value, {"manager": manager_id})
    updated = replace(existing, manager_member_id=manager_id, version=version)
    await _reschedule(db, conn, updated, now)  # the reminders follow the case's new version
    return updated


async def set_designated(conn: AsyncConnection, record: CaseRecord, by_member_id: int | None, now: datetime,
                         why: str) -> CaseRecord:
    """Record who designated the 주사례관리자 (None: the taker is only proposed), as a case event."""
    await conn.execute(update(C).where(C.c.id == record.id).values(manager_designated_by=by_member_id))
    if by_member_id is not None:
        await _event(conn, record.id, now, kst_today(now), by_member_id, "manager_designated",
                     record.state.step.value, record.state.step.value,
                     {"manager": record.manager_member_id, "why": why})
    return replace(record, manager_designated=by_member_id is not None)


async def apply_action(db: Database, conn: AsyncConnection, record: CaseRecord, action: str, actor: MemberInfo,
                       now: datetime, *, on_date: date | None = None, facts: dict[str, Any] | None = None,
                       expected_version: int | None = None) -> CaseRecord:
    """Apply one step of the process. Guards (approvals, consent, dates) are the domain's; who
    may act at all is the core's (core/permissions.py); this adds stale-version protection,
    history, clocks and the reporter's stage. Raises CaseError with the refusal's message key."""
    if expected_version is not None and expected_version != record.version:
        raise CaseError("case.error.stale")
    role = ACTOR_ROLES.get(actor.role)
    if role is None:  # the core checks who may act (core/permissions.py); the lifecycle needs a role
        raise CaseError("case.error.staff_only")
    merged = settle_suggestions(action, facts_from_json({**to_json(record.facts), **(facts or {})}))
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


async def set_facts(db: Database, conn: AsyncConnection, record: CaseRecord, facts: dict[str, Any], actor_id: int,
                    now: datetime) -> CaseRecord:
    """A fact a person records (a consent given or withdrawn): a new version of the case and a
    case event, so the history shows who recorded it and when."""
    merged = facts_from_json({**to_json(record.facts), **facts})
    version = record.version + 1
    result = await conn.execute(update(C).where(C.c.id == record.id, C.c.version == record.version).values(
        facts=to_json(merged), version=version, updated_at=now))
    if not result.rowcount:
        raise CaseError("case.error.stale")
    step = record.state.step.value
    await _event(conn, record.id, now, kst_today(now), actor_id, "set_fact", step, step, dict(facts))
    updated = replace(record, facts=merged, version=version)
    await _reschedule(db, conn, updated, now)
    return updated


async def record_linkage_check(db: Database, conn: AsyncConnection, record: CaseRecord, on: date,
                               now: datetime) -> CaseRecord:
    """A call that reached a 서비스 연계 household inside its 1–3 month window is the check of
    L9190: the milestone is set (a new version, so the clock's reminders stop)."""
    m = record.state.milestones
    window = next((d for d in due_dates(m) if d.clock is ClockId.LINKAGE_CHECK and d.is_open), None)
    if m.household_type is not HouseholdType.SERVICE_LINKAGE or window is None or \
            window.not_before is None or on < window.not_before:
        return record
    state = replace(record.state, milestones=replace(m, linkage_checked_on=on))
    version = record.version + 1
    await conn.execute(update(C).where(C.c.id == record.id).values(state=to_json(state), version=version,
                                                                    updated_at=now))
    step = record.state.step.value
    await _event(conn, record.id, now, on, None, "linkage_checked", step, step, {})
    updated = replace(record, state=state, version=version)
    await _reschedule(db, conn, updated, now)
    return updated


async def last_event_date(conn: AsyncConnection, case_id: int) -> date | None:
    """The latest day any step of the case was recorded for (a new step cannot be dated before it)."""
    value = (await conn.execute(select(E.c.on_date).where(E.c.case_id == case_id)
                                .order_by(E.c.on_date.desc()).limit(1))).scalar()
    return date.fromisoformat(value) if value else None


async def _event(conn: AsyncConnection, case_id: int, now: datetime, on: date, actor: int | None, action: str,
                 from_step: str, to_step: str, detail: dict[str, Any]) -> None:
    await conn.execute(insert(E).values(case_id=case_id, at=now, on_date=on.isoformat(), actor_member_id=actor,
                                        action=action, from_step=from_step, to_step=to_step, detail=detail))


async def history(conn: AsyncConnection, case_id: int) -> list[dict[str, Any]]:
    rows = await conn.execute(select(E).where(E.c.case_id == case_id).order_by(E.c.id))
    return [{"at": r.at.isoformat(), "on_date": r.on_date, "actor": r.actor_member_id, "action": r.action,
             "from": r.from_step, "to": r.to_step, "detail": r.detail} for r in rows]


async def reschedule(db: Database, conn: AsyncConnection, record: CaseRecord, now: datetime) -> None:
    """The clocks' reminders again for the case's current version (after a change made outside
    apply_action, e.g. a transfer to another 읍면동)."""
    await _reschedule(db, conn, record, now)


async def _reschedule(db: Database, conn: AsyncConnection, record: CaseRecord, now: datetime) -> None:
    """Reminders for this version of the case: to the case manager the working day before each
    open due date, to the team leader the working day after it if still open. Timers of older
    versions stay in the table and do nothing when they fire. An ended case (closed early,
    referred out, not selected, 사후관리 done) has no running clock, even where a milestone was
    never reached: nobody is reminded and its next_due is NULL, so it never counts as overdue
    (and the overdue list's index holds only open cases)."""
    ended = record.state.step.value in ENDED_STEPS
    open_deadlines = [] if ended else [d for d in record.deadlines() if d.is_open]
    next_due = min((d.due for d in open_deadlines), default=None)
    await conn.execute(update(C).where(C.c.id == record.id).values(
        next_due=kst_moment(next_due, time(18, 0)) if next_due else None))
    for deadline in open_deadlines:
        before = DEFAULT_CALENDAR.previous_working_day(deadline.due - timedelta(days=1))
        after = DEFAULT_CALENDAR.next_working_day(deadline.due + timedelta(days=1))
        subject = f"case:{record.id}:{deadline.clock.value}"
        payload = {"clock": deadline.clock.value, "due": deadline.due.isoformat()}
        await timers.schedule(db, conn, kind=timers.TimerKind.CASE_DUE_SOON, subject=subject, version=record.version,
                              due_at=max(kst_moment(before, REMIND_AT), now), payload=payload)
        await timers.schedule(db, conn, kind=timers.TimerKind.CASE_OVERDUE, subject=subject, version=record.version,
                              due_at=kst_moment(after, REMIND_AT), payload=payload)
        if deadline.clock is ClockId.LINKAGE_CHECK and deadline.not_before is not None:
            # The check's window opens a month after the link (L9190): tell the manager then.
            opens = DEFAULT_CALENDAR.next_working_day(deadline.not_before)
            await timers.schedule(db, conn, kind=timers.TimerKind.LINKAGE_CHECK_DUE, subject=subject,
                                  version=record.version, due_at=max(kst_moment(opens, REMIND_AT), now),
                                  payload={**payload, "linked": deadline.counted_from.isoformat()})
    plan = record.monitoring()
    if plan is not None:
        await timers.schedule(db, conn, kind=timers.TimerKind.MONITORING_DUE, subject=f"case:{record.id}:monitoring",
                              version=record.version, due_at=max(kst_moment(plan.next_contact_on, REMIND_AT), now),
                              payload={"frequency": plan.frequency.value, "date": plan.next_contact_on.isoformat()})


async def list_cases(conn: AsyncConnection, *, dong_codes: list[str] | None, step: str | None = None,
                     overdue_at: datetime | None = None, manager_id: int | None = None,
                     not_in_steps: frozenset[str] | None = None, limit: int = 200) -> list[CaseRecord]:
    """Urgent cases (and same-day visits) first, then the newest: what a caseworker must not
    overlook. The case's own priority column (its report's, copied when opened) lets each list
    be read in that order from an index (migration 0015)."""
    query = _select()
    if step:
        query = query.where(C.c.step == step)
    if not_in_steps:
        return await _open_cases(conn, query, dong_codes, manager_id, overdue_at, not_in_steps, limit)
    if overdue_at is None and manager_id is None and dong_codes is not None:
        # Each 읍면동 in order from ix_cases_dong_priority, merged (state/merged_lists.py).
        return [_record(r) for r in await conn.execute(
            merged_by_dong(conn, query, C.c.dong_code, dong_codes, ("priority", "id"), limit))]
    if dong_codes is not None:
        query = query.where(C.c.dong_code.in_(dong_codes))
    if overdue_at is not None:
        # From ix_cases_dong_due, then sorted: only the overdue cases are read, and they are
        # few (open cases past a clock; an ended case has no next_due), where the 읍면동's
        # priority index would walk through every case it ever had looking for them.
        query = query.where(C.c.next_due < overdue_at)
    if manager_id is not None:  # ix_cases_manager_priority: the manager's cases in order
        query = query.where(C.c.manager_member_id == manager_id)
    return [_record(r) for r in await conn.execute(query.order_by(C.c.priority.desc(), C.c.id.desc()).limit(limit))]


async def _open_cases(conn: AsyncConnection, query, dong_codes: list[str] | None, manager_id: int | None,
                      overdue_at: datetime | None, ended_steps: frozenset[str], limit: int) -> list[CaseRecord]:
    """A worklist: the open cases only, filtered before the limit. They are looked up by step
    (ix_cases_manager_step, ix_cases_dong_step; migration 0016) and sorted here: a caseworker or
    a 읍면동 has a few dozen open cases among thousands ended over the years, which the display-order
    indexes would walk through one by one (the growth bench's "office: my work")."""
    query = query.where(C.c.step.in_([s.value for s in CaseStep if s.value not in ended_steps]))
    if manager_id is not None:
        query = query.where(C.c.manager_member_id == manager_id)
    if dong_codes is not None:  # the manager's index finds them; the 읍면동s only bound the scope
        query = query.where((C.c.dong_code + "" if manager_id is not None else C.c.dong_code).in_(dong_codes))
    if overdue_at is not None:
        query = query.where(C.c.next_due < overdue_at)
    rows = sorted(await conn.execute(query), key=lambda r: (bool(r.priority), r.id), reverse=True)
    return [_record(r) for r in rows[:limit]]
