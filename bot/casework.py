"""Casework from Telegram: taking a report from the team alert, case cards with the actions the
core allows now, consents, and follow-up calls. This module only parses presses and renders
answers: who may do what is decided by the application core (core/), which also writes the
case events and audit entries. Group chats only ever get receipt numbers and short notices;
case cards and full records go to the presser's private chat.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot import conferences, handoffs, process, referrals, resources, support
from core import cases as core_cases
from core import co_managers as core_co_managers
from core import referrals as core_referrals
from core import followups as core_followups
from core import reports as core_reports
from core.actor import Actor, Channel, member_actor
from core.permissions import Action, may
from core.refusals import NO_SUCH_CASE, Refused, RefusalKind
from core.work import Work
from dialogs import callback_data as cb
from dialogs import commands as cmd
from dialogs.followup_flow import domains_for
from dialogs.replies import Button, Msg, Reply
from state import cases, reachability, reports
from state import referrals as referral_store
from state import members as member_store
from state.timeutil import to_kst
from welfare.korea_time import kst_today
from welfare.case_lifecycle import CaseAction
from welfare.report_taxonomy import load_report_taxonomy

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult

log = logging.getLogger(__name__)
# Reports made in these languages are marked on the record: call through 다누리콜센터 (interpretation).
INTERPRETED = frozenset({"vi", "zh_Hans"})
MAX_ID = 2**31 - 1  # ids are 32-bit in the store: anything longer is not an id


async def actor_of(env: EffectEnv) -> Actor:
    """The presser as the core sees them, read on every press (a deactivated member is nobody)."""
    info = await member_store.member_by_telegram(env.conn, env.user_id) if env.user_id is not None else None
    return member_actor(info, env.directory, Channel.TELEGRAM, chat_id=env.chat_id, private=env.private)


def _work(env: EffectEnv) -> Work:
    return Work(env.db, env.conn, env.cipher, env.directory, env.now)


async def handle(command: cmd.Command, env: EffectEnv, result: EffectResult) -> None:
    actor = await actor_of(env)  # who may do what is the core's question (core/permissions.py)
    work = _work(env)
    try:
        if isinstance(command, cmd.ShowCases):
            await _show_cases(work, actor, result)
        elif isinstance(command, cmd.ShowCase):
            await _show_case(work, actor, parse_id(command.case_ref.strip().lstrip("#Cc-")), env, result)
        elif isinstance(command, cmd.OpenFollowup):
            await _open_followup(work, actor, parse_id(command.case_ref.strip().lstrip("#Cc-")), env, result)
        elif isinstance(command, cmd.SubmitFollowup):
            await _submit_followup(work, actor, command, result)
        elif isinstance(command, cmd.CaseButton) and cb.is_resource_button(command.value):
            await resources.button(work, actor, command.value, env, result)
        elif isinstance(command, cmd.ShowResources):
            await resources.show(work, actor, command.query, env, result)
        elif isinstance(command, cmd.CaseButton) and cb.is_referral_button(command.value):
            await referrals.button(work, actor, command.value, env, result)
        elif isinstance(command, cmd.CaseButton):
            await _button(work, actor, command.value, env, result)
        elif isinstance(command, cmd.SubmitReferral):
            await referrals.submit(work, actor, command, result)
        elif isinstance(command, cmd.ShowReferrals):
            await referrals.show_referrals(work, actor, result)
        elif isinstance(command, cmd.SubmitSupport):
            await support.submit(work, actor, command, env, result)
        elif isinstance(command, cmd.SubmitConference):
            await conferences.submit(work, actor, command, result)
            record = await core_cases.read_case(work, actor, command.case_id)
            _to_private(env, result, await _case_card(record, actor, work))
    except Refused as refused:
        result.replies.append(Reply((Msg(refused.key),)))


def parse_id(text: str) -> int:
    """A typed case number: ASCII digits only ("²".isdigit() is True), within the store's range."""
    return _bounded(cb.parse_id(text))


def _bounded(value: int | None) -> int:
    if value is None or not 1 <= value <= MAX_ID:
        raise Refused(RefusalKind.NOT_FOUND, NO_SUCH_CASE)
    return value


