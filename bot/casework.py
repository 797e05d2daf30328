"""Casework from Telegram: taking a report from the team alert, case cards with the actions the
process allows now, and follow-up calls. Every press is checked here against the presser's
registration (role, 읍면동, still active); group chats only ever get receipt numbers and stages.
"""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from dialogs import callback_data as cb
from dialogs import commands as cmd
from dialogs.followup_flow import domains_for
from dialogs.replies import Button, Msg, Reply
from state import audit, cases, reachability, reports
from state import followups as followup_store
from state import members as member_store
from state.timeutil import to_kst
from welfare.case_clocks import suggested_next_contact
from welfare.case_lifecycle import (
    CaseAction, ClosureReason, EarlyClosureReason, HardCaseReason, NotSelectedReason, ReferralTarget, allowed_actions,
)
from welfare.report_taxonomy import load_report_taxonomy
from welfare.working_days import DEFAULT_CALENDAR

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult

log = logging.getLogger(__name__)
STAFF = ("caseworker", "team_leader")
# Actions that need a reason chosen first, and the fact it fills.
REASONS = {
    "select_not_selected": ("not_selected_reason", NotSelectedReason),
    "register_closure_review": ("closure_reason", ClosureReason),
    "close_internally": ("early_closure_reason", EarlyClosureReason),
    "refer_elsewhere": ("referral_target", ReferralTarget),
    "escalate_hard_case": ("hard_case_reason", HardCaseReason),
}
FACT_TOGGLES = cb.FACTS


async def staff_member(env: EffectEnv) -> member_store.MemberInfo | None:
    if env.user_id is None:
        return None
    info = await member_store.member_by_telegram(env.conn, env.user_id)
    return info if info and info.role in STAFF and info.active else None


async def handle(command: cmd.Command, env: EffectEnv, result: EffectResult) -> None:
    staff = await staff_member(env)
    if staff is None:
        result.replies.append(Reply((Msg("case.error.staff_only"),)))
        return
    try:
        if isinstance(command, cmd.ShowCases):
            await _show_cases(staff, env, result)
        elif isinstance(command, cmd.ShowCase):
            await _show_case(_case_id(command.case_ref), staff, env, result)
        elif isinstance(command, cmd.OpenFollowup):
            await _open_followup(_case_id(command.case_ref), staff, env, result)
        elif isinstance(command, cmd.SubmitFollowup):
            await _submit_followup(command, staff, env, result)
        elif isinstance(command, cmd.CaseButton):
            await _button(command.value, staff, env, result)
    except cases.CaseError as error:
        result.replies.append(Reply((Msg(error.key),)))


def _case_id(ref: str) -> int:
    case_id = cb.parse_id(ref.strip().lstrip("#Cc-"))  # strict: "¹".isdigit() is true, int("¹") fails
    if case_id is None:
        raise cases.CaseError("case.error.no_such_case")
    return case_id


async def _load_own(case_id: int, staff: member_store.MemberInfo, env: EffectEnv, lock: bool = False):
    record = await cases.load(env.db, env.conn, case_id, lock=lock)
    if record is None or record.dong_code != staff.dong_code:  # another 읍면동's case does not exist for them
        raise cases.CaseError("case.error.no_such_case")
    return record


async def _button(value: str, staff, env: EffectEnv, result: EffectResult) -> None:
    button = cb.parse_case_button(value)
    if button is None:
        raise cases.CaseError("case.error.unknown_button")
    kind, subject = button.kind, button.subject
    if kind == "take":
        await _take(subject, staff, staff.id, env, result)
    elif kind == "assign":
        await _assign_menu(subject, staff, env, result)
    elif kind == "assignto":
        assert button.second is not None
        await _take(subject, staff, button.second, env, result)
    elif kind == "open":
        await _show_case(subject, staff, env, result)
    elif kind == "record":
        record = await _load_own(subject, staff, env)
        await _full_record(record.report_id, staff, env, result)
    elif kind == "followup":
        await _open_followup(subject, staff, env, result)
    elif kind == "fact":
        assert button.name is not None
        record = await _load_own(subject, staff, env, lock=True)
        current = getattr(record.facts, button.name)
        await cases.update_facts(env.conn, record, {button.name: not current}, env.now)
        await _show_case(record.id, staff, env, result)
    else:  # act
        assert button.second is not None and button.name is not None
        await _act(subject, button.second, button.name, button.reason, staff, env, result)


