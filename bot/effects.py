"""Carrying out what a turn's commands ask, inside the turn's transaction.

Each handler gets the open connection and returns more replies for the person and, for other
chats (a 읍면동 team, the duty team), alerts that carry no personal data: a receipt number,
urgency, the signs ticked, household type and age band — never a name, phone, address or text.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs import callback_data as cb
from dialogs import commands as cmd
from dialogs.flow import Member
from dialogs.danger_notice import sos_calls
from dialogs.replies import Button, Msg, PhoneCall, Reply, say
from dialogs.home import menu_buttons
from salpim.settings import Settings
from bot import casework, office_link, resources
from core import drop_offs
from core import members as core_members
from core import reports as core_reports
from core.actor import Actor, Channel, member_actor
from core.work import Work
from state import reports, timers
from state.crypto import FieldCipher
from state.db import Database
from state.timeutil import to_kst
from welfare.crisis_report import CrisisReport
from welfare.directory import Directory
from welfare.report_taxonomy import load_report_taxonomy


@dataclass
class EffectEnv:
    db: Database
    conn: AsyncConnection
    cipher: FieldCipher
    settings: Settings
    directory: Directory
    channel: str
    chat_id: str
    user_id: int | None
    member: Member | None
    now: datetime
    private: bool = True  # False: pressed in a group chat, which must never get personal data
    locale: str = "ko"  # the person's language this turn: stored on a report they file


@dataclass
class EffectResult:
    replies: list[Reply] = field(default_factory=list)
    alerts: list[tuple[int, Reply]] = field(default_factory=list)  # (Telegram chat id, PII-free reply)
    member_changed: Member | None = None
    start_flow: tuple[str, dict] | None = None  # open this flow with these answers (a follow-up call)


async def run_commands(commands: list[cmd.Command], env: EffectEnv) -> EffectResult:
    result = EffectResult()
    for command in commands:
        if isinstance(command, cmd.FileReport):
            await _file_report(command, env, result)
        elif isinstance(command, cmd.ShowStatus):
            await _show_status(command, env, result)
        elif isinstance(command, cmd.ListMyReports):
            await _list_my_reports(env, result)
        elif isinstance(command, cmd.RegisterInvite):
            await _register_invite(command, env, result)
        elif isinstance(command, cmd.WithdrawConsent):
            await _withdraw_consent(command, env, result)
        elif isinstance(command, (cmd.ShowCases, cmd.ShowCase, cmd.OpenFollowup, cmd.CaseButton, cmd.SubmitFollowup,
                                  cmd.SubmitReferral, cmd.ShowReferrals, cmd.ShowResources,
                                  cmd.SubmitSupport, cmd.SubmitConference)):
            await casework.handle(command, env, result)
        elif isinstance(command, cmd.ShowLocalResources):
            await resources.show_local(_work(env), await _actor(env), command, env, result)
        elif isinstance(command, cmd.OfficeLink):
            await office_link.handle(_work(env), await _actor(env), env, result)
        elif isinstance(command, cmd.CountDropOff):
            await drop_offs.count(_work(env), command.flow, command.question, command.how)
    return result


def _work(env: EffectEnv) -> Work:
    return Work(env.db, env.conn, env.cipher, env.directory, env.now)


async def _actor(env: EffectEnv) -> Actor:
    return await casework.actor_of(env) if env.user_id is not None else \
        member_actor(None, env.directory, Channel(env.channel), chat_id=env.chat_id, private=env.private)


async def _file_report(command: cmd.FileReport, env: EffectEnv, result: EffectResult) -> None:
    report = replace(command.report, reporter_locale=env.locale)  # the language they wrote in, for staff
    filed = await core_reports.file_report(_work(env), await _actor(env), report,
                                           per_hour=env.settings.reports_per_hour)
    if isinstance(filed, core_reports.TooMany):
        # Polite, and never for an urgent report: life comes before abuse limits.
        result.replies.append(Reply((Msg("report.too_many", {"limit": filed.limit}),
                                     Msg("emergency.short")), menu_buttons(), expects="choice"))
        return
    alert = team_alert(filed, command.report, env.directory)
    dong = env.directory.dong(filed.dong_code)
    team_chat = dong.team_chat_id if dong and dong.team_chat_id else None
    duty_chat = env.settings.duty_chat_id if command.urgent else None  # urgent: the duty team too, at once
    targets = {chat for chat in (team_chat, duty_chat) if chat}
    result.alerts.extend((chat, alert) for chat in sorted(targets))
    lines = [Msg("report.filed", {"receipt": filed.receipt_no}), *_who_was_alerted(command.urgent, team_chat, duty_chat)]
    calls: tuple[PhoneCall, ...] = ()
    if command.urgent and not targets:
        # Nobody could be told automatically: say so, and put the numbers in their hand.
        calls = sos_calls() + _dong_call(dong)
        if dong and dong.phone:
            lines.append(Msg("report.filed_call_dong", {"dong": dong.name, "phone": dong.phone}))
    elif command.urgent:
        lines.append(Msg("emergency.short"))
    lines.append(Msg("report.next_steps"))
    result.replies.append(Reply(tuple(lines), menu_buttons(), expects="choice", calls=calls))
    if command.urgent:  # nobody takes it in time: the team leader hears again
        await timers.schedule(env.db, env.conn, kind=timers.TimerKind.URGENT_UNTAKEN, subject=f"report:{filed.id}", version=0,
                              due_at=env.now + timedelta(minutes=env.settings.urgent_escalation_minutes),
                              payload={"receipt": filed.receipt_no, "dong": filed.dong_code})


def _who_was_alerted(urgent: bool, team_chat: int | None, duty_chat: int | None) -> list[Msg]:
    """What actually happened, never more: a reporter must not be told someone was alerted
    when no chat was there to alert."""
    if not urgent:
        return []
    if team_chat and duty_chat:
        return [Msg("report.filed_urgent.team_and_duty")]
    if duty_chat:
        return [Msg("report.filed_urgent.duty")]
    if team_chat:
        return [Msg("report.filed_urgent.team")]
    return [Msg("report.filed_urgent.nobody")]


def _dong_call(dong) -> tuple[PhoneCall, ...]:
    return (PhoneCall(dong.phone, Msg("call.dong_office", {"dong": dong.name})),) if dong and dong.phone else ()


def team_alert(filed: reports.FiledReport, report: CrisisReport, directory: Directory) -> Reply:
    """The PII-free alert a 읍면동 team chat receives: only the report's fields that identify nobody."""
    dong = directory.dong(filed.dong_code)
    lines = [Msg("alert.new_urgent" if filed.urgent else "alert.new", {"receipt": filed.receipt_no}),
             Msg("alert.dong", {"dong": dong.name if dong else filed.dong_code}),
             Msg("alert.situations", {"value": [_sign_label(s) for s in report.situations]})]
    if report.household:
        lines.append(Msg("alert.household", {"value": Msg(f"household.{report.household}")}))
    if report.age_band:
        lines.append(Msg("alert.age_band", {"value": Msg(f"age_band.{report.age_band}")}))
    if filed.same_day_visit:
        lines.append(Msg("alert.same_day_visit"))
    if filed.listen_same_day:  # a recording only: no words were screened, so listen today
        lines.append(Msg("reach.alert.listen_same_day"))
    elif report.voice:
        lines.append(Msg("reach.alert.voice"))
    if filed.possible_duplicate_of:
        lines.append(Msg("alert.possible_duplicate"))
    buttons = ((Button(cb.take(filed.id), Msg("alert.take")), Button(cb.assign(filed.id), Msg("alert.assign"))),)
    return Reply(tuple(lines), buttons, expects="choice")


