"""Conference notices: a 솔루션회의 request reaches the 시군구's coordinators at once, and a
scheduled meeting's attendees are reminded the day before (state/timers CONFERENCE_SOON), each
in their private chat. Numbers, the 읍면동 and the time only: never a name, address or text."""
from __future__ import annotations

from collections.abc import Iterable

from bot.keyboards import send_message_payload
from bot.render import render_reply
from bot.turns import SEND_LEASE
from core.solution_meetings import Asked
from core.work import Work
from dialogs.replies import Msg, Reply
from state import conferences as store
from state import members as member_store
from state import outbox, timers
from welfare.korea_time import to_kst
from welfare.roles import ORGANISATION_ROLES

TELEGRAM = "telegram"


def request_notice(asked: Asked, dong_name: str) -> list[tuple[int, Reply]]:
    reply = Reply((Msg("conference.solution.notice", {"request": asked.request.id, "case": asked.request.case_id,
                                                      "dong": dong_name}),))
    return [(chat, reply) for chat in dict.fromkeys(asked.coordinators)]


async def solution_requested(services, work: Work, asked: Asked) -> list[outbox.Outgoing]:
    dong = work.directory.dong(asked.request.dong_code)
    catalogs = services.catalogs
    queued: list[outbox.Outgoing] = []
    for chat_id, reply in request_notice(asked, dong.name if dong else asked.request.dong_code):
        rendered = render_reply(catalogs, catalogs.default, reply)
        queued += await outbox.enqueue(work.conn, services.cipher, TELEGRAM,
                                       [(str(chat_id), "sendMessage", send_message_payload(chat_id, rendered))],
                                       work.now, lease=SEND_LEASE)
    return queued


async def deliver(services, queued: list[outbox.Outgoing]) -> None:
    if queued and services.telegram:
        await services.telegram.sender.deliver(queued)


async def reminders_for(services, conn, timer: timers.DueTimer) -> Iterable[tuple[int, Reply]]:
    """The day before: every invited member, and the staff of every invited organisation,
    privately (an organisation's group chat is not told: who attends is the team leader's
    choice, L8905). Nothing for a meeting held, or changed, since."""
    meeting = await store.load_meeting(conn, int(timer.subject.split(":")[1]))
    if meeting is None or meeting.state != "scheduled" or meeting.version != timer.version or meeting.starts_at is None:
        return []
    at = to_kst(meeting.starts_at)
    dong = services.runner.directory.dong(meeting.dong_code)
    reply = Reply((Msg("conference.reminder", {
        "meeting": meeting.id, "kind": Msg(f"conference.kind.{meeting.kind}"), "date": at.strftime("%Y-%m-%d"),
        "time": at.strftime("%H:%M"), "dong": dong.name if dong else meeting.dong_code,
        "count": len(meeting.case_ids)}),))
    chats: list[int] = []
    for member_id in meeting.invited_members:
        member = await member_store.member_by_id(conn, member_id)
        if member is not None and member.telegram_user_id:
            chats.append(member.telegram_user_id)
    for org in meeting.invited_orgs:
        for member in await member_store.members_of_org(conn, org, tuple(r.value for r in ORGANISATION_ROLES)):
            if member.telegram_user_id:
                chats.append(member.telegram_user_id)
    return [(chat, reply) for chat in dict.fromkeys(chats)]