UNKNOWN_BUTTON = Refused(RefusalKind.INVALID, "case.error.unknown_button")


async def _button(work: Work, actor: Actor, value: str, env: EffectEnv, result: EffectResult) -> None:
    button = cb.parse_case_button(value)  # the one codec (dialogs/callback_data.py): strict, ≤ 64 bytes
    if button is None:
        raise UNKNOWN_BUTTON
    kind, subject = button.kind, _bounded(button.subject)
    if kind == "take":
        await _deliver_taken(work, await core_cases.take_report(work, actor, subject), result)
    elif kind == "assign":
        await _assign_menu(work, actor, subject, env, result)
    elif kind == "assignto":
        taken = await core_cases.assign_case(work, actor, subject, _bounded(button.second))
        await _deliver_taken(work, taken, result)
    elif kind == "open":
        await _show_case(work, actor, subject, env, result)
    elif kind == "record":
        record = await core_cases.read_case(work, actor, subject)
        _to_private(env, result, await _record_reply(work, actor, record.report_id))
    elif kind == "followup":
        await _open_followup(work, actor, subject, env, result)
    elif kind == "refer":
        await referrals.open_dialog(work, actor, subject, env, result)
    elif kind == "support":
        await support.open_dialog(work, actor, subject, env, result)  # 🎁 지원 기록 (bot/support.py)
    elif kind == "serving":
        await support.who_serves(work, actor, subject, env, result)
    elif kind == "lead":
        await handoffs.lead_menu(work, actor, subject, env, result)
    elif kind == "leadto" and button.name is not None:
        await handoffs.lead_to(work, actor, subject, button.name, result)
    elif kind == "move":
        await handoffs.move_menu(work, actor, subject, env, result)
    elif kind == "moveto" and button.name is not None:
        await handoffs.move_to(work, actor, subject, button.name, result)
    elif kind == "conference":
        await conferences.open_dialog(work, actor, subject, env, result)
    elif kind == "minutes":
        _to_private(env, result, await conferences.show_minutes(work, actor, subject))
    elif kind == "fact" and button.name in core_cases.RECORDED_FACTS:
        current = await cases.load(work.db, work.conn, subject)
        value = not getattr(current.facts, button.name) if current else True
        updated = await core_cases.set_case_fact(work, actor, subject, button.name, value)
        _to_private(env, result, await _case_card(updated, actor, work))
    elif kind == "act" and button.name is not None:
        await _act(work, actor, subject, _bounded(button.second), button.name, button.reason, env, result)
    else:
        raise UNKNOWN_BUTTON


def _to_private(env: EffectEnv, result: EffectResult, reply: Reply) -> None:
    """Case cards and records are never shown in a group chat: they go to the presser alone."""
    if env.private:
        result.replies.append(reply)
    elif env.user_id is not None:
        result.alerts.append((env.user_id, reply))


async def _deliver_taken(work: Work, taken: core_cases.Taken, result: EffectResult) -> None:
    record = taken.case
    # In the team chat too this says only the receipt number and that it is taken.
    result.replies.append(Reply((Msg("case.taken", {"receipt": record.receipt_no, "case": record.id}),)))
    if taken.manager.telegram_user_id:
        manager = member_actor(taken.manager, work.directory, Channel.TELEGRAM,
                               chat_id=str(taken.manager.telegram_user_id))
        result.alerts.append((taken.manager.telegram_user_id, await _record_reply(work, manager, record.report_id)))
        result.alerts.append((taken.manager.telegram_user_id, await _case_card(record, manager, work)))
    if not record.manager_designated:  # the team leader designates before the survey (L8576–8578)
        ask = Reply((Msg("handoff.designate.ask", {"case": record.id, "receipt": record.receipt_no}),),
                    ((Button(cb.assign_to(record.report_id, taken.manager.id), Msg("handoff.card.designate")),
                      Button(cb.assign(record.report_id), Msg("handoff.card.assign_other"))),), expects="choice")
        result.alerts.extend((m.telegram_user_id, ask) for m in await member_store.team_leaders(work.conn, record.dong_code)
                             if m.telegram_user_id)


