"""The dialog engine: (conversation, event) → (conversation', replies, commands). Pure.

Everything a person can do at any question lives here once: back, cancel, help, the
emergency numbers, stale buttons, bad input with a way out after three tries, expiry into a
draft, and resuming that draft. Flows only declare their questions and routes.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from dialogs import commands as cmd
from dialogs.callback_data import is_case_button
from dialogs import danger_notice, home
from dialogs.conversation import Conversation
from dialogs.events import Choice, Command, Event, Photo, Text, Voice
from dialogs.flow import DONE, Accept, Asking, Flow, Jump, Reject, Stay, TurnContext
from dialogs.replies import Button, Msg, Reply, say
from welfare.danger import Danger, screen

MAX_FAILURES = 3
# The dialogs whose give-ups are counted per question (the coordinator's drop-off figures).
COUNTED_FLOWS = ("report", "finder")
NAV_BACK, NAV_CANCEL, NAV_SOS, NAV_HELP = "nav:back", "nav:cancel", "nav:sos", "nav:help"
NAV_ROW = (Button(NAV_BACK, Msg("nav.back")), Button(NAV_SOS, Msg("nav.sos")),
           Button(NAV_CANCEL, Msg("nav.cancel")))
EDITING = "_editing"


@dataclass
class Turn:
    conversation: Conversation
    replies: list[Reply] = field(default_factory=list)
    commands: list[cmd.Command] = field(default_factory=list)


def drop_off(convo: Conversation, how: str) -> list[cmd.Command]:
    """The count of a dialog given up at its open question (nothing about the person)."""
    if convo.flow in COUNTED_FLOWS and convo.state:
        return [cmd.CountDropOff(convo.flow, convo.state, how)]
    return []


class Engine:
    def __init__(self, flows: Mapping[str, Flow]) -> None:
        self.flows = dict(flows)

    # -- entry point ---------------------------------------------------------------------------
    def handle(self, conversation: Conversation, event: Event, ctx: TurnContext) -> Turn:
        turn = Turn(conversation.clone())
        convo = turn.conversation
        where_before = (convo.flow, convo.state, convo.answers.get("_edit_menu"))
        if convo.flow and convo.expires_at and ctx.now >= convo.expires_at:
            turn.commands += drop_off(convo, "expired")
            kept = self.park(convo)
            turn.replies.append(say("dialog.expired_draft_kept" if kept else "dialog.expired_closed"))
        # Every text a person writes is screened for danger first, whatever question is open.
        danger = danger_in(event)
        if isinstance(event, Command):
            self._command(turn, event, ctx)
        elif isinstance(event, Choice) and not event.value.startswith(("nav:", "q:")):
            self._home_choice(turn, event.value, ctx)
        elif convo.flow is None and danger:
            turn.replies += [danger_notice.danger_notice(danger), danger_notice.urgent_report_offer(danger)]
        elif convo.flow is None:
            home.show_menu(turn, ctx, greet=False, unknown_input=True)
        else:
            self._answer(turn, event, ctx, danger)
        # A new question (or leaving one) makes older buttons stale. Ticking options of a
        # multi-select stays on the same question, so quick taps on one keyboard all count.
        if (convo.flow, convo.state, convo.answers.get("_edit_menu")) != where_before or convo.flow is None:
            convo.version += 1
        convo.expires_at = ctx.now + ctx.ttl if convo.flow else None
        # Buttons drawn this turn belong to the new version; older ones become stale.
        turn.replies = [replace(r, version=convo.version) if r.buttons and r.version is None else r
                        for r in turn.replies]
        return turn

    def park(self, convo: Conversation) -> bool:
        """An idle flow is kept as a draft (True), unless the flow says its answers must not
        outlive it (the service finder's income answers): then it is closed (False)."""
        if convo.flow and not self.flows[convo.flow].keep_drafts:
            convo.leave_flow()
            return False
        convo.park_as_draft()
        return True

    # -- commands and menu ---------------------------------------------------------------------
    def _command(self, turn: Turn, event: Command, ctx: TurnContext) -> None:
        convo = turn.conversation
        name, arg = event.name, event.arg.strip()
        if name == "start":
            if arg == "report":
                self.start_flow(turn, "report", ctx)
            elif arg == "finder":
                self.start_flow(turn, "finder", ctx)
            elif arg.startswith("invite-"):
                convo.leave_flow()
                turn.commands.append(cmd.RegisterInvite(arg.removeprefix("invite-")))
            elif convo.flow:
                turn.replies.append(Reply((Msg("dialog.unfinished"),), (
                    (Button("menu:continue", Msg("menu.continue")),),
                    (Button("menu:restart", Msg("menu.restart")),)), expects="choice"))
            else:
                home.show_menu(turn, ctx, greet=True)
        elif name == "finder":
            self.start_flow(turn, "finder", ctx)
        elif name == "cancel":
            self._cancel(turn)
        elif name == "back" and convo.flow:
            self._back(turn, ctx)
        elif name == "help":
            turn.replies.append(Reply((Msg("help.commands"), Msg("reach.help.guide"))))
            self._reask_or_menu(turn, ctx)
        elif name == "guide":  # the one-page guide for 통장 and 명예사회복지공무원, short (docs/guides)
            turn.replies.append(say("reach.guide.short"))
            self._reask_or_menu(turn, ctx)
        elif name == "language":
            turn.replies.append(home.language_choice())
        elif name == "status":
            receipt = home.parse_receipt(arg)
            if arg and receipt is None:
                turn.replies.append(say("status.bad_receipt"))
            turn.commands.append(cmd.ShowStatus(receipt) if receipt else cmd.ListMyReports())
        elif name == "withdraw":
            receipt = home.parse_receipt(arg)
            if receipt is None:
                turn.replies.append(say("withdraw.usage"))
            else:  # destructive: ask once more, with a button
                turn.replies.append(Reply((Msg("withdraw.confirm", {"receipt": receipt}),), (
                    (Button(f"consent:withdraw:{receipt}", Msg("withdraw.yes")),),
                    (Button("menu:home", Msg("withdraw.no")),)), expects="choice"))
        elif name == "cases":
            turn.commands.append(cmd.ShowCases())
        elif name == "case":
            turn.commands.append(cmd.ShowCase(arg))
        elif name == "followup":
            turn.commands.append(cmd.OpenFollowup(arg))
        elif name == "office":
            turn.commands.append(cmd.OfficeLink())
        elif name == "referrals":
            turn.commands.append(cmd.ShowReferrals())
        elif name == "resources":
            turn.commands.append(cmd.ShowResources(arg))
        elif name in ("menu", "back"):
            home.show_menu(turn, ctx, greet=False)
        else:
            turn.replies.append(say("dialog.unknown_command"))
            self._reask_or_menu(turn, ctx)

    def _home_choice(self, turn: Turn, value: str, ctx: TurnContext) -> None:
        convo = turn.conversation
        if value == "menu:report":
            self.start_flow(turn, "report", ctx)
        elif value.startswith(danger_notice.URGENT_REPORT):
            # One tap from a danger notice: straight into a report already urgent (a draft,
            # if any, stays kept for later).
            kinds = danger_notice.kinds_from_button(value)
            convo.leave_flow()
            convo.flow, convo.state = "report", self.flows["report"].first
            convo.answers.update(danger_notice.urgent_report_answers(kinds))
            self._ask(turn, ctx)
        elif value == "menu:finder":
            self.start_flow(turn, "finder", ctx)
        elif value == "menu:continue" and convo.flow:
            self._ask(turn, ctx)
        elif value == "menu:restart" and convo.flow:
            flow = convo.flow
            convo.leave_flow()
            self.start_flow(turn, flow, ctx)
        elif value == "draft:resume" and convo.draft:
            draft, convo.draft = convo.draft, None
            convo.flow, convo.state = draft["flow"], draft["state"]
            convo.answers, convo.history = dict(draft["answers"]), list(draft["history"])
            turn.replies.append(say("dialog.draft_resumed"))
            self._ask(turn, ctx)
        elif value == "draft:discard":
            convo.draft = None
            turn.replies.append(say("dialog.draft_discarded"))
            home.show_menu(turn, ctx, greet=False)
        elif value == "menu:status":
            turn.commands.append(cmd.ListMyReports())
        elif value == "menu:sos":
            turn.replies.append(home.emergency_numbers())
            self._reask_or_menu(turn, ctx)
        elif value == "menu:language":
            turn.replies.append(home.language_choice())
        elif value.startswith("lang:") and value.removeprefix("lang:") in home.LANGUAGES:
            convo.locale = value.removeprefix("lang:")
            turn.replies.append(say("language.changed"))
            self._reask_or_menu(turn, ctx)
        elif value.startswith("consent:withdraw:") and home.parse_receipt(value.rsplit(":", 1)[1]):
            turn.commands.append(cmd.WithdrawConsent(home.parse_receipt(value.rsplit(":", 1)[1])))
        elif is_case_button(value):
            turn.commands.append(cmd.CaseButton(value))
        elif value == "menu:home":
            home.show_menu(turn, ctx, greet=False)
        else:  # an old or forged button: say so, then show where we are
            turn.replies.append(say("dialog.stale_button"))
            self._reask_or_menu(turn, ctx)

    def begin_flow(self, conversation: Conversation, flow_name: str, answers: Mapping[str, Any],
                   ctx: TurnContext) -> Turn:
        """Open a flow with answers known beforehand (a follow-up call knows its case)."""
        turn = Turn(conversation.clone())
        convo = turn.conversation
        convo.leave_flow()
        convo.flow, convo.state = flow_name, self.flows[flow_name].first
        convo.answers.update(answers)
        self._ask(turn, ctx)
        convo.version += 1
        convo.expires_at = ctx.now + ctx.ttl
        turn.replies = [replace(r, version=convo.version) if r.buttons and r.version is None else r
                        for r in turn.replies]
        return turn

    def start_flow(self, turn: Turn, flow_name: str, ctx: TurnContext) -> None:
        convo = turn.conversation
        if convo.draft and convo.draft.get("flow") == flow_name and not convo.flow:
            turn.replies.append(Reply((Msg("dialog.draft_found"),), (
                (Button("draft:resume", Msg("draft.resume")),),
                (Button("draft:discard", Msg("draft.discard")),)), expects="choice"))
            return
        flow = self.flows[flow_name]
        convo.leave_flow()
        convo.flow, convo.state = flow_name, flow.first
        self._ask(turn, ctx)

    # -- answering a question ------------------------------------------------------------------
    def _answer(self, turn: Turn, event: Event, ctx: TurnContext, danger: Danger | None = None) -> None:
        convo = turn.conversation
        flow = self.flows[convo.flow]  # type: ignore[index]
        question = flow.questions[convo.state]  # type: ignore[index]
        if danger:
            # The numbers first; the danger is remembered (it makes a report urgent). A text
            # that tells what happened (a description, a note) is still taken as the answer;
            # anywhere else the question is asked again.
            turn.replies.append(danger_notice.danger_notice(danger))
            convo.answers[danger_notice.DANGER_ANSWER] = danger_notice.merge_danger(convo.answers, danger)
            if not question.keeps_danger_text:
                return self._ask(turn, ctx)
        if isinstance(event, Choice):
            if event.version is not None and event.version != convo.version:
                turn.replies.append(say("dialog.stale_button"))
                self._ask(turn, ctx)
                return
            if event.value == NAV_BACK:
                return self._back(turn, ctx)
            if event.value == NAV_CANCEL:
                return self._cancel(turn)
            if event.value == NAV_SOS:
                turn.replies.append(home.emergency_numbers())
                return self._ask(turn, ctx)
            if event.value == NAV_HELP:
                turn.replies.append(say(question.help_key))
                return self._ask(turn, ctx)
        parsed = question.parse(event, Asking(convo.answers, ctx))
        if isinstance(parsed, Reject):
            convo.failures += 1
            turn.replies.append(Reply((parsed.reason,)))
            if convo.failures >= MAX_FAILURES:
                turn.replies.append(Reply((Msg("dialog.having_trouble"),), (
                    (Button("menu:restart", Msg("menu.restart")),),
                    (Button(NAV_CANCEL, Msg("nav.cancel")), Button(NAV_SOS, Msg("nav.sos")))),
                    expects="choice"))
                convo.failures = 0
                return
            return self._ask(turn, ctx)
        convo.failures = 0
        if isinstance(parsed, Stay):
            convo.answers.update(parsed.updates)
            turn.replies.extend(parsed.notes)
            return self._ask(turn, ctx)
        if isinstance(parsed, Jump):
            convo.history.append(convo.state)  # type: ignore[arg-type]
            convo.answers.update(parsed.updates)
            convo.answers[EDITING] = True
            convo.state = parsed.to
            return self._ask(turn, ctx)
        self._advance(turn, flow, parsed, ctx)

    def _advance(self, turn: Turn, flow: Flow, accepted: Accept, ctx: TurnContext) -> None:
        convo = turn.conversation
        while True:
            state = convo.state
            convo.answers[state] = accepted.value  # type: ignore[index]
            convo.answers.update(accepted.also)
            turn.replies.extend(accepted.notes)
            turn.commands.extend(accepted.commands)
            nxt = flow.next_state(state, convo.answers, ctx)  # type: ignore[arg-type]
            if nxt is None:  # a flow bug, not the person's fault: stay and ask again
                turn.replies.append(say("dialog.stale_button"))
                return self._ask(turn, ctx)
            convo.history.append(state)  # type: ignore[arg-type]
            convo.state = nxt
            if nxt == DONE:
                return self._finish(turn, flow, ctx)
            # Correcting one answer from the summary: skip questions already answered.
            if convo.answers.get(EDITING) and nxt in convo.answers and flow.questions[nxt].editable:
                accepted = Accept(convo.answers[nxt])
                continue
            return self._ask(turn, ctx)

    def _finish(self, turn: Turn, flow: Flow, ctx: TurnContext) -> None:
        convo = turn.conversation
        # Answers to questions off the path actually taken do not count (an edit may have
        # changed the route); values learnt along the way (a pin's coordinates) do.
        skipped = set(flow.questions) - set(convo.history)
        answers = {k: v for k, v in convo.answers.items() if k not in skipped and not k.startswith("_")}
        replies, commands = flow.finish(answers, ctx)
        convo.leave_flow()
        turn.replies.extend(replies)
        turn.commands.extend(commands)

    def _back(self, turn: Turn, ctx: TurnContext) -> None:
        convo = turn.conversation
        if not convo.history:
            convo.leave_flow()
            return home.show_menu(turn, ctx, greet=False)
        convo.state = convo.history.pop()
        convo.failures = 0
        self._ask(turn, ctx)

    def _cancel(self, turn: Turn) -> None:
        convo = turn.conversation
        was_in_flow = convo.flow is not None
        turn.commands += drop_off(convo, "cancelled")
        convo.leave_flow()
        turn.replies.append(Reply((Msg("dialog.cancelled" if was_in_flow else "dialog.nothing_to_cancel"),),
                                  home.menu_buttons(), expects="choice"))

    # -- asking --------------------------------------------------------------------------------
    def _reask_or_menu(self, turn: Turn, ctx: TurnContext) -> None:
        if turn.conversation.flow:
            self._ask(turn, ctx)
        else:
            home.show_menu(turn, ctx, greet=False)

    def _ask(self, turn: Turn, ctx: TurnContext) -> None:
        convo = turn.conversation
        flow = self.flows[convo.flow]  # type: ignore[index]
        question = flow.questions[convo.state]  # type: ignore[index]
        reply = question.ask(Asking(convo.answers, ctx))
        step, total = flow.progress(convo.state, convo.answers, ctx, len(convo.history))  # type: ignore[arg-type]
        progress = (Msg("dialog.progress", {"step": step, "total": total}) if total is not None
                    else Msg("dialog.progress_open", {"step": step}))
        turn.replies.append(Reply((progress, *reply.lines), (*reply.buttons, NAV_ROW),
                                  expects=reply.expects, extra=reply.extra))

    def current_buttons(self, conversation: Conversation, ctx: TurnContext) -> list[Button]:
        """The buttons of the question now open, so typed text equal to a label counts as a
        press (reply keyboards send labels as text)."""
        if not conversation.flow or conversation.state not in self.flows[conversation.flow].questions:
            return [b for row in home.menu_buttons() for b in row]
        question = self.flows[conversation.flow].questions[conversation.state]
        reply = question.ask(Asking(conversation.answers, ctx))
        return [b for row in (*reply.buttons, NAV_ROW) for b in row]



def danger_in(event: Event) -> Danger:
    """Danger in what the person wrote: a message, or a photo's or recording's caption (the
    recording itself cannot be read: dialogs/report_voice.py flags it for a same-day listen)."""
    if isinstance(event, Text):
        return screen(event.text)
    if isinstance(event, (Photo, Voice)) and event.caption:
        return screen(event.caption)
    return Danger()