async def _take(report_id: int, staff, manager_id: int, env: EffectEnv, result: EffectResult) -> None:
    if manager_id != staff.id:  # a worker named by a button: one of this 읍면동's active staff, or nobody
        named = await member_store.member_by_id(env.conn, manager_id)
        if named is None or named.role not in STAFF or not named.active or named.dong_code != staff.dong_code:
            raise cases.CaseError("case.error.unknown_button")
    record = await cases.take_report(env.db, env.conn, report_id, staff, env.now, manager_id)
    await audit.record(env.conn, actor=f"member:{staff.id}", action="take", subject=f"case:{record.id}",
                       now=env.now, detail={"report": record.receipt_no, "manager": manager_id})
    # In the team chat too this says only the receipt number and that it is taken.
    result.replies.append(Reply((Msg("case.taken", {"receipt": record.receipt_no, "case": record.id}),)))
    manager = await member_store.member_by_id(env.conn, manager_id)
    if manager and manager.telegram_user_id:
        full = await _record_reply(record.report_id, manager_id, env)
        result.alerts.append((manager.telegram_user_id, full))
        result.alerts.append((manager.telegram_user_id, _case_card(record, manager, env)))


async def _assign_menu(report_id: int, staff, env: EffectEnv, result: EffectResult) -> None:
    if staff.role != "team_leader":
        raise cases.CaseError("case.error.team_leader_assigns")
    workers = await member_store.staff_of_dong(env.conn, staff.dong_code)
    buttons = tuple((Button(cb.assign_to(report_id, w.id), Msg("case.assign.worker", {"id": w.id})),)
                    for w in workers if w.role in STAFF)
    result.alerts.append((env.user_id, Reply((Msg("case.assign.ask"),), buttons, expects="choice")))


async def _full_record(report_id: int, staff, env: EffectEnv, result: EffectResult) -> None:
    reply = await _record_reply(report_id, staff.id, env)
    if env.private:
        result.replies.append(reply)
    else:
        result.alerts.append((env.user_id, reply))


async def _record_reply(report_id: int, reader_id: int, env: EffectEnv) -> Reply:
    """The full intake record, for the private chat of the caseworker only; the read is audited."""
    record = await reports.read_full(env.conn, env.cipher, report_id)
    assert record is not None
    await audit.record(env.conn, actor=f"member:{reader_id}", action="read", subject=f"report:{record.receipt_no}",
                       now=env.now)
    taxonomy = load_report_taxonomy()
    urgent_ids = {u.id for u in taxonomy.urgent_signs}
    signs = [Msg(f"urgent.{s}" if s in urgent_ids else f"situation.{s}") for s in record.situations]
    dong = env.directory.dong(record.dong_code)
    lines = [Msg("record.title", {"receipt": record.receipt_no,
                                  "filed": to_kst(record.created_at).strftime("%Y-%m-%d %H:%M")}),
             Msg("record.dong", {"dong": dong.name if dong else record.dong_code}),
             Msg("alert.situations", {"value": signs})]
    if record.urgent:
        lines.append(Msg("record.urgent"))
    if record.household:
        lines.append(Msg("alert.household", {"value": Msg(f"household.{record.household}")}))
    if record.age_band:
        lines.append(Msg("report.summary.person", {"age": Msg(f"age_band.{record.age_band}"),
                                                   "gender": Msg(f"gender.{record.gender or 'unknown'}")}))
    if record.address:
        lines.append(Msg("report.summary.address", {"value": record.address}))
    if record.location:
        lines.append(Msg("record.location", {"lat": record.location[0], "lon": record.location[1]}))
    lines.append(Msg("report.summary.description", {"value": record.description}))
    reporter = (Msg(f"reporter_type.{record.reporter_type}") if record.reporter_type != "resident"
                else Msg("record.resident"))
    lines.append(Msg("record.reporter", {"type": reporter, "kind": Msg(f"report.who.{record.reporter_kind}")}))
    lines.append(Msg("record.phone", {"phone": record.phone}) if record.phone
                 else Msg(f"record.contact.{record.contact_mode}"))
    if record.possible_duplicate_of:
        lines.append(Msg("alert.possible_duplicate"))
    reporter_chat = await reports.reporter_chat(env.conn, env.cipher, report_id)
    if reporter_chat and not await reachability.is_reachable(env.conn, *reporter_chat):
        lines.append(Msg("record.reporter_unreachable"))  # they blocked the bot: call or visit instead
    return Reply(tuple(lines))


