"""The support ledger on Telegram: 🎁 지원 기록 from a case card or an accepted referral opens
the support dialog (dialogs/support_flow.py); its end records through the core, or opens the
warning when the household already had this kind inside its window; 👥 누가 돕고 있나요?
answers by organisation and kind only. Who may, and what a warning may say, is the core's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from core import support as core_support
from core.actor import Actor
from core.refusals import Refused, RefusalKind
from core.work import Work
from dialogs import commands as cmd
from dialogs import callback_data as cb
from dialogs.replies import Button, Msg, Reply
from welfare.support import load_support_kinds

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult


async def open_dialog(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    options = await core_support.dialog_options(work, actor, case_id)
    if not env.private:
        raise Refused(RefusalKind.INVALID, "case.error.private_only")
    result.start_flow = ("support", {"@case_id": options.case.id, "@receipt": options.case.receipt_no,
                                     "@kinds": options.kinds, "@national_kinds": options.national_kinds,
                                     "@national_items": list(load_support_kinds().national_items),
                                     "@referral": options.referral_id})


def after_saving(case_id: int) -> tuple[tuple[Button, ...], ...]:
    """What comes next from here: another entry, or who else serves the household."""
    return ((Button(cb.support(case_id), Msg("support.card.record")),
             Button(cb.serving(case_id), Msg("support.card.serving"))),)


def _giver(giver: core_support.Giver) -> Msg | str:
    return Msg("support.giver.dong", {"dong": giver.name}) if giver.dong else giver.name


async def submit(work: Work, actor: Actor, command: cmd.SubmitSupport, env: EffectEnv, result: EffectResult) -> None:
    from datetime import date
    try:
        on = date.fromisoformat(command.given_on)
    except ValueError:
        raise Refused(RefusalKind.INVALID, "support.error.bad_date") from None
    outcome = await core_support.record_support(
        work, actor, command.case_id, command.kind, given_on=on, amount=command.amount or None,
        referral_id=command.referral_id, national_checked=command.national_checked, confirm=command.confirm,
        reason=command.reason)
    if isinstance(outcome, core_support.Recorded):
        key = "support.saved_override" if outcome.overrode else "support.saved"
        result.replies.append(Reply((Msg(key, {"kind": Msg(f"support.kind.{command.kind}"), "date": command.given_on,
                                               "case": command.case_id}),), after_saving(command.case_id),
                                    expects="choice"))
        return
    if not outcome.earlier:  # only the national check was missing (not from this dialog)
        result.replies.append(Reply((Msg("support.national.title"),
                                     *(Msg(f"support.national.{i}") for i in outcome.national_check))))
        return
    result.start_flow = ("support_confirm", {
        "@case_id": command.case_id, "@kind": command.kind, "@given_on": command.given_on, "@amount": command.amount,
        "@referral": command.referral_id, "@national": command.national_checked,
        "@earlier": [[e.giver.name, e.giver.dong, e.month] for e in outcome.earlier],
        "@reasons": list(outcome.reasons)})


async def who_serves(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    view = await core_support.who_serves(work, actor, case_id)
    if not view.serving:
        reply = Reply((Msg("support.serving.none", {"case": case_id}),))
    else:
        lines = [Msg("support.serving.title", {"case": case_id})]
        lines += [Msg("support.serving.line", {"giver": _giver(s.giver),
                                               "kinds": [Msg(f"support.kind.{k}") for k in s.kinds]})
                  for s in view.serving]
        reply = Reply(tuple(lines))
    if env.private:
        result.replies.append(reply)
    elif env.user_id is not None:  # who serves a household is never said in a group
        result.alerts.append((env.user_id, reply))
