"""Casework actions: take or assign a report's case, read it, act on it (each step of the
10-step process), record the facts its guards read (consents). Each checks the actor against
the one table (core/permissions.py), does the work in the caller's transaction, and writes the
case event and the audit entry in it."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from core import audit_trail
from core.actor import Actor
from core.permissions import TABLE, Action, check, may_manage, require_role, visible_dongs
from core.refusals import NO_SUCH_CASE, NO_SUCH_REPORT, Refused, RefusalKind, conflict, invalid, not_found
from core.work import Work
from state import cases, reports
from state import members as member_store
from state.case_codec import facts_from_json, to_json
from welfare.korea_time import kst_today
from welfare.case_lifecycle import CaseAction, ClosureReason, EarlyClosureReason, HardCaseReason, NotSelectedReason, \
    PlanReturnReason, ReferralTarget, allowed_actions
from welfare.roles import Role, role_of

# Facts a person records on their own (a consent given, a re-survey done): each is a case event.
RECORDED_FACTS = ("personal_data_consent", "service_use_consent", "crisis_resurveyed", "short_term_reason_recorded")
# Actions that need a reason chosen with them, and the fact the reason fills.
REASONS: dict[CaseAction, tuple[str, type]] = {
    CaseAction.SELECT_NOT_SELECTED: ("not_selected_reason", NotSelectedReason),
    CaseAction.REGISTER_CLOSURE_REVIEW: ("closure_reason", ClosureReason),
    CaseAction.CLOSE_INTERNALLY: ("early_closure_reason", EarlyClosureReason),
    CaseAction.REFER_ELSEWHERE: ("referral_target", ReferralTarget),
    CaseAction.ESCALATE_HARD_CASE: ("hard_case_reason", HardCaseReason),
    CaseAction.RETURN_SERVICE_PLAN: ("plan_return_reason", PlanReturnReason),  # 반려 사유 (L9689–9691)
}
# 재개입 is its own action with its own row in the table (core/reopening.py): after a transfer the
# case has no manager yet, and the new 읍면동's team must be able to reopen it.
NOT_ACT_ON_CASE = frozenset({CaseAction.REOPEN})
# Facts an action may carry besides its reason: what the worker learnt doing the step.
ACTION_FACTS = frozenset({"household_size", "assessment_conducted_on", *RECORDED_FACTS,
                          *(fact for fact, _ in REASONS.values())})
# A step is dated by the day it happened: not before the case's last step, and not in the future
# (a day's margin for a worker entering late in the evening across time zones).
FUTURE_MARGIN = timedelta(days=1)
CLOSED_STEPS = frozenset({"aftercare_done", "closed_early", "referred_out", "not_selected"})
# The 사례관리팀장 designates the 주사례관리자 before the 욕구조사 (L8576–8578): the survey starts with
# 대상자 접수 (accept_intake, INTAKE → ASSESSMENT) and is finished with complete_assessment, so both
# wait for the designation. Whoever takes a report is only *proposed* until then; the team leader
# confirms with 배정하기 (assign_case, the same person or another). A 읍면동 with no active team
# leader (one person doing it all) cannot wait for one: there the taker is designated at once.
NEEDS_DESIGNATION = frozenset({CaseAction.ACCEPT_INTAKE, CaseAction.COMPLETE_ASSESSMENT})


@dataclass(frozen=True, slots=True)
class Taken:
    case: cases.CaseRecord
    manager: member_store.MemberInfo
    opened: bool  # a new case (False: an existing case changed hands)


async def _report(work: Work, report_id: int) -> Any:
    row = await cases.report_for_case(work.conn, report_id)
    if row is None:
        raise not_found(NO_SUCH_REPORT)
    return row


async def _assignee(work: Work, dong_code: str, manager_id: int) -> member_store.MemberInfo:
    """Only active members of the case's 읍면동 team can manage it: never another 동's
    caseworker, the auditor, the 시군구 admin, a deactivated account or an honorary officer."""
    manager = await member_store.member_by_id(work.conn, manager_id)
    if manager is None or not manager.active or not may_manage(role_of(manager.role)) \
            or manager.dong_code != dong_code:
        raise Refused(RefusalKind.INVALID, "case.error.not_assignable")
    return manager


async def take_report(work: Work, actor: Actor, report_id: int) -> Taken:
    """담당하기: the taker becomes the case's manager. A case someone else already manages
    stays theirs (the team leader reassigns it with assign_case)."""
    require_role(actor, Action.TAKE_REPORT)
    report = await _report(work, report_id)
    check(actor, Action.TAKE_REPORT, dong_code=report.dong_code, missing=NO_SUCH_REPORT)
    assert actor.member is not None
    existing = await cases.by_report(work.conn, report_id)
    if existing and existing.manager_member_id not in (None, actor.member_id):
        raise conflict("case.error.already_taken")
    if existing and existing.manager_designated and existing.manager_member_id == actor.member_id:
        designate, why = None, "kept"  # a second take changes nothing
    elif actor.role is Role.TEAM_LEADER:
        designate, why = actor.member_id, "team_leader"
    elif not any(m.active for m in await member_store.team_leaders(work.conn, report.dong_code)):
        designate, why = actor.member_id, "no_team_leader"
    else:
        designate, why = None, "proposed"
    return await _hand_to(work, actor, report_id, report.dong_code, actor.member_id, existing is None,
                          designate, why)


async def assign_case(work: Work, actor: Actor, report_id: int, manager_id: int) -> Taken:
    """배정하기: the team leader designates the 주사례관리자 (L8576–8578)."""
    require_role(actor, Action.ASSIGN_CASE)
    report = await _report(work, report_id)
    check(actor, Action.ASSIGN_CASE, dong_code=report.dong_code, missing=NO_SUCH_REPORT)
    existing = await cases.by_report(work.conn, report_id)
    return await _hand_to(work, actor, report_id, report.dong_code, manager_id, existing is None,
                          actor.member_id, "team_leader")


async def _hand_to(work: Work, actor: Actor, report_id: int, dong_code: str, manager_id: int | None,
                   opened: bool, designated_by: int | None, why: str) -> Taken:
    assert actor.member_id is not None and manager_id is not None
    manager = await _assignee(work, dong_code, manager_id)
    record = await cases.open_or_assign(work.db, work.conn, report_id, actor.member_id, manager.id, work.now)
    if why != "kept":
        record = await cases.set_designated(work.conn, record, designated_by, work.now, why)
    else:
        record = replace(record, manager_designated=True)
    await audit_trail.write(work, actor, "take" if opened else "assign", f"case:{record.id}",
                            {"report": record.receipt_no, "manager": manager.id, "designated": why})
    return Taken(record, manager, opened)


async def assignable(work: Work, actor: Actor, report_id: int) -> list[member_store.MemberInfo]:
    """Whom the team leader can choose from: the active team of the report's 읍면동."""
    require_role(actor, Action.ASSIGN_CASE)
    return (await assignable_for(work, actor, [await _report(work, report_id)]))[report_id]


