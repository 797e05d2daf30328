"""Talking to a person, from the finder's short list: the 읍면동's phone, or "ask the 읍면동 to
contact me", which files a self report (위기가구 신고, 본인) through the report flow's own pieces.

The report flow's questions are reused where they fit (시군구, 읍면동 with the location pin,
phone number) and its summary, consent text and ``finish`` make the record, so a self report
from the finder is the same record a self report made from the menu is. What the finder already
knows is filled in instead of asked again: who (self), the situations, the household and age
band. Income and asset answers are never part of it.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogs import report_flow
from dialogs.events import Event, Text
from dialogs.finder_household import situations
from dialogs.flow import Accept, Asking, Parsed, TurnContext
from dialogs.questions import answer_value, check_text, option, rows, wrong_kind
from dialogs.replies import Msg, PhoneCall, Reply

CONTACT_MODES = ("telegram", "phone")  # a self report needs a way back to the person
# The report's own household and age-band ids, from what the finder learnt.
_ALONE_BY_STAGE = {"elderly": "older_alone", "middle_aged": "middle_aged_alone", "youth": "young_alone"}
_AGE_BAND_BY_STAGE = {"infant": "child", "child": "child", "teen": "youth", "youth": "young_adult",
                      "middle_aged": "middle_aged"}
_REPORT_SITUATION = {"energy": "money_basics", "young_carer": "care_gap"}


def dong_phone(answers: Mapping[str, Any], ctx: TurnContext) -> Reply:
    """The chosen 읍면동's number when the directory has one; 129 always."""
    dong = ctx.directory.dong(answers.get("where") or "")
    if dong is None:
        return Reply((Msg("finder.call.129"),))
    if dong.phone:
        return Reply((Msg("finder.call.dong", {"dong": dong.name, "phone": dong.phone}), Msg("finder.call.129")),
                     calls=(PhoneCall(dong.phone, Msg("call.dong_office", {"dong": dong.name})),
                            PhoneCall("129", Msg("hotline.129"))))
    return Reply((Msg("finder.call.dong_unknown", {"dong": dong.name}), Msg("finder.call.129")))


def ask_where(asking: Asking) -> Reply:
    reply = report_flow.ask_where(asking)  # the same 읍면동 buttons and location pin
    key = "finder.where.ask_call" if asking.answers.get("results") == "call" else "finder.where.ask"
    return Reply((Msg(key),), reply.buttons, expects=reply.expects)


def ask_contact(asking: Asking) -> Reply:
    buttons = [option(v, Msg(f"report.contact.{v}"), asking.answers.get("contact") == v) for v in CONTACT_MODES]
    return Reply((Msg("finder.contact.ask"),), rows(buttons, 1), expects="choice")


def parse_contact(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event)
    return Accept(value) if value in CONTACT_MODES else wrong_kind(event, "buttons")


def ask_note(asking: Asking) -> Reply:
    return Reply((Msg("finder.contact_note.ask"),), ((option("skip", Msg("finder.skip")),),), expects="text")


def parse_note(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "skip":
        return Accept("")
    if isinstance(event, Text):
        return check_text(event.text, report_flow.MAX_DESCRIPTION)
    return wrong_kind(event, "text")


def ask_consent(asking: Asking) -> Reply:
    report = self_report(asking.answers, asking.ctx)
    lines = [line for line in report_flow.summary_lines(report, asking.ctx)
             if line.key != "report.summary.description" or report["description"]]
    lines += [Msg("finder.consent.no_income"), Msg("report.consent", {"version": report_flow.CONSENT_VERSION})]
    return Reply(tuple(lines), ((option("file", Msg("report.file")),),), expects="choice")


def parse_consent(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "file":
        return Accept({"version": report_flow.CONSENT_VERSION, "at": asking.ctx.now.isoformat()})
    return wrong_kind(event, "buttons")


def self_report(answers: Mapping[str, Any], ctx: TurnContext) -> dict[str, Any]:
    """The report flow's answers for "ask the 읍면동 to contact me": a self report whose
    situations, household and age band come from the finder. No income, no assets."""
    taxonomy = report_flow.TAXONOMY
    known = {s.id for s in taxonomy.situations}
    picked = [_REPORT_SITUATION.get(s, s) for s in situations(answers) or []]
    report_situations = list(dict.fromkeys(s for s in picked if s in known)) or ["other"]
    ages = list(answers.get("ages") or [])
    size = max(int(answers.get("household_size") or 1), len(ages))
    stage = answers.get("life_stage") or ""
    if size == 1:
        household = _ALONE_BY_STAGE.get(stage, "unknown")
    elif "single_parent" in picked:
        household = "single_parent"
    elif answers.get("young_carer") == "yes":
        household = "caring_family"
    elif any(age < 18 for age in ages) or stage in ("infant", "child", "teen"):
        household = "family_with_children"
    else:
        household = "unknown"
    age_band = taxonomy.age_band_for(ages[0]).id if ages else _AGE_BAND_BY_STAGE.get(stage, "unknown")
    return {
        "who": report_flow.WHO_SELF, "situations": report_situations, "household": household,
        "household_size": taxonomy.household_size_for(size).id, "age_band": age_band, "gender": "unknown",
        "where": answers.get("where"), "location": answers.get("location"), "address": None,
        "description": answers.get("note") or "", "photo": None, "contact": answers.get("contact", "telegram"),
        "phone": answers.get("phone"), "review": answers.get("consent"),
    }
