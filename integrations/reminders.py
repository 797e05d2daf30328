"""Firing due timers: reminders before a statutory due date (to the case manager), overdue
notices (to the team leader), urgent reports nobody took, and planned follow-up contacts.

Each timer is claimed and its messages queued in one transaction, so it fires once even with
several workers; a timer made for an older version of its case does nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.turns import SEND_LEASE
from integrations import conference_notices, referral_reminders, resource_reminders
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from state import cases, outbox, timers
from state import members as member_store
from state.timeutil import utcnow

log = logging.getLogger(__name__)
TELEGRAM = "telegram"


def _case_buttons(case_id: int) -> tuple[tuple[Button, ...], ...]:
    return ((Button(cb.followup(case_id), Msg("case.card.followup")),
             Button(cb.open_case(case_id), Msg("case.card.open"))),)


async def fire_due(services) -> int:
    """Claim due timers and queue what they say; returns how many fired."""
    now = utcnow()
    db, catalogs = services.db, services.catalogs
    queued: list[outbox.Outgoing] = []
    async with db.transaction() as conn:
        due = await timers.claim_due(db, conn, now)
        for timer in due:
            for chat_id, reply in await _messages_for(services, conn, timer, now):
                rendered = render_reply(catalogs, catalogs.default, reply)
                queued += await outbox.enqueue(conn, services.cipher, TELEGRAM,
                                               [(str(chat_id), "sendMessage", send_message_payload(chat_id, rendered))],
                                               now, lease=SEND_LEASE)
    if queued and services.telegram:
        await services.telegram.sender.deliver(queued)
    return len(due)


async def _messages_for(services, conn, timer: timers.DueTimer, now) -> Iterable[tuple[int, Reply]]:
    if timer.kind == timers.TimerKind.RESOURCE_STALE:
        return await resource_reminders.messages_for(services, conn, timer, now)
    if timer.kind in (timers.TimerKind.REFERRAL_DUE_SOON, timers.TimerKind.REFERRAL_OVERDUE):
        return await referral_reminders.messages_for(services, conn, timer)
    if timer.kind == timers.TimerKind.CONFERENCE_SOON:
        return await conference_notices.reminders_for(services, conn, timer)
    if timer.kind == timers.TimerKind.URGENT_UNTAKEN:
        report_id = int(timer.subject.split(":")[1])
        record = await cases.by_report(conn, report_id)
        if record is not None and record.manager_member_id is not None:
            return []
        reply = Reply((Msg("reminder.urgent_untaken", {"receipt": timer.payload.get("receipt", "")}),),
                      ((Button(cb.take(report_id), Msg("alert.take")),),), expects="choice")
        leaders = await member_store.team_leaders(conn, timer.payload.get("dong"))
        chats = [m.telegram_user_id for m in leaders if m.telegram_user_id]
        if services.settings.duty_chat_id:
            chats.append(services.settings.duty_chat_id)
        return [(chat, reply) for chat in chats]
    case_id = int(timer.subject.split(":")[1])
    record = await cases.load(services.db, conn, case_id)
    if record is None:
        return []
    versioned = (timers.TimerKind.CASE_DUE_SOON, timers.TimerKind.CASE_OVERDUE, timers.TimerKind.LINKAGE_CHECK_DUE,
                 timers.TimerKind.MONITORING_DUE)
    if timer.kind in versioned and record.version != timer.version:
        return []  # the case has moved on since this reminder was set
    params = {"case": record.id, "receipt": record.receipt_no}
    if timer.kind == timers.TimerKind.LINKAGE_CHECK_DUE:
        reply = Reply((Msg("process.reminder.linkage_check", {**params, "linked": timer.payload["linked"],
                                                                "due": timer.payload["due"]}),),
                      _case_buttons(record.id), expects="choice")
        return await _to_manager_or_team(conn, record, reply)
    if timer.kind == timers.TimerKind.MONITORING_DUE:
        frequency = Msg(f"clock.monitoring.{timer.payload['frequency']}")
        reply = Reply((Msg("process.reminder.monitoring", {**params, "frequency": frequency}),),
                      ((Button(cb.open_case(record.id), Msg("case.card.open")),),), expects="choice")
        return await _to_manager_or_team(conn, record, reply)
    if timer.kind == timers.TimerKind.FOLLOWUP_DUE:
        reply = Reply((Msg("reminder.followup_due", params),), _case_buttons(record.id), expects="choice")
        return await _to_manager(conn, record, reply)
    params |= {"clock": Msg(f"clock.{timer.payload['clock']}"), "date": timer.payload["due"]}
    if timer.kind == timers.TimerKind.CASE_DUE_SOON:
        reply = Reply((Msg("reminder.due_soon", params),), _case_buttons(record.id), expects="choice")
        return await _to_manager(conn, record, reply)
    reply = Reply((Msg("reminder.overdue", params),), ((Button(cb.open_case(record.id), Msg("case.card.open")),),),
                  expects="choice")
    leaders = await member_store.team_leaders(conn, record.dong_code)
    return [(m.telegram_user_id, reply) for m in leaders if m.telegram_user_id]


async def _to_manager_or_team(conn, record: cases.CaseRecord, reply: Reply) -> list[tuple[int, Reply]]:
    """The manager, or — when the case has none, as after a move to another 읍면동 — the team
    leaders of the case's current 읍면동, who designate one (L8576–8578, L10102–10106)."""
    found = await _to_manager(conn, record, reply)
    if found:
        return found
    leaders = await member_store.team_leaders(conn, record.dong_code)
    return [(m.telegram_user_id, reply) for m in leaders if m.telegram_user_id]


async def _to_manager(conn, record: cases.CaseRecord, reply: Reply) -> list[tuple[int, Reply]]:
    """To the 주사례관리자; a case nobody manages yet (moved to another 읍면동, whose team has not
    named one) reminds that 읍면동's team leader instead, so no clock runs out unheard."""
    manager = await member_store.member_by_id(conn, record.manager_member_id) if record.manager_member_id else None
    if manager is None or not manager.active:
        leaders = await member_store.team_leaders(conn, record.dong_code)
        return [(m.telegram_user_id, reply) for m in leaders if m.telegram_user_id]
    return [(manager.telegram_user_id, reply)] if manager.telegram_user_id else []
