"""Case conferences on Telegram: 🗓 사례회의 on a case card opens the short dialog
(dialogs/conference_flow.py) and its end records the conference through the core; 📋 회의록
shows the case's minutes (the read is audited by the core). Who may is the core's question;
minutes carry personal data, so they only ever go to the presser's private chat."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core import conferences as core_conferences
from core.actor import Actor
from core.refusals import Refused, RefusalKind
from core.work import Work
from dialogs import commands as cmd
from dialogs.replies import Msg, Reply
from welfare.conferences import Attendee
from welfare.danger import Danger, DangerKind

if TYPE_CHECKING:
    from bot.effects import EffectEnv, EffectResult


async def open_dialog(work: Work, actor: Actor, case_id: int, env: EffectEnv, result: EffectResult) -> None:
    options = await core_conferences.dialog_options(work, actor, case_id)
    if not env.private:
        raise Refused(RefusalKind.INVALID, "case.error.private_only")
    result.start_flow = ("conference", {"@case_id": options.case.id, "@receipt": options.case.receipt_no,
                                        "@orgs": options.orgs})


async def submit(work: Work, actor: Actor, command: cmd.SubmitConference, result: EffectResult) -> None:
    try:
        held_on = date.fromisoformat(command.held_on)
    except ValueError:
        raise Refused(RefusalKind.INVALID, "conference.error.invalid") from None
    kind = "integrated" if command.orgs else "internal"
    recorded = await core_conferences.record_conference(
        work, actor, command.case_id, held_on=held_on, kind=kind, content=command.note,
        decisions=list(command.decisions), attendees=[Attendee(org, "") for org in command.orgs])
    minutes = recorded.minutes[0]
    lines = [Msg("conference.saved", {"meeting": recorded.meeting.id, "round": minutes.round})]
    if recorded.danger:  # the worker's own note shows danger: what to do now, with the numbers
        danger = Danger(tuple(DangerKind(k) for k in recorded.danger))
        lines.append(Msg("conference.danger", {"numbers": ", ".join(danger.numbers())}))
    result.replies.append(Reply(tuple(lines)))


async def show_minutes(work: Work, actor: Actor, case_id: int) -> Reply:
    views = await core_conferences.read_minutes(work, actor, case_id)
    if not views:
        return Reply((Msg("conference.minutes.none", {"case": case_id}),))
    lines = [Msg("conference.minutes.title", {"case": case_id, "count": len(views)})]
    for v in views:
        m = v.minutes
        orgs = [a.get("org", "") for a in v.attendees]
        lines.append(Msg("conference.minutes.item", {
            "round": m.round, "date": m.held_on.isoformat(), "kind": Msg(f"conference.kind.{v.kind}"),
            "decisions": [Msg(f"conference.decision.{d}") for d in m.decisions] or Msg("conference.flow.no_decision"),
            "orgs": orgs or Msg("conference.flow.internal")}))
        if v.content:
            lines.append(Msg("conference.minutes.content", {"value": v.content}))
    return Reply(tuple(lines))
