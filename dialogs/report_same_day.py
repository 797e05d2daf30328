"""The 고독사 question of the crisis report: should someone check on them today?

Asked once, after the description, when what the reporter wrote (or ticked) looks like a
person who may be lying alone at home: not seen for days, mail or milk piling up, a smell, an
older person or someone living alone (welfare/danger.py, the [lonely_death] phrases). "Yes"
marks the report for a same-day visit (당일 방문): stored on the report, shown in the team
alert and to the caseworker, and listed with the urgent reports.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs.events import Event
from dialogs.flow import Accept, Asking, Parsed, TurnContext
from dialogs.questions import answer_value, option, wrong_kind
from dialogs.replies import Msg, Reply
from welfare.danger import lonely_death_pattern
from welfare.report_taxonomy import load_report_taxonomy

SAME_DAY = "same_day"  # the question's name and its answer: "yes" / "no"
_OLDER_BANDS = {"older", "very_old"}


def shows_lonely_death(answers: Mapping[str, Any], ctx: TurnContext) -> bool:
    taxonomy = load_report_taxonomy()
    household = answers.get("household")
    older_or_alone = (answers.get("age_band") in _OLDER_BANDS
                      or (bool(household) and taxonomy.household_type(household).lives_alone)
                      or "isolation" in (answers.get("situations") or ()))
    return lonely_death_pattern(answers.get("description"), older_or_alone=older_or_alone)


def ask_same_day(asking: Asking) -> Reply:
    current = asking.answers.get(SAME_DAY)
    return Reply((Msg("report.same_day.ask"), Msg("report.same_day.why")), (
        (option("yes", Msg("report.same_day.yes"), current == "yes"),),
        (option("no", Msg("report.same_day.no"), current == "no"),)), expects="choice")


def parse_same_day(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event)
    if value in ("yes", "no"):
        return Accept(value)
    return wrong_kind(event, "buttons")


def same_day_visit(answers: Mapping[str, Any]) -> bool:
    return answers.get(SAME_DAY) == "yes"