async def _assign_menu(work: Work, actor: Actor, report_id: int, env: EffectEnv, result: EffectResult) -> None:
    workers = await core_cases.assignable(work, actor, report_id)
    buttons = tuple((Button(cb.assign_to(report_id, w.id), Msg("case.assign.worker", {"id": w.id})),)
                    for w in workers)
    if env.user_id is not None:
        result.alerts.append((env.user_id, Reply((Msg("case.assign.ask"),), buttons, expects="choice")))


async def _record_reply(work: Work, reader: Actor, report_id: int) -> Reply:
    """The full intake record, for the private chat of the caseworker only; the read is audited."""
    record = await core_reports.read_report(work, reader, report_id)
    taxonomy = load_report_taxonomy()
    signs = [Msg(taxonomy.sign_label_key(s)) for s in record.situations]
    dong = work.directory.dong(record.dong_code)
    lines = [Msg("record.title", {"receipt": record.receipt_no,
                                  "filed": to_kst(record.created_at).strftime("%Y-%m-%d %H:%M")}),
             Msg("record.dong", {"dong": dong.name if dong else record.dong_code}),
             Msg("alert.situations", {"value": signs})]
    if record.urgent:
        lines.append(Msg("record.urgent"))
    if record.same_day_visit:
        lines.append(Msg("alert.same_day_visit"))
    if record.listen_same_day:
        lines.append(Msg("reach.alert.listen_same_day"))
    if record.reporter_locale in INTERPRETED:
        lines.append(Msg("record.language", {"language": Msg(f"language.name.{record.reporter_locale}")}))
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
    if record.voice:
        lines.append(Msg("reach.record.voice", {"seconds": record.voice.duration or "-"}))
    reporter = (Msg(f"reporter_type.{record.reporter_type}") if record.reporter_type != "resident"
                else Msg("record.resident"))
    lines.append(Msg("record.reporter", {"type": reporter, "kind": Msg(f"report.who.{record.reporter_kind}")}))
    lines.append(Msg("record.phone", {"phone": record.phone}) if record.phone
                 else Msg(f"record.contact.{record.contact_mode}"))
    if record.possible_duplicate_of:
        lines.append(Msg("alert.possible_duplicate"))
    reporter_chat = await reports.reporter_chat(work.conn, work.cipher, report_id)
    if reporter_chat and not await reachability.is_reachable(work.conn, *reporter_chat):
        lines.append(Msg("record.reporter_unreachable"))  # they blocked the bot: call or visit instead
    # The recording follows the record as its own message (sendVoice/sendVideoNote by file id),
    # only ever to a private chat (bot/turns.py media_messages).
    # (A playground attachment has no Telegram file id: it is kept with the record only.)
    media = ((_SEND_SPOKEN[record.voice.kind], record.voice.ref),) if record.voice and not \
        record.voice.ref.startswith("playground:") else ()
    return Reply(tuple(lines), extra={"media": media} if media else {})


_SEND_SPOKEN = {"voice": "sendVoice", "video_note": "sendVideoNote"}


