"""The crisis report (위기가구 신고), modelled on the Ministry's 복지위기 알림 앱, made lighter.

Happy path for a neighbour (11 taps + one free text): whose problem · who is telling us ·
situations (tick + done) · household · age · gender · 읍면동 · address (skip) · what you saw
(text) · contact · agree-and-file. Someone asking for themselves, or a registered member whose
type we know, is not asked who they are. Any urgent sign (suicide talk, violence or abuse, a medical emergency) tells the
reporter whom to call at once and takes the short path straight to "where".
Guide: the 시군구 runs a channel open to all citizens that does not leak the household's data
on the way (L5856–5864); suspected violence or abuse goes to the specialist body at once
(L3702–3707).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import phonenumbers

from dialogs import commands as cmd
from dialogs.events import Contact, Event, Location, Photo, Text
from dialogs.flow import DONE, Accept, Asking, Flow, Jump, Parsed, Question, Reject, Route, Stay, TurnContext
from dialogs.questions import (
    answer_value, check_text, option, parse_free_text, parse_single, rows, selected_set, wrong_kind,
)
from dialogs.danger_notice import DANGER_ANSWER, urgent_signs_of
from dialogs.replies import Button, Msg, Reply
from dialogs import report_voice
from dialogs.report_same_day import SAME_DAY, ask_same_day, parse_same_day, same_day_visit, shows_lonely_death
from welfare.crisis_report import CrisisReport
from welfare.report_taxonomy import load_report_taxonomy

TAXONOMY = load_report_taxonomy()
TOTAL_STEPS = 11  # the longest usual path; the progress shown follows the path taken (Flow.progress)
CONSENT_VERSION = "report-consent-2026-11"
MAX_DESCRIPTION = 1000
MAX_ADDRESS = 200
WHO_SELF, WHO_NEIGHBOUR = "self", "neighbour"
REPORTER_TYPES = ("honorary_officer", "tongban_jang", "mandatory_reporter", "partner_staff",
                  "council_member")
RESIDENT = "resident"  # a reporter who is none of the registered types (주민·이웃)
PICKING = "_situations_picking"
EDIT_MENU = "_edit_menu"


def is_urgent(answers: Mapping[str, Any]) -> bool:
    """An urgent sign ticked, or danger in anything the reporter wrote (dialogs/engine.py)."""
    urgent_ids = {s.id for s in TAXONOMY.urgent_signs}
    return any(s in urgent_ids for s in answers.get("situations") or ()) or bool(answers.get(DANGER_ANSWER))


# -- 1. whose problem ("누구의 일인가요?"), then who is telling us -------------------------------
def _who_options(asking: Asking) -> list[str]:
    return [WHO_SELF, WHO_NEIGHBOUR]


def _who_label(value: str) -> Msg:
    # Drafts kept before the two questions were split may still hold a reporter type here.
    return Msg(f"report.who.{value}") if value in (WHO_SELF, WHO_NEIGHBOUR) else Msg(f"reporter_type.{value}")


def ask_who(asking: Asking) -> Reply:
    buttons = [option(v, _who_label(v), asking.answers.get("who") == v) for v in _who_options(asking)]
    return Reply((Msg("report.who.ask"),), rows(buttons, 1), expects="choice")


def _type_is_known(ctx: TurnContext) -> bool:
    member = ctx.member
    return member is not None and member.role in REPORTER_TYPES  # known from registration


def _skips_reporter_type(answers: Mapping[str, Any], ctx: TurnContext) -> bool:
    """Someone telling us about their own household is the resident concerned: one tap fewer."""
    return answers.get("who") == WHO_SELF or _type_is_known(ctx)


def _reporter_type_options(asking: Asking) -> list[str]:
    return [RESIDENT, *REPORTER_TYPES]


def ask_reporter_type(asking: Asking) -> Reply:
    buttons = [option(v, Msg(f"reporter_type.{v}"), asking.answers.get("reporter_type") == v)
               for v in _reporter_type_options(asking)]
    return Reply((Msg("report.reporter_type.ask"),), rows(buttons, 1), expects="choice")


# -- 1b. mandatory reporter category (신고의무자, 26 categories in 6 groups) -----------------------
def ask_mandatory_group(asking: Asking) -> Reply:
    buttons = [option(g.id, Msg(f"mandatory_group.{g.id}")) for g in TAXONOMY.mandatory_groups]
    return Reply((Msg("report.mandatory_group.ask"),), rows(buttons, 2), expects="choice")


def _categories_in(asking: Asking) -> list[str]:
    group = asking.answers.get("mandatory_group")
    return [c.id for c in TAXONOMY.mandatory_reporter_categories if c.group == group]


def ask_mandatory_category(asking: Asking) -> Reply:
    buttons = [option(c, Msg(f"mandatory.{c}")) for c in _categories_in(asking)]
    return Reply((Msg("report.mandatory_category.ask"),), rows(buttons, 1), expects="choice")


# -- 2. situations (multi-select; urgent signs first) --------------------------------------------
def _situation_ids() -> list[str]:
    return [s.id for s in TAXONOMY.urgent_signs] + [s.id for s in TAXONOMY.situations
                                                    if s.id not in {u.id for u in TAXONOMY.urgent_signs}]


def _situation_label(sid: str) -> Msg:
    urgent = {u.id for u in TAXONOMY.urgent_signs}
    if sid in urgent:  # danger now: marked so it stands out on a small screen
        return Msg("report.situations.urgent_label", {"label": Msg(f"urgent.{sid}")})
    return Msg(f"situation.{sid}")


def ask_situations(asking: Asking) -> Reply:
    picked = selected_set(asking.answers, PICKING, "situations")
    buttons = [option(f"toggle:{sid}", _situation_label(sid), sid in picked) for sid in _situation_ids()]
    done = option("done", Msg("report.situations.done", {"count": len(picked)}))
    return Reply((Msg("report.situations.ask"), Msg("report.situations.examples")),
                 (*rows(buttons, 2), (done,)), expects="choice")


def parse_situations(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event)
    picked = selected_set(asking.answers, PICKING, "situations")
    if value == "done":
        if not picked:
            return Reject(Msg("report.situations.pick_one"))
        return Accept(picked, also={PICKING: picked})
    if value and value.startswith("toggle:") and value[7:] in _situation_ids():
        sid = value[7:]
        notes: tuple[Reply, ...] = ()
        if sid in picked:
            picked.remove(sid)
        else:
            picked.append(sid)
            if sid in {u.id for u in TAXONOMY.urgent_signs}:
                notes = (Reply((Msg("urgent.now"), Msg(f"urgent.{sid}.call"))),)
        return Stay({PICKING: picked}, notes)
    return wrong_kind(event, "buttons")


# -- 3-5. household, size, age band, gender ------------------------------------------------------
def _choice_question(name: str, ids_of, per_row: int, key_prefix: str) -> tuple:
    def ask(asking: Asking) -> Reply:
        buttons = [option(i, Msg(f"{key_prefix}.{i}"), asking.answers.get(name) == i) for i in ids_of()]
        return Reply((Msg(f"report.{name}.ask"),), rows(buttons, per_row), expects="choice")
    return ask, parse_single(lambda asking: ids_of())


def _lives_alone(answers: Mapping[str, Any], ctx: TurnContext) -> bool:
    return TAXONOMY.household_type(answers.get("household")).lives_alone


# -- 6. where ------------------------------------------------------------------------------------
def _needs_sigungu(ctx: TurnContext) -> bool:
    return len(ctx.directory.sigungus) > 1


def ask_sigungu(asking: Asking) -> Reply:
    buttons = [option(f"sigungu:{s.code}", s.name) for s in asking.ctx.directory.sigungus]
    return Reply((Msg("report.where_sigungu.ask"),), rows(buttons, 2), expects="choice")


def parse_sigungu(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event) or ""
    code = value.removeprefix("sigungu:")
    if value.startswith("sigungu:") and asking.ctx.directory.sigungu(code):
        return Accept(code)
    return wrong_kind(event, "buttons")


def _dongs(asking: Asking) -> list:
    directory = asking.ctx.directory
    sigungu = asking.answers.get("where_sigungu") or (directory.sigungus[0].code if directory.sigungus else "")
    return directory.dongs_of(sigungu)


def ask_where(asking: Asking) -> Reply:
    pin = Button("q:pin", Msg("report.where.send_pin"), kind="location")
    buttons = [option(f"dong:{d.code}", d.name, asking.answers.get("where") == d.code) for d in _dongs(asking)]
    return Reply((Msg("report.where.ask"),), ((pin,), *rows(buttons, 3)), expects="location")


def parse_where(event: Event, asking: Asking) -> Parsed:
    if isinstance(event, Location):
        dong = asking.ctx.directory.nearest_dong(event.lat, event.lon)
        if dong is None:
            return Reject(Msg("report.where.pin_outside"))
        return Accept(dong.code, also={"location": [round(event.lat, 6), round(event.lon, 6)]},
                      notes=(Reply((Msg("report.where.pinned", {"dong": dong.name}),)),))
    value = answer_value(event) or ""
    if value.startswith("dong:") and asking.ctx.directory.dong(value[5:]):
        return Accept(value[5:], also={"location": None})
    return wrong_kind(event, "location")


def ask_address(asking: Asking) -> Reply:
    return Reply((Msg("report.address.ask"),), ((option("skip", Msg("report.address.skip")),),),
                 expects="text")


def parse_address(event: Event, asking: Asking) -> Parsed:
    if answer_value(event) == "skip":
        return Accept(None)
    if isinstance(event, Text):
        return check_text(event.text, MAX_ADDRESS)
    return wrong_kind(event, "text")


# -- 7. what they saw (free text, optional photo) ------------------------------------------------
def ask_description(asking: Asking) -> Reply:
    lines = [Msg("report.description.ask"), Msg("report.description.photo_hint")]
    if asking.answers.get("photo"):
        lines.append(Msg("report.description.photo_kept"))
    lines += report_voice.description_lines(asking.answers)
    return Reply(tuple(lines), report_voice.description_buttons(asking.answers), expects="text")


def parse_description(event: Event, asking: Asking) -> Parsed:
    spoken = report_voice.parse_spoken(event, asking, MAX_DESCRIPTION)
    if spoken is not None:
        return spoken
    if isinstance(event, Photo):
        if event.size is not None and event.size > asking.ctx.max_photo_bytes:
            return Reject(Msg("input.photo_too_big", {"max_mb": asking.ctx.max_photo_bytes // (1024 * 1024)}))
        if event.caption and event.caption.strip():
            checked = check_text(event.caption, MAX_DESCRIPTION, 2)
            if isinstance(checked, Accept):
                return Accept(checked.value, also={"photo": event.ref})
            return checked
        return Stay({"photo": event.ref}, notes=(Reply((Msg("report.description.photo_received"),)),))
    return parse_free_text(MAX_DESCRIPTION, 2)(event, asking)


# -- 8. contact ----------------------------------------------------------------------------------
def _contact_options(asking: Asking) -> list[str]:
    if asking.answers.get("who") == WHO_SELF:
        return ["telegram", "phone"]  # help cannot reach an anonymous person asking for themselves
    return ["anonymous", "telegram", "phone"]


def ask_contact(asking: Asking) -> Reply:
    buttons = [option(v, Msg(f"report.contact.{v}"), asking.answers.get("contact") == v)
               for v in _contact_options(asking)]
    return Reply((Msg("report.contact.ask"),), rows(buttons, 1), expects="choice")


def ask_phone(asking: Asking) -> Reply:
    share = Button("q:share_phone", Msg("report.phone.share"), kind="contact")
    return Reply((Msg("report.phone.ask"),), ((share,),), expects="text")


def normalise_phone(raw: str) -> str | None:
    """A Korean phone number in E.164 (+821012345678), or None if it is not a valid one."""
    try:
        number = phonenumbers.parse(raw.strip(), "KR")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_phone(event: Event, asking: Asking) -> Parsed:
    raw = event.phone if isinstance(event, Contact) else event.text if isinstance(event, Text) else None
    if raw is None:
        return wrong_kind(event, "phone")
    if len(raw) > 40:
        return Reject(Msg("report.phone.invalid"))
    phone = normalise_phone(raw)
    return Accept(phone) if phone else Reject(Msg("report.phone.invalid"))


# -- the summary, consent, and filing ------------------------------------------------------------
EDITABLE = ("who", "reporter_type", "situations", "household", "age_band", "gender", "where", "address",
            "description", "contact")


def summary_lines(answers: Mapping[str, Any], ctx: TurnContext) -> list[Msg]:
    lines = [Msg("report.summary.title")]
    lines.append(Msg("report.summary.who", {"value": _who_label(answers["who"])}))
    if answers.get("reporter_type"):
        lines.append(Msg("report.summary.reporter_type", {"value": Msg(f"reporter_type.{answers['reporter_type']}")}))
    lines.append(Msg("report.summary.situations",
                     {"value": [_situation_label(s) for s in answers.get("situations", [])]}))
    if "household" in answers:
        lines.append(Msg("report.summary.household", {"value": Msg(f"household.{answers['household']}")}))
    if "age_band" in answers:
        lines.append(Msg("report.summary.person", {"age": Msg(f"age_band.{answers['age_band']}"),
                                                   "gender": Msg(f"gender.{answers.get('gender', 'unknown')}")}))
    dong = ctx.directory.dong(answers.get("where", ""))
    lines.append(Msg("report.summary.where", {"value": dong.name if dong else "-"}))
    if answers.get("address"):
        lines.append(Msg("report.summary.address", {"value": answers["address"]}))
    lines.append(Msg("report.summary.description", {"value": answers.get("description", "")}))
    if answers.get("photo"):
        lines.append(Msg("report.summary.photo"))
    lines += report_voice.summary_lines(answers)
    contact = answers.get("contact", "anonymous")
    lines.append(Msg("report.summary.contact", {"value": Msg(f"report.contact.{contact}")}))
    if is_urgent(answers):
        lines.append(Msg("report.summary.urgent"))
    if same_day_visit(answers):
        lines.append(Msg("report.summary.same_day"))
    return lines


def ask_review(asking: Asking) -> Reply:
    if asking.answers.get(EDIT_MENU):
        present = [q for q in EDITABLE if q in asking.answers]
        buttons = [option(f"edit:{q}", Msg(f"report.edit.{q}")) for q in present]
        return Reply((Msg("report.edit.ask"),), (*rows(buttons, 2), (option("file", Msg("report.file")),)),
                     expects="choice")
    # The consent text's version is stored with the answer (parse_review), not shown: it means
    # nothing to a reporter and costs a line on a small phone.
    lines = [*summary_lines(asking.answers, asking.ctx), Msg("report.consent")]
    return Reply(tuple(lines), ((option("file", Msg("report.file")),), (option("edit", Msg("report.edit")),)),
                 expects="choice")


def parse_review(event: Event, asking: Asking) -> Parsed:
    value = answer_value(event)
    if value == "file":
        return Accept({"version": CONSENT_VERSION, "at": asking.ctx.now.isoformat()},
                      also={EDIT_MENU: False, "_editing": False})
    if value == "edit":
        return Stay({EDIT_MENU: True})
    if value and value.startswith("edit:") and value[5:] in EDITABLE and value[5:] in asking.answers:
        return Jump(value[5:], updates={EDIT_MENU: False})
    return wrong_kind(event, "buttons")


def finish(answers: Mapping[str, Any], ctx: TurnContext) -> tuple[list[Reply], list[Any]]:
    member = ctx.member
    who = answers["who"]
    consent = answers["review"]
    location = answers.get("location")
    report = CrisisReport(
        reporter_kind=WHO_SELF if who == WHO_SELF else WHO_NEIGHBOUR,
        reporter_type=_reporter_type(answers, member),
        mandatory_category=answers.get("mandatory_category"),
        situations=tuple(_with_danger_signs(answers)),
        household=answers.get("household"),
        household_size=(1 if answers.get("household") and _lives_alone(answers, ctx)
                        else _size(answers.get("household_size"))),
        age_band=answers.get("age_band"),
        gender=answers.get("gender"),
        dong_code=answers["where"],
        location=(float(location[0]), float(location[1])) if location else None,
        address=answers.get("address"),
        description=answers["description"],
        photo=answers.get("photo"),
        contact=answers.get("contact", "anonymous"),
        phone=answers.get("phone"),
        consent_version=consent["version"],
        consent_at=datetime.fromisoformat(consent["at"]),
        urgent=is_urgent(answers),
        same_day_visit=same_day_visit(answers),
        voice=report_voice.spoken_note(answers),
        listen_same_day=report_voice.listen_same_day(answers),
    )
    return [], [cmd.FileReport(report)]


def _reporter_type(answers: Mapping[str, Any], member: Any) -> str:
    if member is not None and member.role in REPORTER_TYPES:
        return member.role
    for given in (answers.get("reporter_type"), answers.get("who")):  # "who": drafts of before the split
        if given in REPORTER_TYPES:
            return given
    return RESIDENT


def _with_danger_signs(answers: Mapping[str, Any]) -> list[str]:
    """The signs ticked, plus the urgent signs the reporter's own words showed."""
    ticked = list(answers.get("situations", []))
    return ticked + [s for s in urgent_signs_of(list(answers.get(DANGER_ANSWER) or ())) if s not in ticked]


