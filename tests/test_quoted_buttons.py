"""A message that says "press '잘 모르겠어요'" must be shown with a button of that name.

Walks every question of every flow (report, service finder, follow-up call), renders what a
person sees there — the question, and its help text (the 🆘/help and three-failures paths show
it) — with its buttons and the navigation row, in Korean and English, and checks every quoted
name ('…', "…", ‘…’, 「…」, “…”) is one of those buttons. Names quoted for another reason (a
legal term, a feature of 복지로) are listed below with why.
"""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.i18n import Catalogs
from bot.render import SELECTED_MARK, render_reply
from dialogs import home
from dialogs.engine import NAV_ROW
from dialogs.flow import Asking, TurnContext
from dialogs.followup_flow import domains_for
from dialogs.replies import Msg, Reply
from integrations.services import build_engine
from salpim.settings import DEFAULT_DIRECTORY
from welfare.directory import load_directory_csv

ENGINE = build_engine()
CATALOGS = Catalogs(strict=True)
CTX = TurnContext(now=datetime(2026, 11, 21, 12, 0), directory=load_directory_csv(DEFAULT_DIRECTORY))
# Answers a question may look at while it asks (the summary needs the report's answers; the
# follow-up call its case). Each question is asked with none and with these.
ANSWERS = {
    "report": {"who": "neighbour", "reporter_type": "resident", "situations": ["isolation"],
               "household": "older_alone", "age_band": "older", "gender": "female", "where": "1111065000",
               "address": None, "description": "며칠째 안 보여요", "contact": "anonymous"},
    "followup": {"@case_id": 7, "@receipt": "SP-7K3Q-9D", "@domains": domains_for(["안전", "경제"]),
                 "@suggested_next": "2026-12-05", "reached": "yes", "answered_by": "self", "next_contact": "2026-12-05",
                 "safety": "same", "mental_health": "same",
                 "@services": [{"id": "referral:1", "org": "종로구정신건강복지센터", "need": "mental_health"}]},
    "finder": {},
    "referral": {"@case_id": 7, "@receipt": "SP-7K3Q-9D", "@needs": ["mental_health", "economy"],
                 "@orgs": {"mental_health": [["jn-mental", "종로구정신건강복지센터"], ["jn-hope", "종로구 희망복지지원단"]]},
                 "@covers": {"jn-mental": ["address"]}, "@after_new_consent": ["address"], "need": "mental_health",
                 "org": "jn-hope", "note": ""},
    "support": {"@case_id": 7, "@receipt": "SP-7K3Q-9D", "@kinds": ["kimjang", "emergency"],
                "@national_kinds": ["emergency"], "@national_items": ["other_programmes_first", "no_double_items"],
                "kind": "emergency", "when": "2026-11-21", "amount": ""},
    "support_confirm": {"@case_id": 7, "@kind": "kimjang", "@given_on": "2026-11-21", "@amount": "",
                        "@earlier": [["종로구노인복지관", False, "2026-11"], ["혜화동", True, "2026-10"]],
                        "@reasons": ["larger_household", "case_meeting"]},
    "conference": {"@case_id": 7, "@receipt": "SP-7K3Q-9D", "@orgs": [["jn-mental", "종로구정신건강복지센터"]],
                   "date": "2026-11-21", "orgs": ["jn-mental"], "decisions": ["selection"], "note": ""},
}
NEEDS_ANSWERS = {("report", "review"), *(("followup", q) for q in ENGINE.flows["followup"].order),
                 *(("referral", q) for q in ENGINE.flows["referral"].order),  # opened with its case
                 *((f, q) for f in ("support", "support_confirm") for q in ENGINE.flows[f].order),
                 *(("conference", q) for q in ENGINE.flows["conference"].order)}
QUOTED = re.compile(r"(?<![A-Za-z])'([^'\n]+?)'(?![A-Za-z])|\"([^\"\n]+?)\"|‘([^’\n]+?)’|「([^」\n]+?)」|“([^”\n]+?)”")
NOT_BUTTONS = {
    "모의계산", "mock calculation",  # a calculator on 복지로 (bokjiro.go.kr), not ours
    "장애의 정도가 심한 장애", "severe disability",  # the legal term asked about
    "받을 수 있을지도 모른다", "might be able to get",  # what a result means
    "조금 더 알려 주세요", "tell us a little more",  # the name of a group of results
}


def quoted_names(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]


def label_forms(label: str) -> set[str]:
    """How a message may name a button: its label, without a leading symbol (☑, 📍) or a
    trailing count "(2)", or the part after "영역: " on a button showing an area and its state."""
    label = label.removeprefix(SELECTED_MARK).strip()
    bare = re.sub(r"^[^\w]+", "", label).strip()
    forms = {label, bare, re.sub(r"\s*\(\d+\)$", "", label), re.sub(r"\s*\(\d+\)$", "", bare)}
    for form in list(forms):
        if ": " in form:
            forms.add(form.split(": ", 1)[1])
    return forms


def shown(flow_name: str, question_name: str, answers: dict) -> list[Reply]:
    question = ENGINE.flows[flow_name].questions[question_name]
    reply = question.ask(Asking(answers, CTX))
    asked = Reply(reply.lines, (*reply.buttons, NAV_ROW), expects=reply.expects)
    helped = Reply((Msg(question.help_key),), asked.buttons)  # help is followed by the same question
    return [asked, helped]


def every_question() -> list[tuple[str, str, str]]:
    return [(flow, question, lang) for flow in ENGINE.flows for question in ENGINE.flows[flow].order
            for lang in ("ko", "en")]


def check(reply: Reply, lang: str, where: str) -> list[str]:
    rendered = render_reply(CATALOGS, lang, reply)
    labels = set().union(*(label_forms(b.label) for row in rendered.buttons for b in row))
    return [f"{where} ({lang}): '{name}' is not a button here: {sorted(labels)}"
            for name in quoted_names(rendered.text) if name not in labels and name.casefold() not in NOT_BUTTONS]


@pytest.mark.parametrize("flow, question, lang", every_question())
def test_every_button_quoted_at_a_question_is_there(flow, question, lang):
    variants = [dict(ANSWERS[flow])] if (flow, question) in NEEDS_ANSWERS else [{}, dict(ANSWERS[flow])]
    wrong = [w for answers in variants for reply in shown(flow, question, answers)
             for w in check(reply, lang, f"{flow}.{question}")]
    assert not wrong, wrong


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_button_quoted_at_the_menu_is_there(lang):
    from dialogs.conversation import Conversation
    from dialogs.engine import Turn
    turn = Turn(Conversation("telegram", "1", draft={"flow": "report", "state": "situations", "answers": {},
                                                      "history": []}))
    home.show_menu(turn, CTX, greet=True, unknown_input=True)
    assert check(turn.replies[-1], lang, "menu") == []


def test_the_check_sees_a_wrong_name():
    """The old help text named a button "모름" that the question does not have."""
    reply = Reply((Msg("help.report.household"),), ENGINE.flows["report"].questions["household"]
                  .ask(Asking({}, CTX)).buttons)
    assert check(reply, "ko", "household") == []
    assert quoted_names("잘 모르면 '모름'을 누르세요. Press 'Not sure' if you don't know.") == ["모름", "Not sure"]
    wrong = Reply((Msg("report.where.pinned", {"dong": "'모름'"}),), reply.buttons)
    assert check(wrong, "ko", "household") != []