async def _case_card(record: cases.CaseRecord, actor: Actor, work: Work) -> Reply:
    today = kst_today(work.now)
    lines = [Msg("case.card.title", {"case": record.id, "receipt": record.receipt_no}),
             Msg("case.card.step", {"step": Msg(record.state.step.label_key)})]
    lines += await _who_manages(record, work)
    if record.state.hard_case:
        lines.append(Msg("case.card.hard_case"))
    for deadline in record.deadlines():
        if deadline.is_open:
            late = deadline.due < today
            lines.append(Msg("case.card.due_late" if late else "case.card.due",
                             {"clock": Msg(deadline.label_key), "date": deadline.due.isoformat()}))
    lines += process.card_lines(record)  # 불이행, 종결 검토, 사후관리 plan
    lines.append(Msg("case.card.facts", {
        "consent": Msg("case.card.yes" if record.facts.personal_data_consent else "case.card.no"),
        "use": Msg("case.card.yes" if record.facts.service_use_consent else "case.card.no")}))
    offered = core_cases.offered_actions(record, actor)
    buttons: list[tuple[Button, ...]] = [
        (Button(cb.act(record.id, record.version, action.value), Msg(action.label_key)),)
        for action in offered]
    if offered:  # the same people may record consents and calls as may act on the case
        for fact in core_cases.RECORDED_FACTS[:3]:
            mark = "case.card.fact_on" if getattr(record.facts, fact) else "case.card.fact_off"
            buttons.append((Button(cb.toggle_fact(record.id, fact), Msg(mark, {"fact": Msg(f"case.fact.{fact}")})),))
        buttons.append((Button(cb.followup(record.id), Msg("case.card.followup")),
                        Button(cb.full_record(record.id), Msg("case.card.record"))))
        buttons.append((Button(cb.refer(record.id), Msg("case.card.refer")),))  # 🤝 의뢰하기 (bot/referrals.py)
        buttons.append((Button(cb.conference(record.id), Msg("conference.card.record")),  # bot/conferences.py
                        Button(cb.minutes(record.id), Msg("conference.card.minutes"))))
    else:
        buttons.append((Button(cb.full_record(record.id), Msg("case.card.record")),
                        Button(cb.minutes(record.id), Msg("conference.card.minutes"))))
    if may(actor, Action.RECORD_SUPPORT):  # the 읍면동 team records support and asks who serves
        buttons.append((Button(cb.support(record.id), Msg("support.card.record")),
                        Button(cb.serving(record.id), Msg("support.card.serving"))))
    buttons += _handoff_buttons(record, actor)
    buttons += process.card_buttons(record, actor)  # 🔁 재개입 for the team of the current 읍면동
    return Reply(tuple(lines), tuple(buttons), expects="choice")


async def _who_manages(record: cases.CaseRecord, work: Work) -> list[Msg]:
    """The lead (주사례관리기관), whether the 주사례관리자 is designated yet, and the co-managing
    organisations with their stated roles (the card reaches the reader's private chat only)."""
    lines: list[Msg] = []
    if record.manager_member_id is not None and not record.manager_designated:
        lines.append(Msg("handoff.card.proposed"))
    lead = await referral_store.lead_of(work.conn, record.id)
    if lead is not None:
        org = await core_referrals.org_of(work, lead)
        lines.append(Msg("handoff.card.lead", {"org": org.name if org else lead}))
    for co in await core_co_managers.listed(work, record.id):
        key = "handoff.card.co_manager" if co.consented else "handoff.card.co_manager_lapsed"
        lines.append(Msg(key, {"org": co.org_name, "role": Msg(co.role_kind.label_key), "text": co.role_text or "-"}))
    return lines


def _handoff_buttons(record: cases.CaseRecord, actor: Actor) -> list[tuple[Button, ...]]:
    """The team leader designates the proposed manager before the survey (L8576–8578) or picks
    another; the team leader (and the coordinator) moves a case to another 읍면동."""
    buttons: list[tuple[Button, ...]] = []
    if not actor.may_see(record.dong_code):
        return buttons
    if may(actor, Action.ASSIGN_CASE) and record.manager_member_id is not None and not record.manager_designated:
        buttons.append((Button(cb.assign_to(record.report_id, record.manager_member_id), Msg("handoff.card.designate")),
                        Button(cb.assign(record.report_id), Msg("handoff.card.assign_other"))))
    if may(actor, Action.TRANSFER_CASE):
        buttons.append((Button(cb.move_menu(record.id), Msg("handoff.move.button")),))
    return buttons