async def assignable_for(work: Work, actor: Actor, reports: list[Any]) -> dict[int, list[member_store.MemberInfo]]:
    """The same for a list of reports (the office's inbox), the team read once per 읍면동, not
    once per report."""
    require_role(actor, Action.ASSIGN_CASE)
    teams: dict[str, list[member_store.MemberInfo]] = {}
    found = {}
    for report in reports:
        check(actor, Action.ASSIGN_CASE, dong_code=report.dong_code, missing=NO_SUCH_REPORT)
        if report.dong_code not in teams:
            teams[report.dong_code] = [m for m in await member_store.staff_of_dong(work.conn, report.dong_code)
                                       if may_manage(role_of(m.role))]
        found[report.id] = teams[report.dong_code]
    return found


async def _case(work: Work, case_id: int, *, lock: bool = False) -> cases.CaseRecord:
    record = await cases.load(work.db, work.conn, case_id, lock=lock)
    if record is None:
        raise not_found(NO_SUCH_CASE)
    return record


async def read_case(work: Work, actor: Actor, case_id: int) -> cases.CaseRecord:
    """The case card's content (step, clocks, consents). Audited."""
    try:
        require_role(actor, Action.READ_CASE)
        record = await _case(work, case_id)
        check(actor, Action.READ_CASE, dong_code=record.dong_code)
    except Refused:
        if actor.role is not None and actor.role.of_organisation:  # a partner reaching past a referral
            raise await audit_trail.denied(work, actor, f"case:{case_id}", not_found(NO_SUCH_CASE)) from None
        raise
    await audit_trail.write(work, actor, "read", f"case:{record.id}")
    return record


async def list_cases(work: Work, actor: Actor, *, dong: str | None = None, step: str | None = None,
                     overdue: bool = False, mine: bool = False, open_only: bool = False,
                     limit: int = 200) -> list[cases.CaseRecord]:
    """Cases in the actor's scope (no personal data): urgent and same-day ones first (the store
    orders them), then the newest."""
    dongs = visible_dongs(actor, Action.LIST_CASES, dong)
    found = await cases.list_cases(work.conn, dong_codes=dongs, step=step,
                                   overdue_at=work.now if overdue else None,
                                   manager_id=actor.member_id if mine else None,
                                   not_in_steps=CLOSED_STEPS if open_only else None, limit=limit)
    return found


async def worklist(work: Work, actor: Actor, *, limit: int = 20) -> list[cases.CaseRecord]:
    """The open cases a person works on: a role that acts only on the cases it manages sees
    those (a caseworker's own), a team leader every open case of the 읍면동."""
    manages_only = actor.role in TABLE[Action.ACT_ON_CASE].manager_only
    return await list_cases(work, actor, mine=manages_only, open_only=True, limit=limit)


