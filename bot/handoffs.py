"""Hand-offs on Telegram: 재의뢰 (refer onward) from a referral card, the coordinator's choice of
the case's 주사례관리기관, and 이관 (transfer) of a case to the 읍면동 the household moved to — each
a menu of organisations or 읍면동 the core says the action would accept, then the action itself
through the core. Notices name receipt numbers, 읍면동 and organisations only, never the household.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot import referrals
from core import handoff_options
from core import referrals as core_referrals
from core import transfers as core_transfers
from core.actor import Actor
from core.permissions import Action, may
from core.work import Work
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from state import members as member_store

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult


def _private(env: EffectEnv, result: EffectResult, reply: Reply) -> None:
    if env.private:
        result.replies.append(reply)
    elif env.user_id is not None:
        result.alerts.append((env.user_id, reply))


# -- 재의뢰 -----------------------------------------------------------------------------------------
async def onward(work: Work, actor: Actor, referral_id: int, version: int, org_code: str | None,
                 env: EffectEnv, result: EffectResult) -> None:
    if org_code is None:  # which organisation? only those the consent names
        options = await handoff_options.onward_options(work, actor, referral_id)
        if not options.organisations:
            _private(env, result, Reply((Msg("handoff.onward.none", {"referral": referral_id}),)))
            return
        buttons = tuple((Button(cb.referral_button("refer_onward", referral_id, version, o.code), Msg(
            "handoff.org", {"org": o.name})),) for o in options.organisations)
        _private(env, result, Reply((Msg("handoff.onward.ask", {"referral": referral_id}),), buttons,
                                    expects="choice"))
        return
    moved = await core_referrals.reply(work, actor, referral_id, "refer_onward", onward_to=org_code,
                                       expected_version=version)
    org = await core_referrals.org_of(work, org_code)
    assert moved.onward is not None
    result.replies.append(Reply((Msg("handoff.onward.done", {"referral": referral_id, "onward": moved.onward.id,
                                                             "org": org.name if org else org_code}),)))
    result.alerts.extend(await referrals.sender_notices(work, actor, moved, "refer_onward"))


# -- 주사례관리기관 ------------------------------------------------------------------------------------
async def lead_menu(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    record, lead, candidates = await handoff_options.lead_options(work, actor, case_id)
    leading = await core_referrals.org_of(work, lead) if lead else None
    current = (leading.name if leading else lead) if lead else None
    lines = (Msg("handoff.lead.ask", {"case": record.id, "receipt": record.receipt_no}),
             Msg("handoff.lead.current", {"org": current}) if current else Msg("handoff.lead.current_team"))
    buttons: list[tuple[Button, ...]] = [(Button(cb.lead_to(record.id, o.code), Msg("handoff.org", {"org": o.name})),)
                                         for o in candidates if o.code != lead]
    if lead is not None:
        buttons.append((Button(cb.lead_to(record.id, None), Msg("handoff.lead.team")),))
    if may(actor, Action.TRANSFER_CASE):
        buttons.append((Button(cb.move_menu(record.id), Msg("handoff.move.button")),))
    _private(env, result, Reply(lines, tuple(buttons), expects="choice"))


async def lead_to(work: Work, actor: Actor, case_id: int, org_code: str, result: EffectResult) -> None:
    chosen = None if org_code == cb.TEAM_LEADS else org_code
    await core_referrals.reassign_lead(work, actor, case_id, chosen)
    org = await core_referrals.org_of(work, chosen) if chosen else None
    result.replies.append(Reply((Msg("handoff.lead.done", {"case": case_id, "org": org.name})
                                 if org else Msg("handoff.lead.done_team", {"case": case_id}),)))


# -- 이관 ------------------------------------------------------------------------------------------
async def move_menu(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    record, dongs = await handoff_options.transfer_options(work, actor, case_id)
    buttons = tuple((Button(cb.move_to(record.id, d.code), Msg("handoff.dong", {"dong": d.name})),) for d in dongs)
    _private(env, result, Reply((Msg("handoff.move.ask", {"case": record.id, "receipt": record.receipt_no}),),
                                buttons, expects="choice"))


async def move_to(work: Work, actor: Actor, case_id: int, dong_code: str, result: EffectResult) -> None:
    moved = await core_transfers.transfer_case(work, actor, case_id, dong_code)
    new = work.directory.dong(moved.to_dong)
    result.replies.append(Reply((Msg("handoff.move.done", {"case": moved.case_id, "receipt": moved.receipt_no,
                                                           "to": new.name if new else moved.to_dong}),)))
    result.alerts.extend(await transfer_notices(work, moved))


async def transfer_notices(work: Work, moved: core_transfers.Transferred) -> list[tuple[int, Reply]]:
    """The new 읍면동's team hears of the case (its leader designates the manager, L8576–8578);
    every organisation with an open referral on it, and every co-managing one, hears of the move.
    Names of 읍면동 only."""
    directory = work.directory
    old, new = directory.dong(moved.from_dong), directory.dong(moved.to_dong)
    params = {"case": moved.case_id, "receipt": moved.receipt_no, "from": old.name if old else moved.from_dong,
              "to": new.name if new else moved.to_dong}
    notices: list[tuple[int, Reply]] = []
    if new is not None and new.team_chat_id:
        notices.append((new.team_chat_id, Reply((Msg("transfer.team_alert", params),),
                                                ((Button(cb.assign(moved.report_id), Msg("alert.assign")),),),
                                                expects="choice")))
    told: list[tuple[str, Reply]] = [
        (r.to_org_code, Reply((Msg("transfer.partner_notice", {**params, "referral": r.id}),)))
        for r in moved.open_referrals]
    told += [(code, Reply((Msg("handoff.move.co_manager_notice", params),)))
             for code in moved.co_managers if code not in {r.to_org_code for r in moved.open_referrals}]
    for code, notice in told:
        org = await core_referrals.org_of(work, code)
        if org is not None and org.chat_id:
            notices.append((org.chat_id, notice))
        else:
            notices += [(m.telegram_user_id, notice) for m in await member_store.members_of_org(work.conn, code)
                        if m.telegram_user_id]
    return notices