def _size(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _ids(items) -> list[str]:
    return [i.id for i in items]


ask_household, parse_household = _choice_question("household", lambda: _ids(TAXONOMY.household_types), 1, "household")
ask_size, parse_size = _choice_question("household_size", lambda: _ids(TAXONOMY.household_sizes), 3, "household_size")
ask_age, parse_age = _choice_question("age_band", lambda: _ids(TAXONOMY.age_bands), 2, "age_band")
ask_gender, parse_gender = _choice_question("gender", lambda: _ids(TAXONOMY.genders), 3, "gender")


def build_report_flow() -> Flow:
    q = Question
    questions = [
        q("who", 1, ask_who, parse_single(_who_options), "help.report.who"),
        q("reporter_type", 1, ask_reporter_type, parse_single(_reporter_type_options), "help.report.reporter_type"),
        q("mandatory_group", 1, ask_mandatory_group,
          parse_single(lambda a: _ids(TAXONOMY.mandatory_groups)), "help.report.mandatory"),
        q("mandatory_category", 1, ask_mandatory_category, parse_single(_categories_in), "help.report.mandatory"),
        q("situations", 2, ask_situations, parse_situations, "help.report.situations"),
        q("household", 3, ask_household, parse_household, "help.report.household"),
        q("household_size", 3, ask_size, parse_size, "help.report.household"),
        q("age_band", 4, ask_age, parse_age, "help.report.person"),
        q("gender", 5, ask_gender, parse_gender, "help.report.person"),
        q("where_sigungu", 6, ask_sigungu, parse_sigungu, "help.report.where_sigungu"),
        q("where", 6, ask_where, parse_where, "help.report.where"),
        q("address", 6, ask_address, parse_address, "help.report.address"),
        q("description", 7, ask_description, parse_description, "help.report.description", keeps_danger_text=True),
        q(SAME_DAY, 7, ask_same_day, parse_same_day, "help.report.same_day"),
        q("contact", 8, ask_contact, parse_single(_contact_options), "help.report.contact"),
        q("phone", 8, ask_phone, parse_phone, "help.report.contact"),
        q("review", 8, ask_review, parse_review, "help.report.review"),
    ]
    urgent = lambda a, c: is_urgent(a)  # noqa: E731
    r = Route
    routes = [
        # The usual way comes last (Flow.progress counts it for questions not yet answered).
        r("who", "mandatory_group", lambda a, c: a.get("who") == "mandatory_reporter"),  # old drafts
        r("who", "situations", _skips_reporter_type),
        r("who", "reporter_type"),
        r("reporter_type", "mandatory_group", lambda a, c: a.get("reporter_type") == "mandatory_reporter"),
        r("reporter_type", "situations"),
        r("mandatory_group", "mandatory_category"),
        r("mandatory_category", "situations"),
        # The urgent path skips the household details: the reporter should be on the phone.
        r("situations", "where_sigungu", lambda a, c: is_urgent(a) and _needs_sigungu(c)),
        r("situations", "where", urgent),
        r("situations", "household"),
        r("household", "household_size", lambda a, c: not _lives_alone(a, c)),
        r("household", "age_band"),  # living alone: no size to ask
        r("household_size", "age_band"),
        r("age_band", "gender"),
        r("gender", "where_sigungu", lambda a, c: _needs_sigungu(c)),
        r("gender", "where"),
        r("where_sigungu", "where"),
        r("where", "address"),
        r("address", "description"),
        r("description", SAME_DAY, shows_lonely_death),  # the 고독사 pattern: check on them today?
        r("description", "contact"),
        r(SAME_DAY, "contact"),
        r("contact", "phone", lambda a, c: a.get("contact") == "phone"),
        r("contact", "review"),
        r("phone", "review"),
        r("review", DONE),
    ]
    return Flow("report", questions, routes, finish, TOTAL_STEPS)