def offered_actions(record: cases.CaseRecord, actor: Actor) -> list[CaseAction]:
    """The steps this actor can take now: the lifecycle's guards for their role, and nothing
    for someone the table does not let act on this case. An action that needs a reason is
    offered when some reason would let it through (the reason is asked for next)."""
    try:
        check(actor, Action.ACT_ON_CASE, dong_code=record.dong_code, manager_id=record.manager_member_id)
    except Refused:
        return []
    role = cases.ACTOR_ROLES[actor.role]  # type: ignore[index]
    allowed = set(allowed_actions(record.state, record.facts, actor_role=role))
    if not record.manager_designated:
        allowed -= NEEDS_DESIGNATION
    for action, (fact, choices) in REASONS.items():
        if action not in allowed and any(
                action in allowed_actions(record.state, replace(record.facts, **{fact: choice}), actor_role=role)
                for choice in choices):
            allowed.add(action)
    return [a for a in CaseAction if a in allowed and a not in NOT_ACT_ON_CASE]


def _bounded_date(on_date: date | None, last: date | None, today: date) -> date:
    on = on_date or today
    if on > today + FUTURE_MARGIN:
        raise invalid("case.error.date_in_future")
    if last is not None and on < last:
        raise invalid("case.error.date_before_last_step")
    return on


async def act_on_case(work: Work, actor: Actor, case_id: int, action: str, *, on_date: date | None = None,
                      facts: dict[str, Any] | None = None, expected_version: int | None = None) -> cases.CaseRecord:
    """One step of the process. Facts that are consents are recorded first as facts of their
    own (evented, audited), then the step is applied with its reason."""
    require_role(actor, Action.ACT_ON_CASE)
    record = await _case(work, case_id, lock=True)
    check(actor, Action.ACT_ON_CASE, dong_code=record.dong_code, manager_id=record.manager_member_id)
    if action in NOT_ACT_ON_CASE:
        raise invalid("case.error.use_reopen")
    facts = dict(facts or {})
    unknown = set(facts) - ACTION_FACTS
    if unknown:
        raise invalid("case.error.unknown_fact")
    if expected_version is not None and expected_version != record.version:
        raise conflict("case.error.stale")
    if action in {a.value for a in NEEDS_DESIGNATION} and not record.manager_designated:
        raise conflict("case.error.not_designated")
    on = _bounded_date(on_date, await cases.last_event_date(work.conn, record.id), kst_today(work.now))
    recorded = {k: facts.pop(k) for k in RECORDED_FACTS if k in facts}
    if recorded:
        record = await _set_facts(work, actor, record, recorded)
    _, report_size = await reports.signs_and_size(work.conn, record.report_id)
    if report_size and record.facts.household_size is None and "household_size" not in facts:
        facts["household_size"] = report_size
    try:
        facts_from_json({**to_json(record.facts), **facts})
    except (ValueError, TypeError):
        raise invalid("case.error.unknown_fact") from None
    assert actor.member is not None
    try:
        updated = await cases.apply_action(work.db, work.conn, record, action, actor.member, work.now, on_date=on,
                                           facts=facts)
    except cases.CaseError as error:
        raise conflict(error.key) from None
    await audit_trail.write(work, actor, "update", f"case:{record.id}",
                            {"action": action, "step": updated.state.step.value, "on": on.isoformat()})
    return updated


async def set_case_fact(work: Work, actor: Actor, case_id: int, fact: str, value: bool,
                        expected_version: int | None = None) -> cases.CaseRecord:
    """A consent (or a re-survey done) recorded by the case's manager or the team leader."""
    require_role(actor, Action.SET_CASE_FACT)
    if fact not in RECORDED_FACTS or not isinstance(value, bool):
        raise invalid("case.error.unknown_fact")
    record = await _case(work, case_id, lock=True)
    check(actor, Action.SET_CASE_FACT, dong_code=record.dong_code, manager_id=record.manager_member_id)
    if expected_version is not None and expected_version != record.version:
        raise conflict("case.error.stale")
    return await _set_facts(work, actor, record, {fact: value})


async def _set_facts(work: Work, actor: Actor, record: cases.CaseRecord, facts: dict[str, Any]) -> cases.CaseRecord:
    if any(not isinstance(v, bool) for v in facts.values()):
        raise invalid("case.error.unknown_fact")
    assert actor.member_id is not None
    try:
        updated = await cases.set_facts(work.db, work.conn, record, facts, actor.member_id, work.now)
    except cases.CaseError as error:
        raise conflict(error.key) from None
    await audit_trail.write(work, actor, "set_fact", f"case:{record.id}", {"facts": facts})
    return updated



async def export_cases(work: Work, actor: Actor, *, dong: str | None = None, limit: int = 10_000) -> list[cases.CaseRecord]:
    """Every case in scope for entry into 행복이음; the export is audited with its size."""
    dongs = visible_dongs(actor, Action.EXPORT_CASES, dong)
    found = await cases.list_cases(work.conn, dong_codes=dongs, limit=limit)
    await audit_trail.write(work, actor, "export", "cases.csv", {"rows": len(found), "dongs": dongs[:50]})
    return found