def _case_card(record: cases.CaseRecord, staff, env: EffectEnv) -> Reply:
    today = cases.kst_today(env.now)
    lines = [Msg("case.card.title", {"case": record.id, "receipt": record.receipt_no}),
             Msg("case.card.step", {"step": Msg(record.state.step.label_key)})]
    if record.state.hard_case:
        lines.append(Msg("case.card.hard_case"))
    for deadline in record.deadlines():
        if deadline.is_open:
            late = deadline.due < today
            lines.append(Msg("case.card.due_late" if late else "case.card.due",
                             {"clock": Msg(deadline.label_key), "date": deadline.due.isoformat()}))
    lines.append(Msg("case.card.facts", {
        "consent": Msg("case.card.yes" if record.facts.personal_data_consent else "case.card.no"),
        "use": Msg("case.card.yes" if record.facts.service_use_consent else "case.card.no")}))
    role = cases.ACTOR_ROLES[staff.role]
    buttons: list[tuple[Button, ...]] = []
    for action in _offered_actions(record, role):
        value = cb.act(record.id, record.version, action.value)
        buttons.append((Button(value, Msg(action.label_key)),))
    for fact in FACT_TOGGLES[:3]:
        mark = "case.card.fact_on" if getattr(record.facts, fact) else "case.card.fact_off"
        buttons.append((Button(cb.toggle_fact(record.id, fact), Msg(mark, {"fact": Msg(f"case.fact.{fact}")})),))
    buttons.append((Button(cb.followup(record.id), Msg("case.card.followup")),
                    Button(cb.full_record(record.id), Msg("case.card.record"))))
    return Reply(tuple(lines), tuple(buttons), expects="choice")


def _offered_actions(record: cases.CaseRecord, role) -> list[CaseAction]:
    """What the worker can do now. An action that needs a reason is offered when some reason
    would let it through; the reason is asked for next."""
    allowed = set(allowed_actions(record.state, record.facts, actor_role=role))
    for action, (fact, choices) in REASONS.items():
        if CaseAction(action) not in allowed and any(
                CaseAction(action) in allowed_actions(record.state, replace(record.facts, **{fact: choice}),
                                                      actor_role=role) for choice in choices):
            allowed.add(CaseAction(action))
    return [a for a in CaseAction if a in allowed]


async def _show_case(case_id: int, staff, env: EffectEnv, result: EffectResult) -> None:
    record = await _load_own(case_id, staff, env)
    await audit.record(env.conn, actor=f"member:{staff.id}", action="read", subject=f"case:{record.id}", now=env.now)
    card = _case_card(record, staff, env)
    if env.private:
        result.replies.append(card)
    else:  # a case card is never shown in a group chat
        result.alerts.append((env.user_id, card))


async def _show_cases(staff, env: EffectEnv, result: EffectResult) -> None:
    manager = staff.id if staff.role == "caseworker" else None
    mine = await cases.list_cases(env.conn, dong_codes=[staff.dong_code], manager_id=manager, limit=20)
    open_cases = [c for c in mine if c.state.step.value not in ("aftercare_done", "closed_early", "referred_out",
                                                                 "not_selected")]
    if not open_cases:
        result.replies.append(Reply((Msg("case.list.none"),)))
        return
    buttons = tuple((Button(cb.open_case(c.id), Msg("case.list.item", {
        "case": c.id, "receipt": c.receipt_no, "step": Msg(c.state.step.label_key),
        "due": min((d.due.isoformat() for d in c.deadlines() if d.is_open), default="-")})),) for c in open_cases)
    result.replies.append(Reply((Msg("case.list.title", {"count": len(open_cases)}),), buttons, expects="choice"))


