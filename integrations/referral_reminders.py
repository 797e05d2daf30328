"""The reply clock of a referral (state/referrals.py): the working day before its due day the
receiving organisation is reminded (its group chat and its members); the working day after
it, still unanswered, the sender and the 시군구's coordinators hear of it. Only the referral's
number, organisation and date: no personal data, since one of these goes to a group chat."""
from __future__ import annotations

from collections.abc import Iterable

from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from state import members as member_store
from state import organisations as org_store
from state import cases, referrals, timers
from welfare.roles import PARTNER_ROLES, Role


async def messages_for(services, conn, timer: timers.DueTimer) -> Iterable[tuple[int, Reply]]:
    referral = await referrals.load(conn, int(timer.subject.split(":")[1]))
    if referral is None or not referral.state.awaits_reply:
        return []  # answered (or cancelled) since the reminder was set
    org = (await org_store.read_organisations(conn)).get(referral.to_org_code)
    params = {"referral": referral.id, "date": referral.due_on.isoformat(), "org": org.name if org else "-"}
    opened = ((Button(cb.referral_button("open", referral.id), Msg("referral.card.open")),),)
    if timer.kind == timers.TimerKind.REFERRAL_DUE_SOON:
        reply = Reply((Msg("reminder.referral_due_soon", params),), opened, expects="choice")
        staff = await member_store.members_of_org(conn, referral.to_org_code,
                                                  tuple(r.value for r in (*PARTNER_ROLES, Role.COORDINATOR)))
        chats = [m.telegram_user_id for m in staff if m.telegram_user_id]
        if org is not None and org.chat_id:
            chats.append(org.chat_id)
        return [(chat, reply) for chat in dict.fromkeys(chats)]
    reply = Reply((Msg("reminder.referral_overdue", params),), opened, expects="choice")
    sender = await member_store.member_by_id(conn, referral.from_member_id) if referral.from_member_id else None
    dong = services.runner.directory.dong(referral.from_dong_code)
    coordinators = await member_store.coordinators(conn, dong.sigungu_code if dong else None)
    chats = [m.telegram_user_id for m in ([sender] if sender else []) + coordinators if m.telegram_user_id]
    chats += [m.telegram_user_id for m in await _team_now(services, conn, referral) if m.telegram_user_id]
    return [(chat, reply) for chat in dict.fromkeys(chats)]


async def _team_now(services, conn, referral: referrals.ReferralRecord) -> list[member_store.MemberInfo]:
    """A case that moved to another 읍면동 since it was referred: its manager there hears of the
    late reply too, or, until one is designated, that 읍면동's team leader."""
    record = await cases.load(services.db, conn, referral.case_id)
    if record is None or record.dong_code == referral.from_dong_code:
        return []
    manager = await member_store.member_by_id(conn, record.manager_member_id) if record.manager_member_id else None
    return [manager] if manager else await member_store.team_leaders(conn, record.dong_code)
