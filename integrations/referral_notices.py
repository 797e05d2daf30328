"""Referral notices for changes made through the API: the same PII-free alert to the receiving
organisation and the same "every change reaches the sender" as on Telegram (bot/referrals.py),
queued in the request's transaction and sent after it commits."""
from __future__ import annotations

from bot import handoffs as bot_handoffs
from bot import referrals as bot_referrals
from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.turns import SEND_LEASE
from core import referrals as core_referrals
from core.actor import Actor
from core.work import Work
from core.transfers import Transferred
from dialogs.replies import Reply
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
    """The same notices as a transfer made on Telegram (bot/handoffs.py)."""
    return await _queue(services, work, await bot_handoffs.transfer_notices(work, moved))


async def deliver(services, queued: list[outbox.Outgoing]) -> None:
    if queued and services.telegram:
        await services.telegram.sender.deliver(queued)
