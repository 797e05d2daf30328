"""🎁 지원 기록: the support dialog from a case card or an accepted referral, and the warning
that follows when the household already had this kind of support inside its window.

kind · (emergency support: the national-programme check, L10860–10864) · when (오늘 / 어제 /
📅 날짜, typed) · amount or frequency (skippable) · 💾 저장. A plain entry takes 5 taps:
🎁 지원 기록 · kind · 오늘 · 건너뛰기 · 💾 저장. The core then records it, or (a duplicate inside
the kind's window) the warning flow opens: which organisation gave it, in which month — nothing
more — and the giver goes on with a coded reason or stops (one more tap).

The case's options come in `@`-answers when the dialog opens (bot/support.py).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from dialogs import commands as cmd
from dialogs.events import Event, Text
from dialogs.flow import DONE, Accept, Asking, Flow, Parsed, Question, Reject, Route, Stay, TurnContext
from dialogs.questions import answer_value, check_text, option, parse_single, rows, wrong_kind
from dialogs.replies import Msg, Reply
from welfare.korea_time import kst_today
from welfare.support import AMOUNT_MAX

BACKDATE_DAYS = 366


def ask_kind(asking: Asking) -> Reply:
    a = asking.answers
    buttons = [option(k, Msg(f"support.kind.{k}")) for k in a.get("@kinds", [])]
    return Reply((Msg("support.flow.title", {"case": a["@case_id"], "receipt": a["@receipt"]}),
                  Msg("support.flow.kind")), rows(buttons, 2), expects="choice")


def _national(answers: Mapping[str, Any]) -> bool:
    return answers.get("kind") in (answers.get("@national_kinds") or [])


def ask_national(asking: Asking) -> Reply:
    items = [Msg(f"support.national.{i}") for i in asking.answers.get("@national_items", [])]
    return Reply((Msg("support.national.title"), *items),
                 ((option("checked", Msg("support.national.confirm")),),), expects="choice")


def _when_choices(ctx: TurnContext) -> list[tuple[str, date]]:
    today = kst_today(ctx.now)
    return [("today", today), ("yesterday", today - timedelta(days=1))]


def ask_when(asking: Asking) -> Reply:
    buttons = [option(f"date:{d.isoformat()}", Msg(f"support.flow.{k}", {"date": d.isoformat()}))
               for k, d in _when_choices(asking.ctx)]
    buttons.append(option("other", Msg("support.flow.other_day")))
    return Reply((Msg("support.flow.when"), Msg("support.flow.date_hint")), rows(buttons, 3), expects="choice")


def parse_when(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event) or ""
    if value == "other":  # 📅 날짜: the day is typed at the same question
        return Stay(notes=(Reply((Msg("support.flow.type_day"),)),))
    raw = value[5:] if value.startswith("date:") else event.text.strip() if isinstance(event, Text) else ""
    today = kst_today(asking.ctx.now)
    match = re.fullmatch(r"(?:(\d{4})[-./])?(\d{1,2})[-./](\d{1,2})", raw[:12])
    if not match:
        return wrong_kind(event, "buttons") if not isinstance(event, Text) else Reject(Msg("support.flow.bad_date"))
    try:
        chosen = date(int(match.group(1) or today.year), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return Reject(Msg("support.flow.bad_date"))
    if match.group(1) is None and chosen > today:  # "12-30" typed in January: last year's
        chosen = chosen.replace(year=chosen.year - 1)
    if not today - timedelta(days=BACKDATE_DAYS) <= chosen <= today:
        return Reject(Msg("support.flow.bad_date"))
    return Accept(chosen.isoformat())


def ask_amount(asking: Asking) -> Reply:
    return Reply((Msg("support.flow.amount"),), ((option("skip", Msg("support.flow.skip")),),), expects="text")


def parse_amount(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "skip":
        return Accept("")
    if isinstance(event, Text):
        return check_text(event.text, AMOUNT_MAX)
    return wrong_kind(event, "text")


def ask_review(asking: Asking) -> Reply:
    a = asking.answers
    lines = [Msg("support.flow.review", {"kind": Msg(f"support.kind.{a['kind']}"), "date": a["when"],
                                         "amount": a.get("amount") or "-"})]
    if _national(a):
        lines.append(Msg("support.flow.national_done"))
    return Reply(tuple(lines), ((option("save", Msg("support.flow.save")),),), expects="choice")


def finish(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    if answers.get("review") != "save":
        return [], []
    return [], [cmd.SubmitSupport(int(answers["@case_id"]), answers["kind"], answers["when"],
                                  answers.get("amount") or "", answers.get("@referral"),
                                  national_checked=_national(answers))]


def build_support_flow() -> Flow:
    q = Question
    questions = [
        q("kind", 1, ask_kind, parse_single(lambda a: a.answers.get("@kinds", [])), "help.support"),
        q("national", 2, ask_national, parse_single(lambda a: ["checked"]), "help.support"),
        q("when", 3, ask_when, parse_when, "help.support"),
        q("amount", 4, ask_amount, parse_amount, "help.support"),
        q("review", 5, ask_review, parse_single(lambda a: ["save"]), "help.support"),
    ]
    r = Route
    routes = [r("kind", "national", lambda a, c: _national(a)), r("kind", "when"), r("national", "when"),
              r("when", "amount"), r("amount", "review"), r("review", DONE)]
    return Flow("support", questions, routes, finish, total_steps=5, keep_drafts=False)


# -- the warning: a duplicate inside the kind's window ---------------------------------------------
def _giver(name: str, dong: bool) -> Msg | str:
    return Msg("support.giver.dong", {"dong": name}) if dong else name


def ask_go_on(asking: Asking) -> Reply:
    a = asking.answers
    lines = [Msg("support.warn.title", {"kind": Msg(f"support.kind.{a['@kind']}")})]
    lines += [Msg("support.warn.line", {"giver": _giver(name, bool(dong)), "month": month})
              for name, dong, month in a.get("@earlier", [])]
    lines.append(Msg("support.warn.ask"))
    buttons = [(option(r, Msg(f"support.reason.{r}")),) for r in a.get("@reasons", [])]
    buttons.append((option("stop", Msg("support.warn.stop")),))
    return Reply(tuple(lines), tuple(buttons), expects="choice")


def finish_go_on(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    choice = answers.get("go_on")
    if choice == "stop" or choice is None:
        return [Reply((Msg("support.stopped"),))], []
    return [], [cmd.SubmitSupport(int(answers["@case_id"]), answers["@kind"], answers["@given_on"],
                                  answers.get("@amount") or "", answers.get("@referral"),
                                  national_checked=bool(answers.get("@national")), confirm=True, reason=choice)]


def build_support_confirm_flow() -> Flow:
    questions = [Question("go_on", 1, ask_go_on,
                          parse_single(lambda a: [*a.answers.get("@reasons", []), "stop"]), "help.support")]
    return Flow("support_confirm", questions, [Route("go_on", DONE)], finish_go_on, total_steps=1, keep_drafts=False)
