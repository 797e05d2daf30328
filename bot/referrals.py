"""Referrals on Telegram: 🤝 의뢰하기 from a case card opens the referral dialog
(dialogs/referral_flow.py); its end sends the referral through the core; the receiving
organisation's chat gets a PII-free alert with 📥 접수 / ✅ 수락 / ↩ 반려; the member who takes
it gets the consented details in their private chat; every change reaches the sender at once;
/referrals lists what I sent and what my organisation owes. Who may is the core's question.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from core import referrals as core_referrals
from core.actor import Actor
from core.permissions import Action, may
from core.refusals import Refused, RefusalKind
from core.work import Work
from dialogs import callback_data as cb
from dialogs import commands as cmd
from dialogs.replies import Button, Msg, Reply
from state import members as member_store
from state.referrals import ReferralRecord
from welfare.referral_lifecycle import Outcome, Party, ReferralState, RejectReason, allowed_actions
from welfare.report_taxonomy import load_report_taxonomy

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult

UNKNOWN = Refused(RefusalKind.INVALID, "case.error.unknown_button")
# A press on these in the organisation's chat hands the presser the consented details privately.
TAKING = ("receive", "accept")
# A referral its organisation accepted: its card offers 🎁 지원 기록 and 👥 누가 돕고 있나요? (bot/support.py).
SUPPORTING = frozenset({ReferralState.ACCEPTED, ReferralState.IN_PROGRESS, ReferralState.COMPLETED})


async def open_dialog(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    options = await core_referrals.dialog_options(work, actor, case_id,
                                                  resource_max_age_days=env.settings.resource_max_age_days)
    if not env.private:
        raise Refused(RefusalKind.INVALID, "case.error.private_only")
    result.start_flow = ("referral", {"@case_id": options.case.id, "@receipt": options.case.receipt_no,
                                      "@needs": options.needs, "@orgs": options.orgs, "@covers": options.covers,
                                      "@after_new_consent": options.after_new_consent,
                                      "@resources": options.resources})


async def submit(work: Work, actor: Actor, command: cmd.SubmitReferral, result: EffectResult) -> None:
    if command.with_new_consent:
        await core_referrals.record_consent_naming(work, actor, command.case_id, command.org)
    referral = await core_referrals.refer(work, actor, command.case_id, command.org, need=command.need,
                                          request=command.note)
    org = (await core_referrals.directory(work, actor)).get(referral.to_org_code)
    name = org.name if org else referral.to_org_code
    result.replies.append(Reply((Msg("referral.sent", {"referral": referral.id, "org": name,
                                                       "date": referral.due_on.isoformat()}),)))
    await _alert_receiver(work, referral, result)


async def _alert_receiver(work: Work, referral: ReferralRecord, result: EffectResult) -> None:
    result.alerts.extend(await receiver_alerts(work, referral))


async def receiver_alerts(work: Work, referral: ReferralRecord) -> list[tuple[int, Reply]]:
    """To the organisation's group chat (or, without one, its members): number, 읍면동, need and
    due date, and the three answers. No name, address or text: a group must never get them."""
    org = (await core_referrals.org_of(work, referral.to_org_code))
    dong = work.directory.dong(referral.from_dong_code)
    alert = Reply((Msg("referral.alert", {"referral": referral.id, "dong": dong.name if dong else "-",
                                          "need": Msg(f"checklist.domain.{referral.need}"),
                                          "date": referral.due_on.isoformat()}),),
                  ((Button(cb.referral_button("receive", referral.id, referral.version), Msg("referral.action.receive")),
                    Button(cb.referral_button("accept", referral.id, referral.version), Msg("referral.action.accept")),
                    Button(cb.referral_button("reject", referral.id, referral.version), Msg("referral.action.reject"))),),
                  expects="choice")
    if org is not None and org.chat_id:
        return [(org.chat_id, alert)]
    return [(m.telegram_user_id, alert) for m in await member_store.members_of_org(work.conn, referral.to_org_code)
            if m.telegram_user_id]


async def button(work: Work, actor: Actor, value: str, env: EffectEnv, result: EffectResult) -> None:
    pressed = cb.parse_referral_button(value)
    if pressed is None:
        raise UNKNOWN
    if pressed.kind == "open":
        _private(env, result, await _card(work, actor, pressed.referral))
        return
    if pressed.kind == "refer_onward":  # 재의뢰: which organisation, then the onward referral (bot/handoffs.py)
        from bot import handoffs  # (here: bot/handoffs.py imports this module)
        assert pressed.version is not None
        await handoffs.onward(work, actor, pressed.referral, pressed.version, pressed.choice, env, result)
        return
    if pressed.kind in cb.REFERRAL_CHOICES and pressed.choice is None:  # ask the reason / outcome first
        choices = RejectReason if pressed.kind == "reject" else Outcome
        buttons = tuple((Button(cb.referral_button(pressed.kind, pressed.referral, pressed.version, c.value),
                                Msg(c.label_key)),) for c in choices)
        await core_referrals.read_referral(work, actor, pressed.referral)  # refused here if not theirs
        _private(env, result, Reply((Msg(f"referral.ask.{pressed.kind}", {"referral": pressed.referral}),), buttons,
                                    expects="choice"))
        return
    moved = await core_referrals.reply(work, actor, pressed.referral, pressed.kind,
                                       reason=pressed.choice if pressed.kind == "reject" else None,
                                       outcome=pressed.choice if pressed.kind == "complete" else None,
                                       expected_version=pressed.version)
    referral = moved.referral
    state = Msg(referral.state.label_key)
    result.replies.append(Reply((Msg("referral.moved", {"referral": referral.id, "state": state}),)))
    _private(env, result, await _card(work, actor, referral.id))
    result.alerts.extend(await sender_notices(work, actor, moved, pressed.kind))


async def sender_notices(work: Work, actor: Actor, moved: core_referrals.Moved, action: str) -> list[tuple[int, Reply]]:
    """Every change reaches the sender at once (the number, organisation, state and the coded
    reason or outcome: nothing of the household). The new organisation of an onward referral
    gets its alert too."""
    referral = moved.referral
    notices: list[tuple[int, Reply]] = []
    if moved.onward is not None:
        notices += await receiver_alerts(work, moved.onward)
    sender = await member_store.member_by_id(work.conn, referral.from_member_id) if referral.from_member_id else None
    if sender is None or not sender.telegram_user_id or sender.id == actor.member_id:
        return notices
    org = await core_referrals.org_of(work, referral.to_org_code)
    lines = [Msg("referral.status_changed", {"referral": referral.id, "org": org.name if org else "-",
                                             "state": Msg(referral.state.label_key)})]
    if referral.reject_reason and action == "reject":
        lines.append(Msg(f"referral.reject.{referral.reject_reason}"))
    if referral.outcome and action == "complete":
        lines.append(Msg(f"referral.outcome.{referral.outcome}"))
    return [*notices, (sender.telegram_user_id, Reply(tuple(lines), (
        (Button(cb.referral_button("open", referral.id), Msg("referral.card.open")),),), expects="choice"))]


def _private(env: EffectEnv, result: EffectResult, reply: Reply) -> None:
    """Referral cards carry personal data: the presser's private chat only, never the group."""
    if env.private:
        result.replies.append(reply)
    elif env.user_id is not None:
        result.alerts.append((env.user_id, reply))


