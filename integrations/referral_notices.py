"""Referral notices for changes made through the API: the same PII-free alert to the receiving
organisation and the same "every change reaches the sender" as on Telegram (bot/referrals.py),
queued in the request's transaction and sent after it commits."""
from __future__ import annotations

from bot import referrals as bot_referrals
from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.turns import SEND_LEASE
from core import referrals as core_referrals
from core.actor import Actor
from core.work import Work
from core.transfers import Transferred
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from state import members as member_store
from state import outbox
from state.referrals import ReferralRecord

TELEGRAM = "telegram"


async def _queue(services, work: Work, notices: list[tuple[int, Reply]]) -> list[outbox.Outgoing]:
    catalogs = services.catalogs
    queued: list[outbox.Outgoing] = []
    for chat_id, reply in notices:
        rendered = render_reply(catalogs, catalogs.default, reply)
        queued += await outbox.enqueue(work.conn, services.cipher, TELEGRAM,
                                       [(str(chat_id), "sendMessage", send_message_payload(chat_id, rendered))],
                                       work.now, lease=SEND_LEASE)
    return queued


async def referred(services, work: Work, referral: ReferralRecord) -> list[outbox.Outgoing]:
    return await _queue(services, work, await bot_referrals.receiver_alerts(work, referral))


async def moved(services, work: Work, actor: Actor, change: core_referrals.Moved, action: str) -> list[outbox.Outgoing]:
    return await _queue(services, work, await bot_referrals.sender_notices(work, actor, change, action))


async def transferred(services, work: Work, moved: Transferred) -> list[outbox.Outgoing]:
    """The new 읍면동's team hears of the case (its leader designates the manager); every
    organisation with an open referral on it hears of the move. Names of 읍면동 only."""
    directory = work.directory
    old, new = directory.dong(moved.from_dong), directory.dong(moved.to_dong)
    params = {"case": moved.case_id, "receipt": moved.receipt_no, "from": old.name if old else moved.from_dong,
              "to": new.name if new else moved.to_dong}
    notices: list[tuple[int, Reply]] = []
    if new is not None and new.team_chat_id:
        notices.append((new.team_chat_id, Reply((Msg("transfer.team_alert", params),),
                                                ((Button(cb.assign(moved.report_id), Msg("alert.assign")),),),
                                                expects="choice")))
    for referral in moved.open_referrals:
        notice = Reply((Msg("transfer.partner_notice", {**params, "referral": referral.id}),))
        org = await core_referrals.org_of(work, referral.to_org_code)
        if org is not None and org.chat_id:
            notices.append((org.chat_id, notice))
        else:
            notices += [(m.telegram_user_id, notice) for m in await member_store.members_of_org(
                work.conn, referral.to_org_code) if m.telegram_user_id]
    return await _queue(services, work, notices)


async def deliver(services, queued: list[outbox.Outgoing]) -> None:
    if queued and services.telegram:
        await services.telegram.sender.deliver(queued)
