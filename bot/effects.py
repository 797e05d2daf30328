"""Carrying out what a turn's commands ask, inside the turn's transaction.

Each handler gets the open connection and returns more replies for the person and, for other
chats (a 읍면동 team, the duty team), alerts that carry no personal data: a receipt number,
urgency, the signs ticked, household type and age band — never a name, phone, address or text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs import callback_data as cb
from dialogs import commands as cmd
from dialogs.flow import Member
from dialogs.replies import Button, Msg, Reply, say
from dialogs.home import menu_buttons
from salpim.settings import Settings
from bot import casework
from state import audit, reports, timers
from state import members as member_store
from state.crypto import FieldCipher
from state.db import Database
from state.timeutil import to_kst
from welfare.directory import Directory


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
        elif isinstance(command, (cmd.ShowCases, cmd.ShowCase, cmd.OpenFollowup, cmd.CaseButton, cmd.SubmitFollowup)):
            await casework.handle(command, env, result)
    return result


async def _file_report(command: cmd.FileReport, env: EffectEnv, result: EffectResult) -> None:
    recent = await reports.count_recent_by_reporter(env.conn, env.cipher, env.channel, env.chat_id,
                                                    env.now - timedelta(hours=1))
    if recent >= env.settings.reports_per_hour and not command.urgent:
        # Polite, and never for an urgent report: life comes before abuse limits.
        result.replies.append(Reply((Msg("report.too_many", {"limit": env.settings.reports_per_hour}),
                                     Msg("emergency.short")), menu_buttons(), expects="choice"))
        return
    filed = await reports.file_report(env.conn, env.cipher, channel=env.channel, chat_id=env.chat_id,
                                      member_id=env.member.member_id if env.member else None,
                                      report=command.answers, urgent=command.urgent, now=env.now)
    await audit.record(env.conn, actor=_actor(env), action="create", subject=f"report:{filed.receipt_no}",
                       now=env.now, detail={"dong": filed.dong_code, "urgent": filed.urgent})
    lines = [Msg("report.filed", {"receipt": filed.receipt_no})]
    if command.urgent:
        lines += [Msg("report.filed_urgent"), Msg("emergency.short")]
    lines.append(Msg("report.next_steps"))
    result.replies.append(Reply(tuple(lines), menu_buttons(), expects="choice"))
    alert = team_alert(filed, command, env.directory)
    dong = env.directory.dong(filed.dong_code)
    targets = {dong.team_chat_id} if dong and dong.team_chat_id else set()
    if command.urgent and env.settings.duty_chat_id:
        targets.add(env.settings.duty_chat_id)  # urgent: the duty team too, at once
    result.alerts.extend((chat, alert) for chat in sorted(targets))
    if command.urgent:  # nobody takes it in time: the team leader hears again
        await timers.schedule(env.db, env.conn, kind="urgent_untaken", subject=f"report:{filed.id}", version=0,
                              due_at=env.now + timedelta(minutes=env.settings.urgent_escalation_minutes),
                              payload={"receipt": filed.receipt_no, "dong": filed.dong_code})


def team_alert(filed: reports.FiledReport, command: cmd.FileReport, directory: Directory) -> Reply:
    """The PII-free alert a 읍면동 team chat receives."""
    a = command.answers
    dong = directory.dong(filed.dong_code)
    lines = [Msg("alert.new_urgent" if filed.urgent else "alert.new", {"receipt": filed.receipt_no}),
             Msg("alert.dong", {"dong": dong.name if dong else filed.dong_code}),
             Msg("alert.situations", {"value": [_sign_label(s) for s in a.get("situations", [])]})]
    if a.get("household"):
        lines.append(Msg("alert.household", {"value": Msg(f"household.{a['household']}")}))
    if a.get("age_band"):
        lines.append(Msg("alert.age_band", {"value": Msg(f"age_band.{a['age_band']}")}))
    if filed.possible_duplicate_of:
        lines.append(Msg("alert.possible_duplicate"))
    buttons = ((Button(cb.take(filed.id), Msg("alert.take")), Button(cb.assign(filed.id), Msg("alert.assign"))),)
    return Reply(tuple(lines), buttons, expects="choice")


def _sign_label(sign: str) -> Msg:
    from dialogs.report_flow import TAXONOMY  # the one list of which signs are urgent
    return Msg(f"urgent.{sign}") if sign in {u.id for u in TAXONOMY.urgent_signs} else Msg(f"situation.{sign}")


async def _show_status(command: cmd.ShowStatus, env: EffectEnv, result: EffectResult) -> None:
    view = await reports.status_for_reporter(env.conn, env.cipher, command.receipt_no, env.channel, env.chat_id)
    if view is None:
        result.replies.append(Reply((Msg("status.not_found"),), menu_buttons(), expects="choice"))
        return
    await audit.record(env.conn, actor=_actor(env), action="read_status", subject=f"report:{view.receipt_no}",
                       now=env.now)
    result.replies.append(Reply((_status_line(view),), menu_buttons(), expects="choice"))


def _status_line(view: reports.ReporterView) -> Msg:
    return Msg("status.line", {"receipt": view.receipt_no, "stage": Msg(f"status.stage.{view.stage}"),
                               "filed": to_kst(view.filed_at).strftime("%Y-%m-%d"),
                               "changed": to_kst(view.changed_at).strftime("%Y-%m-%d")})


async def _list_my_reports(env: EffectEnv, result: EffectResult) -> None:
    views = await reports.reports_of_reporter(env.conn, env.cipher, env.channel, env.chat_id)
    if not views:
        result.replies.append(Reply((Msg("status.none_yet"),), menu_buttons(), expects="choice"))
        return
    lines = [Msg("status.my_reports")] + [_status_line(v) for v in views] + [Msg("status.stage_help")]
    result.replies.append(Reply(tuple(lines), menu_buttons(), expects="choice"))


async def _withdraw_consent(command: cmd.WithdrawConsent, env: EffectEnv, result: EffectResult) -> None:
    outcome = await reports.withdraw_consent(env.conn, env.cipher, command.receipt_no, env.channel, env.chat_id,
                                             env.now)
    if outcome is None:
        result.replies.append(Reply((Msg("status.not_found"),), menu_buttons(), expects="choice"))
        return
    await audit.record(env.conn, actor=_actor(env), action="consent_withdrawn", subject=f"report:{command.receipt_no}",
                       now=env.now, detail={"outcome": outcome})
    result.replies.append(Reply((Msg(f"withdraw.done.{outcome}", {"receipt": command.receipt_no}),), menu_buttons(),
                                expects="choice"))


async def _register_invite(command: cmd.RegisterInvite, env: EffectEnv, result: EffectResult) -> None:
    if env.user_id is None:
        result.replies.append(say("invite.telegram_only"))
        return
    info = await member_store.redeem_invite(env.conn, env.cipher, command.code, env.user_id,
                                            lambda dong: _sigungu_of(env.directory, dong), env.now)
    if info is None:
        result.replies.append(Reply((Msg("invite.invalid"),), menu_buttons(), expects="choice"))
        return
    await audit.record(env.conn, actor=f"member:{info.id}", action="register", subject=f"member:{info.id}",
                       now=env.now, detail={"role": info.role, "dong": info.dong_code})
    dong = env.directory.dong(info.dong_code or "")
    result.member_changed = Member(info.id, info.role, info.dong_code)
    result.replies.append(Reply((Msg("invite.registered", {"role": Msg(f"role.{info.role}"),
                                                           "dong": dong.name if dong else "-"}),),
                                menu_buttons(), expects="choice"))


def _sigungu_of(directory: Directory, dong_code: str | None) -> str | None:
    dong = directory.dong(dong_code or "")
    return dong.sigungu_code if dong else None


def _actor(env: EffectEnv) -> str:
    return f"member:{env.member.member_id}" if env.member else f"reporter:{env.channel}"
