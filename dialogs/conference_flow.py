"""🗓 사례회의: recording a short case conference from a case card (서식4, made light).

Five questions, one at a time: when it was held · which organisations attended (picked, none
for an internal meeting) · what it decided (대상자 선정, 서비스 제공계획 확정, 종결 — any or none) ·
a note (skippable; screened for danger like every text) · a review with 💾 저장. With two
organisations and a selection decision that is 9 taps: 🗓 사례회의 · 오늘 · org · org · 다음 ·
대상자 선정 · 다음 · 건너뛰기 · 저장.

The case's options are known when the dialog opens (bot/conferences.py puts them in
`@`-answers): the case, and the organisations to pick from (those its consent names first).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from dialogs import commands as cmd
from dialogs.events import Event, Text
from dialogs.flow import DONE, Accept, Asking, Flow, Parsed, Question, Reject, Route, Stay, TurnContext
from dialogs.questions import answer_value, check_text, option, parse_single, rows, selected_set, wrong_kind
from dialogs.replies import Msg, Reply
from welfare.conferences import Decision
from welfare.korea_time import kst_today

NOTE_MAX = 1000
DAYS_BACK = 3  # 오늘, 어제, 그제: a conference is recorded soon after it is held
PICKING_ORGS, PICKING_DECISIONS = "_picking_orgs", "_picking_decisions"


def _orgs(answers: Mapping[str, Any]) -> list[list[str]]:
    return list(answers.get("@orgs") or [])


def _day(ctx: TurnContext, back: int) -> str:
    return (kst_today(ctx.now) - timedelta(days=back)).isoformat()


def ask_date(asking: Asking) -> Reply:
    a = asking.answers
    buttons = [option(str(n), Msg(f"conference.flow.day.{n}", {"date": _day(asking.ctx, n)})) for n in range(DAYS_BACK)]
    return Reply((Msg("conference.flow.title", {"case": a["@case_id"], "receipt": a["@receipt"]}),
                  Msg("conference.flow.date")), rows(buttons, 1), expects="choice")


def parse_date(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event)
    if value in {str(n) for n in range(DAYS_BACK)}:
        return Accept(_day(asking.ctx, int(value)))
    return wrong_kind(event, "buttons")


def _toggle(event: Event, asking: Asking, working: str, final: str, valid: list[str]) -> Parsed:
    value = answer_value(event)
    picked = selected_set(asking.answers, working, final)
    if value == "done":
        return Accept(picked, also={working: picked})
    if value and value.startswith("toggle:") and value[7:] in valid:
        choice = value[7:]
        picked = [p for p in picked if p != choice] if choice in picked else [*picked, choice]
        return Stay({working: picked})
    return wrong_kind(event, "buttons")


def ask_orgs(asking: Asking) -> Reply:
    picked = selected_set(asking.answers, PICKING_ORGS, "orgs")
    buttons = [option(f"toggle:{code}", name, code in picked) for code, name in _orgs(asking.answers)]
    done = option("done", Msg("conference.flow.next", {"count": len(picked)}))
    return Reply((Msg("conference.flow.orgs"),), (*rows(buttons, 1), (done,)), expects="choice")


def parse_orgs(event: Event, asking: Asking) -> Parsed:
    return _toggle(event, asking, PICKING_ORGS, "orgs", [c for c, _ in _orgs(asking.answers)])


def ask_decisions(asking: Asking) -> Reply:
    picked = selected_set(asking.answers, PICKING_DECISIONS, "decisions")
    buttons = [option(f"toggle:{d.value}", Msg(d.label_key), d.value in picked) for d in Decision]
    done = option("done", Msg("conference.flow.next", {"count": len(picked)}))
    return Reply((Msg("conference.flow.decisions"),), (*rows(buttons, 1), (done,)), expects="choice")


def parse_decisions(event: Event, asking: Asking) -> Parsed:
    return _toggle(event, asking, PICKING_DECISIONS, "decisions", [d.value for d in Decision])


def ask_note(asking: Asking) -> Reply:
    return Reply((Msg("conference.flow.note"),), ((option("skip", Msg("conference.flow.skip_note")),),),
                 expects="text")


def parse_note(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "skip":
        return Accept("")
    if isinstance(event, Text):
        return check_text(event.text, NOTE_MAX)
    return wrong_kind(event, "text")


def ask_review(asking: Asking) -> Reply:
    a = asking.answers
    names = dict((c, n) for c, n in _orgs(a))
    orgs = [names.get(c, c) for c in a.get("orgs") or []]
    decisions = [Msg(f"conference.decision.{d}") for d in a.get("decisions") or []]
    lines = (Msg("conference.flow.review", {"date": a.get("date", "-"),
                                            "orgs": orgs or Msg("conference.flow.internal"),
                                            "decisions": decisions or Msg("conference.flow.no_decision"),
                                            "note": a.get("note") or "-"}),)
    return Reply(lines, ((option("save", Msg("conference.flow.save")),),), expects="choice")


def parse_review(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "save":
        return Accept("save")
    if isinstance(event, Text):
        return Reject(Msg("input.use_buttons"))
    return wrong_kind(event, "buttons")


def finish(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    if answers.get("review") != "save":
        return [], []
    return [], [cmd.SubmitConference(int(answers["@case_id"]), answers["date"], tuple(answers.get("orgs") or ()),
                                     tuple(answers.get("decisions") or ()), answers.get("note") or "")]


def build_conference_flow() -> Flow:
    q = Question
    questions = [
        q("date", 1, ask_date, parse_date, "help.conference"),
        q("orgs", 2, ask_orgs, parse_orgs, "help.conference"),
        q("decisions", 3, ask_decisions, parse_decisions, "help.conference"),
        q("note", 4, ask_note, parse_note, "help.conference", keeps_danger_text=True),
        q("review", 5, ask_review, parse_review, "help.conference"),
    ]
    r = Route
    routes = [r("date", "orgs"), r("orgs", "decisions"), r("decisions", "note"), r("note", "review"),
              r("review", DONE)]
    return Flow("conference", questions, routes, finish, total_steps=5, keep_drafts=False)


__all__ = ["build_conference_flow", "parse_single"]