async def _act(case_id: int, version: int, action: str, reason: str | None, staff, env: EffectEnv,
               result: EffectResult) -> None:
    record = await _load_own(case_id, staff, env, lock=True)
    facts: dict = {}
    if action in REASONS:
        fact, choices = REASONS[action]
        if reason is None:  # ask which reason first; the version still guards the press
            buttons = tuple((Button(cb.act(case_id, version, action, c.value), Msg(c.label_key)),)
                            for c in choices)
            result.replies.append(Reply((Msg("case.reason.ask", {"action": Msg(f"case.action.{action}")}),),
                                        buttons, expects="choice"))
            return
        if reason not in {c.value for c in choices}:
            raise cases.CaseError("case.error.unknown_button")
        facts[fact] = reason
    _, report_size = await reports.signs_and_size(env.conn, record.report_id)
    if report_size and record.facts.household_size is None:
        facts["household_size"] = report_size
    updated = await cases.apply_action(env.db, env.conn, record, action, staff, env.now, facts=facts,
                                       expected_version=version)
    await audit.record(env.conn, actor=f"member:{staff.id}", action="update", subject=f"case:{record.id}",
                       now=env.now, detail={"action": action, "step": updated.state.step.value})
    result.replies.append(Reply((Msg("case.done", {"action": Msg(f"case.action.{action}")}),)))
    result.replies.append(_case_card(updated, staff, env))


async def _open_followup(case_id: int, staff, env: EffectEnv, result: EffectResult) -> None:
    record = await _load_own(case_id, staff, env)
    situations, _ = await reports.signs_and_size(env.conn, record.report_id)
    taxonomy = load_report_taxonomy()
    terms = [t for s in situations if taxonomy.has("situations", s) for t in taxonomy.situation(s).need_domains_ko]
    last = await followup_store.last_contact(env.conn, record.id)
    today = cases.kst_today(env.now)
    try:
        suggested = suggested_next_contact(record.state.milestones, last or today, high_risk=record.urgent)
    except ValueError:  # before selection the case has no type yet: a week, on a working day
        suggested = DEFAULT_CALENDAR.next_working_day(today + timedelta(days=7))
    if not env.private:
        raise cases.CaseError("case.error.private_only")
    result.start_flow = ("followup", {"@case_id": record.id, "@receipt": record.receipt_no,
                                      "@domains": domains_for(terms), "@suggested_next": suggested.isoformat()})


def _msg(stored: dict) -> Msg:
    """A stored reason ({"key", "params"}, params possibly nested) back into a Msg."""
    params = {k: _msg(v) if isinstance(v, dict) and "key" in v else v for k, v in stored["params"].items()}
    return Msg(stored["key"], params)


async def _submit_followup(command: cmd.SubmitFollowup, staff, env: EffectEnv, result: EffectResult) -> None:
    record = await _load_own(command.case_id, staff, env, lock=True)
    stored = await followup_store.submit(env.db, env.conn, env.cipher, record, dict(command.submission), staff,
                                         env.now)
    await audit.record(env.conn, actor=f"member:{staff.id}", action="create", subject=f"followup:{stored.id}",
                       now=env.now, detail={"case": record.id})
    outcome = stored.outcome
    lines = [Msg("followup.saved", {"id": stored.id, "next": outcome["next_contact_on"] or "-"})]
    lines += [Msg(key) for key in outcome["guidance"]]
    result.replies.append(Reply(tuple(lines)))
    if outcome["escalate"]:
        leaders = await member_store.team_leaders(env.conn, record.dong_code)
        alert = Reply((Msg("followup.escalated", {"case": record.id, "receipt": record.receipt_no}),
                       *(_msg(r) for r in outcome["reasons"])),
                      ((Button(cb.open_case(record.id), Msg("case.card.open")),),), expects="choice")
        result.alerts.extend((leader.telegram_user_id, alert) for leader in leaders if leader.telegram_user_id)