async def _card(work: Work, actor: Actor, referral_id: int) -> Reply:
    """The referral as its reader may see it (the read is audited by the core)."""
    view = await core_referrals.read_referral(work, actor, referral_id)
    r = view.referral
    lines = [Msg("referral.card.title", {"referral": r.id, "org": view.organisation.name if view.organisation else "-",
                                         "receipt": view.receipt_no}),
             Msg("referral.card.state", {"state": Msg(r.state.label_key), "date": r.due_on.isoformat(),
                                         "need": Msg(f"checklist.domain.{r.need}")})]
    if view.request:
        lines.append(Msg("referral.card.request", {"value": view.request}))
    lines += _details(view.details)
    party = Party.RECEIVER if actor.org_code == r.to_org_code else Party.SENDER
    buttons = tuple((Button(cb.referral_button(a.value, r.id, r.version), Msg(a.label_key)),)
                    for a in allowed_actions(r.state, party) if a.value in cb.REFERRAL_KINDS)
    if party is Party.RECEIVER and r.state in SUPPORTING:  # an accepted referral: record what was given
        buttons += ((Button(cb.support(r.case_id), Msg("support.card.record")),
                     Button(cb.serving(r.case_id), Msg("support.card.serving"))),)
    if may(actor, Action.REASSIGN_LEAD):  # the coordinator: who leads this case (주사례관리기관)
        buttons += ((Button(cb.lead_menu(r.case_id), Msg("handoff.lead.button")),),)
    return Reply(tuple(lines), buttons, expects="choice" if buttons else "none")


def _details(details: dict) -> list[Msg]:
    taxonomy = load_report_taxonomy()
    lines: list[Msg] = []
    if details.get("household"):
        lines.append(Msg("alert.household", {"value": Msg(f"household.{details['household']}")}))
    if details.get("age_band"):
        lines.append(Msg("referral.card.age_band", {"value": Msg(f"age_band.{details['age_band']}")}))
    if details.get("address"):
        lines.append(Msg("report.summary.address", {"value": details["address"]}))
    if details.get("phone"):
        lines.append(Msg("record.phone", {"phone": details["phone"]}))
    if details.get("situations"):
        lines.append(Msg("alert.situations", {"value": [Msg(taxonomy.sign_label_key(s)) for s in details["situations"]]}))
    if details.get("description"):
        lines.append(Msg("report.summary.description", {"value": details["description"]}))
    return lines


async def show_referrals(work: Work, actor: Actor, result: EffectResult) -> None:
    sent = await core_referrals.sent(work, actor, limit=20)
    owed = await core_referrals.owed(work, actor, limit=20)
    if not sent and not owed:
        result.replies.append(Reply((Msg("referral.list.none"),)))
        return
    buttons = []
    for box, found in (("sent", sent), ("owed", owed)):
        for r in found:
            key = "referral.list.overdue" if r.overdue(work.now) else f"referral.list.{box}"
            buttons.append((Button(cb.referral_button("open", r.id), Msg(key, {
                "referral": r.id, "state": Msg(r.state.label_key), "date": r.due_on.isoformat()})),))
    result.replies.append(Reply((Msg("referral.list.title", {"sent": len(sent), "owed": len(owed)}),), tuple(buttons),
                                expects="choice"))