async def _show_case(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    record = await core_cases.read_case(work, actor, case_id)
    _to_private(env, result, await _case_card(record, actor, work))


async def _show_cases(work: Work, actor: Actor, result: EffectResult) -> None:
    mine = await core_cases.worklist(work, actor, limit=20)
    if not mine:
        result.replies.append(Reply((Msg("case.list.none"),)))
        return
    buttons = tuple((Button(cb.open_case(c.id), Msg(_list_item_key(c), {
        "case": c.id, "receipt": c.receipt_no, "step": Msg(c.state.step.label_key),
        "due": min((d.due.isoformat() for d in c.deadlines() if d.is_open), default="-")})),) for c in mine)
    result.replies.append(Reply((Msg("case.list.title", {"count": len(mine)}),), buttons, expects="choice"))


def _list_item_key(record: cases.CaseRecord) -> str:
    """Urgent cases, same-day visits and recordings to listen to today are marked (and listed
    first, state/cases.py)."""
    marked = record.urgent or record.same_day_visit or record.listen_same_day
    return "case.list.item_urgent" if marked else "case.list.item"


async def _act(work: Work, actor: Actor, case_id: int, version: int, action: str, reason: str | None,
               env: EffectEnv, result: EffectResult) -> None:
    try:
        case_action = CaseAction(action)
    except ValueError:
        raise UNKNOWN_BUTTON from None
    if case_action is CaseAction.REOPEN:
        answer = await process.reopen(work, actor, case_id, version, reason)
        if isinstance(answer, Reply):
            _to_private(env, result, answer)
            return
        result.replies.extend(answer)
        _to_private(env, result, await _case_card(await core_cases.read_case(work, actor, case_id), actor, work))
        return
    facts: dict = {}
    if case_action in core_cases.REASONS:
        fact, choices = core_cases.REASONS[case_action]
        if reason is None:  # ask which reason first; the version still guards the press
            record = await core_cases.read_case(work, actor, case_id)
            if case_action not in core_cases.offered_actions(record, actor):
                raise Refused(RefusalKind.CONFLICT, "case.error.stale")
            buttons = tuple((Button(cb.act(case_id, version, action, c.value), Msg(c.label_key)),)
                            for c in choices)
            _to_private(env, result, Reply((Msg("case.reason.ask", {"action": Msg(f"case.action.{action}")}),),
                                           buttons, expects="choice"))
            return
        if reason not in {c.value for c in choices}:
            raise UNKNOWN_BUTTON
        facts[fact] = reason
    updated = await core_cases.act_on_case(work, actor, case_id, action, facts=facts, expected_version=version)
    result.replies.append(Reply((Msg("case.done", {"action": Msg(f"case.action.{action}")}),)))
    _to_private(env, result, await _case_card(updated, actor, work))
    result.alerts.extend(await process.plan_notices(work, updated, case_action))  # 승인요청 / 반려


async def _open_followup(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    start = await core_followups.start(work, actor, case_id)
    if not env.private:
        raise Refused(RefusalKind.INVALID, "case.error.private_only")
    record = start.case
    result.start_flow = ("followup", {"@case_id": record.id, "@receipt": record.receipt_no,
                                      "@domains": domains_for(start.need_terms),
                                      "@suggested_next": start.suggested_next.isoformat(),
                                      "@services": [{"id": s.id, "org": s.org, "need": s.need}
                                                    for s in start.planned_services]})


def _msg(stored: dict) -> Msg:
    """A stored reason ({"key", "params"}, params possibly nested) back into a Msg."""
    params = {k: _msg(v) if isinstance(v, dict) and "key" in v else v for k, v in stored["params"].items()}
    return Msg(stored["key"], params)


async def _submit_followup(work: Work, actor: Actor, command: cmd.SubmitFollowup, result: EffectResult) -> None:
    stored = await core_followups.record(work, actor, command.case_id, dict(command.submission))
    outcome = stored.outcome
    lines = [Msg("followup.saved", {"id": stored.id, "next": outcome["next_contact_on"] or "-"})]
    lines += [Msg(key) for key in outcome["guidance"]]
    record = await cases.load(work.db, work.conn, command.case_id)
    assert record is not None
    lines += process.outcome_lines(outcome)
    offer = process.offer_buttons(record, core_cases.offered_actions(record, actor), outcome)  # 재계획, 종결 평가
    result.replies.append(Reply(tuple(lines), offer, expects="choice") if offer else Reply(tuple(lines)))
    result.alerts.extend(await process.closure_alerts(work, record, outcome))
    if outcome["escalate"]:
        leaders = await member_store.team_leaders(work.conn, record.dong_code)
        alert = Reply((Msg("followup.escalated", {"case": record.id, "receipt": record.receipt_no}),
                       *(_msg(r) for r in outcome["reasons"])),
                      ((Button(cb.open_case(record.id), Msg("case.card.open")),),), expects="choice")
        result.alerts.extend((leader.telegram_user_id, alert) for leader in leaders if leader.telegram_user_id)
