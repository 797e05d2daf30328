"""The case process on Telegram beyond the plain steps (issue 14): what follow-up calls found
shown on the case card (a 불이행 to re-plan, a 종결 검토), the 사후관리 plan, and 재개입. Parsing
and rendering only: the core decides (core/reopening.py, core/followups.py)."""
from __future__ import annotations

from typing import Any

from core import reopening as core_reopening
from core.actor import Actor
from core.refusals import Refused, RefusalKind
from core.work import Work
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from state import cases
from state import members as member_store
from welfare.case_lifecycle import CaseAction
from welfare.followup_checklist import DOMAIN_IDS


def _reasons(triggers: Any) -> list[Msg]:
    return [Msg(f"service_check.closure.{t}") for t in triggers]


def card_lines(record: cases.CaseRecord) -> list[Msg]:
    lines = []
    if record.facts.replan_suggested:
        lines.append(Msg("process.card.replan"))
    if record.facts.closure_review_triggers:
        lines.append(Msg("process.card.closure_review", {"reasons": _reasons(record.facts.closure_review_triggers)}))
    plan = record.monitoring()
    if plan is not None:
        lines.append(Msg("process.card.monitoring", {"frequency": Msg(plan.frequency.label_key),
                                                     "date": plan.next_contact_on.isoformat()}))
    return lines


def card_buttons(record: cases.CaseRecord, actor: Actor) -> list[tuple[Button, ...]]:
    if not core_reopening.may_reopen(record, actor):
        return []
    return [(Button(cb.act(record.id, record.version, CaseAction.REOPEN.value), Msg("process.card.reopen")),)]


def ask_problem(case_id: int, version: int) -> Reply:
    buttons = tuple((Button(cb.act(case_id, version, CaseAction.REOPEN.value, d), Msg(f"checklist.domain.{d}")),)
                    for d in DOMAIN_IDS)
    return Reply((Msg("process.reopen.ask"),), buttons, expects="choice")


async def reopen(work: Work, actor: Actor, case_id: int, version: int, problem: str | None) -> list[Reply] | Reply:
    """The reason question first (which need domain), then the core's 재개입."""
    if problem is None:
        record = await cases.load(work.db, work.conn, case_id)
        if record is None or not core_reopening.may_reopen(record, actor):
            raise Refused(RefusalKind.CONFLICT, "case.error.stale")
        return ask_problem(case_id, version)
    updated = await core_reopening.reopen_case(work, actor, case_id, problem, expected_version=version)
    return [Reply((Msg("process.reopen.done", {"case": updated.id, "cycle": updated.state.cycle}),))]


def outcome_lines(outcome: dict[str, Any]) -> list[Msg]:
    """What the worker reads after saving a call that found a 불이행 or a 종결 검토 trigger."""
    lines = []  # (the re-plan itself is in the call's guidance: checklist.guidance.consider_replanning)
    if outcome.get("closure_review"):
        lines.append(Msg("process.followup.closure_review", {"reasons": _reasons(outcome["closure_review"])}))
    return lines


def offer_buttons(record: cases.CaseRecord, offered: list[CaseAction], outcome: dict[str, Any]) -> tuple:
    """The step the call points to, as a button when the worker may take it now."""
    wanted = []
    if outcome.get("replan"):
        wanted += [CaseAction.REVISE_SERVICE_PLAN, CaseAction.RESURVEY_NEEDS]
    if outcome.get("closure_review"):
        wanted += [CaseAction.BEGIN_CLOSURE, CaseAction.END_LINKAGE]
    return tuple((Button(cb.act(record.id, record.version, a.value), Msg(a.label_key)),)
                 for a in wanted if a in offered)


async def closure_alerts(work: Work, record: cases.CaseRecord, outcome: dict[str, Any]) -> list[tuple[int, Reply]]:
    """종결 검토 goes to the team leader too (PII-free: case number, receipt and the triggers)."""
    if not outcome.get("closure_review"):
        return []
    alert = Reply((Msg("process.followup.closure_alert", {"case": record.id, "receipt": record.receipt_no,
                                                          "reasons": _reasons(outcome["closure_review"])}),),
                  ((Button(cb.open_case(record.id), Msg("case.card.open")),),), expects="choice")
    leaders = await member_store.team_leaders(work.conn, record.dong_code)
    return [(leader.telegram_user_id, alert) for leader in leaders if leader.telegram_user_id]


async def plan_notices(work: Work, record: cases.CaseRecord, action: CaseAction) -> list[tuple[int, Reply]]:
    """승인요청 tells the team leaders a plan waits for them; 반려 tells the manager why (L9687–9691).
    Private chats only, and only the case number, receipt and the chosen reason."""
    params = {"case": record.id, "receipt": record.receipt_no}
    button = ((Button(cb.open_case(record.id), Msg("case.card.open")),),)
    if action is CaseAction.SUBMIT_SERVICE_PLAN:
        leaders = await member_store.team_leaders(work.conn, record.dong_code)
        notice = Reply((Msg("process.plan.submitted", params),), button, expects="choice")
        return [(m.telegram_user_id, notice) for m in leaders if m.telegram_user_id]
    if action is CaseAction.RETURN_SERVICE_PLAN and record.manager_member_id is not None:
        manager = await member_store.member_by_id(work.conn, record.manager_member_id)
        reason = record.state.plan_return_reason
        notice = Reply((Msg("process.plan.returned", {**params, "reason": Msg(reason.label_key) if reason else "-"}),),
                       button, expects="choice")
        return [(manager.telegram_user_id, notice)] if manager and manager.telegram_user_id else []
    return []
