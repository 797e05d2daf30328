"""🤝 의뢰하기: the guided referral dialog from a case card (서식6 서비스 의뢰서, L12309–12411).

Four questions, so the manual the field lacks is the dialog itself: which need · which
organisation (those of the area that take that need, first) · a note (skippable) · what will be
sent, shown before sending — only what the case's 서식2 consent covers for that organisation.
When consent does not name it, nothing can be sent until a new consent is recorded: the review
says so and offers to record the new consent (naming this organisation) with the referral.
A referral takes 5 taps: 🤝 의뢰하기 · need · organisation · skip the note · 📤 보내기.

The case's options are known when the dialog opens (bot/referrals.py puts them in `@`-answers):
the needs, the suggested organisations per need, and per organisation what consent lets go.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs import commands as cmd
from dialogs.events import Event, Text
from dialogs.flow import DONE, Accept, Asking, Flow, Parsed, Question, Route, TurnContext
from dialogs.questions import answer_value, check_text, option, parse_single, rows, wrong_kind
from dialogs.replies import Msg, Reply

NOTE_MAX = 500


def _orgs(answers: Mapping[str, Any]) -> list[list[str]]:
    return list((answers.get("@orgs") or {}).get(answers.get("need") or "", []))


def _org_name(answers: Mapping[str, Any], code: str) -> str:
    return next((name for c, name in _orgs(answers) if c == code), code)


def ask_need(asking: Asking) -> Reply:
    a = asking.answers
    buttons = [option(n, Msg(f"checklist.domain.{n}")) for n in a.get("@needs", [])]
    return Reply((Msg("referral.flow.title", {"case": a["@case_id"], "receipt": a["@receipt"]}),
                  Msg("referral.flow.need")), rows(buttons, 2), expects="choice")


def ask_org(asking: Asking) -> Reply:
    covers = asking.answers.get("@covers") or {}
    buttons = [option(code, Msg("referral.flow.org_consented" if code in covers else "referral.flow.org_no_consent",
                                {"name": name})) for code, name in _orgs(asking.answers)]
    if not buttons:
        return Reply((Msg("referral.flow.no_org"),), expects="choice")
    # Who can take this: organisations with a verified resource for the need in the case's 동
    # (the resource directory, core/resources.py) are listed with it, and come first.
    offered = (asking.answers.get("@resources") or {}).get(asking.answers.get("need") or "", [])
    lines = (Msg("resource.suggested"), *(Msg("resource.suggested.item", {"org": org, "name": name})
                                          for _, org, name in offered)) if offered else ()
    return Reply((*lines, Msg("referral.flow.org")), rows(buttons, 1), expects="choice")


def ask_note(asking: Asking) -> Reply:
    return Reply((Msg("referral.flow.note"),), ((option("skip", Msg("referral.flow.skip_note")),),), expects="text")


def parse_note(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "skip":
        return Accept("")
    if isinstance(event, Text):
        return check_text(event.text, NOTE_MAX)
    return wrong_kind(event, "text")


def _fields(answers: Mapping[str, Any]) -> tuple[list[str] | None, list[str]]:
    """What goes now (None: consent does not name the organisation) and what would go after a
    new consent that names it (the same parts as the current consent)."""
    org = answers.get("org") or ""
    covers = answers.get("@covers") or {}
    return (list(covers[org]) if org in covers else None), list(answers.get("@after_new_consent") or [])


def ask_review(asking: Asking) -> Reply:
    a = asking.answers
    now, after = _fields(a)
    lines = [Msg("referral.flow.review", {"org": _org_name(a, a["org"]), "need": Msg(f"checklist.domain.{a['need']}"),
                                          "note": a.get("note") or "-"})]
    if now is not None:
        lines.append(Msg("referral.flow.sends", {"value": [Msg(f"referral.field.{f}") for f in now]
                                                 or Msg("referral.flow.nothing_personal")}))
        buttons = ((option("send", Msg("referral.flow.send")),), (option("change", Msg("referral.flow.change_org")),))
    else:
        lines.append(Msg("referral.error.consent_missing"))
        lines.append(Msg("referral.flow.sends_after_consent", {"value": [Msg(f"referral.field.{f}") for f in after]
                                                               or Msg("referral.flow.nothing_personal")}))
        buttons = ((option("consent_send", Msg("referral.flow.consent_and_send")),),
                   (option("change", Msg("referral.flow.change_org")),))
    return Reply(tuple(lines), buttons, expects="choice")


def _review_choices(asking: Asking) -> list[str]:
    now, _ = _fields(asking.answers)
    return ["send" if now is not None else "consent_send", "change"]


def finish(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    choice = answers.get("review")
    if choice not in ("send", "consent_send"):
        return [], []
    return [], [cmd.SubmitReferral(int(answers["@case_id"]), answers["org"], answers["need"], answers.get("note") or "",
                                   choice == "consent_send")]


def build_referral_flow() -> Flow:
    q = Question
    questions = [
        q("need", 1, ask_need, parse_single(lambda a: a.answers.get("@needs", [])), "help.referral"),
        q("org", 2, ask_org, parse_single(lambda a: [c for c, _ in _orgs(a.answers)]), "help.referral"),
        q("note", 3, ask_note, parse_note, "help.referral"),
        q("review", 4, ask_review, parse_single(_review_choices), "help.referral"),
    ]
    r = Route
    routes = [r("need", "org"), r("org", "note"), r("note", "review"),
              r("review", "org", lambda a, c: a.get("review") == "change"), r("review", DONE)]
    return Flow("referral", questions, routes, finish, total_steps=4, keep_drafts=False)