def _sign_label(sign: str) -> Msg:
    return Msg(load_report_taxonomy().sign_label_key(sign))


async def _show_status(command: cmd.ShowStatus, env: EffectEnv, result: EffectResult) -> None:
    view = await core_reports.own_status(_work(env), await _actor(env), command.receipt_no)
    if view is None:
        result.replies.append(Reply((Msg("status.not_found"),), menu_buttons(), expects="choice"))
        return
    result.replies.append(Reply((_status_line(view),), menu_buttons(), expects="choice"))


def _status_line(view: reports.ReporterView) -> Msg:
    return Msg("status.line", {"receipt": view.receipt_no, "stage": Msg(f"status.stage.{view.stage}"),
                               "filed": to_kst(view.filed_at).strftime("%Y-%m-%d"),
                               "changed": to_kst(view.changed_at).strftime("%Y-%m-%d")})


async def _list_my_reports(env: EffectEnv, result: EffectResult) -> None:
    views = await core_reports.own_reports(_work(env), await _actor(env))
    if not views:
        result.replies.append(Reply((Msg("status.none_yet"),), menu_buttons(), expects="choice"))
        return
    lines = [Msg("status.my_reports")] + [_status_line(v) for v in views] + [Msg("status.stage_help")]
    result.replies.append(Reply(tuple(lines), menu_buttons(), expects="choice"))


async def _withdraw_consent(command: cmd.WithdrawConsent, env: EffectEnv, result: EffectResult) -> None:
    outcome = await core_reports.withdraw(_work(env), await _actor(env), command.receipt_no)
    if outcome is None:
        result.replies.append(Reply((Msg("status.not_found"),), menu_buttons(), expects="choice"))
        return
    result.replies.append(Reply((Msg(f"withdraw.done.{outcome}", {"receipt": command.receipt_no}),), menu_buttons(),
                                expects="choice"))


async def _register_invite(command: cmd.RegisterInvite, env: EffectEnv, result: EffectResult) -> None:
    if env.user_id is None:
        result.replies.append(say("invite.telegram_only"))
        return
    registered = await core_members.register_by_invite(_work(env), await _actor(env), command.code, env.user_id)
    if registered is None or registered.member is None:
        result.replies.append(Reply((Msg("invite.invalid"),), menu_buttons(), expects="choice"))
        return
    info = registered.member
    dong = env.directory.dong(info.dong_code or "")
    result.member_changed = Member(info.id, info.role, info.dong_code)
    result.replies.append(Reply((Msg("invite.registered", {"role": Msg(f"role.{info.role}"),
                                                           "dong": dong.name if dong else "-"}),),
                                menu_buttons(), expects="choice"))
