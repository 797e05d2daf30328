"""The service finder, pure: whatever text people type at its questions (the first one goes
through the Korean analyser) it answers politely and never breaks; amounts as bands decide only
where no threshold lies inside them; typed amounts are read the way people write them."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import Catalogs
from bot.render import render_reply
from dialogs.conversation import Conversation
from dialogs.events import Choice, Text
from dialogs.finder_household import parse_won
from dialogs.finder_household import FinderData, findings, next_question
from dialogs.flow import Asking, TurnContext
from integrations.services import build_engine
from salpim.settings import DEFAULT_DIRECTORY
from welfare.directory import load_directory_csv
from welfare.eligibility_checks import Status
from welfare.screening_input import REGIONS

DATA = FinderData.load()
ENGINE = build_engine(DATA)
FINDER = ENGINE.flows["finder"]
CATALOGS = Catalogs(strict=True)
NOW = datetime(2026, 11, 22, 3, 0, tzinfo=timezone.utc)
CTX = TurnContext(now=NOW, directory=load_directory_csv(DEFAULT_DIRECTORY))
ANSWERS_SO_FAR = {
    "life_stage": "middle_aged", "household_size": 2, "concerns": ["housing"], "situations": ["housing"],
    "_heard": ["housing"], "ages": [45, 17], "monthly_income": {"lo": 820557, "hi": 1025695},
    "results": "contact", "where": "1111065000", "contact": "phone", "phone": "+821023456789", "note": "",
}
wild_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=50),
    st.sampled_from(["", " ", "\x00", "\u202e역방향", "🙏🏻" * 500, "가" * 20_000, "월세가 밀렸어요" * 300,
                     "죽고 싶어요", "맞고 살아요", "150만원", "1억", "-5", "9" * 40, "%s%n{0}{ko}{en:.0}",
                     "<script>alert(1)</script>", "\r\n\t", "ㅋㅋㅋ", "혼자 사는 어머니가 걱정돼요"]),
)


def rendered_ok(turn) -> None:
    assert turn.replies, "every message is answered"
    for reply in turn.replies:
        for locale in ("ko", "en"):
            text = render_reply(CATALOGS, locale, reply).text
            assert text and len(text) <= 4000


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=wild_text)
def test_any_text_at_the_first_question(text):
    convo = Conversation("telegram", "1", flow="finder", state="life_stage", version=1, exists=True)
    turn = ENGINE.handle(convo, Text(text), CTX)
    rendered_ok(turn)
    after = turn.conversation
    assert after.flow == "finder" and after.state in ("life_stage", "confirm")
    # What was written is understood, not kept: only situation ids, where it leads and the
    # 지역 구분 the directory gives are stored.
    stored = [v for v in after.answers.values() if isinstance(v, str)]
    assert all(v in FINDER.questions or v in REGIONS for v in stored)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(question=st.sampled_from(FINDER.order), text=wild_text)
def test_any_text_at_any_finder_question(question, text):
    convo = Conversation("telegram", "1", flow="finder", state=question, answers=dict(ANSWERS_SO_FAR),
                         history=["life_stage"], version=3, exists=True)
    turn = ENGINE.handle(convo, Text(text), CTX)
    rendered_ok(turn)
    stored_text = [v for v in turn.conversation.answers.values() if isinstance(v, str)]
    assert all(len(v) <= 1000 and "\x00" not in v for v in stored_text)


REFUSALS = {"input.use_buttons", "input.wanted.text", "input.wanted.location", "input.wanted.phone"}


@settings(max_examples=40, deadline=None)
@given(value=st.text(max_size=60))
def test_any_forged_button_at_any_question_is_refused_politely(value):
    def at(question: str) -> Conversation:
        return Conversation("telegram", "1", flow="finder", state=question, answers=dict(ANSWERS_SO_FAR),
                            history=["life_stage"], version=3, exists=True)

    for question in FINDER.order:
        # The question's own buttons, as a surely forged press shows them again ("1" is a real
        # household size: accepted, it moves on, so the next question's buttons would not tell).
        shown = ENGINE.handle(at(question), Choice("q:\x00forged", 3), CTX)
        offered = {b.value for r in shown.replies for row in r.buttons for b in row}
        if "q:" + value in offered:
            continue  # hypothesis found a real button of this question: not a forgery
        turn = ENGINE.handle(at(question), Choice("q:" + value, 3), CTX)
        rendered_ok(turn)
        # The refusal says what to do instead, the same question is asked again, nothing changed.
        assert turn.replies[0].lines[0].key in REFUSALS, (question, turn.replies[0].lines)
        assert turn.replies[-1].buttons, question  # the question again, with its buttons
        after = turn.conversation
        assert (after.flow, after.state) == ("finder", question)
        assert after.answers == ANSWERS_SO_FAR and not turn.commands, question


@pytest.mark.parametrize(("typed", "won"), [
    ("150만원", 1_500_000), ("150 만 원", 1_500_000), ("1,500,000", 1_500_000), ("1500000원", 1_500_000),
    ("150", 1_500_000), ("약 95만원", 950_000), ("2억 3천만", 230_000_000), ("1.5억", 150_000_000),
    ("0", 0), ("없어요", 0), ("소득 없음", 0), ("백만원", None), ("abc", None), ("150만원 정도", 1_500_000),
    ("3백만", 3_000_000), ("12월에 50만", None), ("9" * 40, None),
])
def test_amounts_as_people_type_them(typed, won):
    assert parse_won(typed) == won


def test_a_band_decides_only_where_no_threshold_lies_inside_it():
    base = {"life_stage": "middle_aged", "household_size": 1, "situations": ["money_basics"], "ages": [45],
            "disability": "none", "housing": "monthly_rent", "assets": {"lo": 0, "hi": 53_000_000}}
    livelihood = lambda answers: next(f for f in findings(answers, NOW, DATA)  # noqa: E731
                                      if f.service.id == "livelihood_benefit")
    inside = livelihood({**base, "monthly_income": {"lo": 0, "hi": 820_556}})
    assert inside.status is Status.ELIGIBLE  # the band ends at the 생계급여 threshold (1인 820,556원)
    straddling = {**base, "monthly_income": {"lo": 800_000, "hi": 900_000}}
    assert livelihood(straddling).status is Status.NEED_MORE_INFO
    assert livelihood(straddling).missing == ("income_exact",)
    assert next_question(straddling, findings(straddling, NOW, DATA)) == "income_exact"
    exact = livelihood({**straddling, "income_exact": 820_557})  # one won above: the figure decides
    assert exact.status is Status.NOT_ELIGIBLE
    above = livelihood({**base, "monthly_income": {"lo": 820_557, "hi": 1_025_695}})
    assert above.status is Status.NOT_ELIGIBLE


def test_unknown_answers_never_exclude():
    answers = {"life_stage": "elderly", "household_size": 1, "situations": ["isolation"], "ages": None,
               "monthly_income": None, "assets": None}
    found = {f.service.id: f for f in findings(answers, NOW, DATA)}
    assert found["basic_pension"].status is Status.NEED_MORE_INFO
    assert found["elderly_customized_care"].status is Status.NEED_MORE_INFO


def test_what_the_finder_knows_changes_how_it_asks():
    from dialogs.flow import Asking

    def first_line(question: str, answers: dict) -> str:
        reply = FINDER.questions[question].ask(Asking(answers, CTX))
        return CATALOGS.render("ko", reply.lines[0])

    older = {"life_stage": "elderly", "household_size": 2, "situations": ["money_basics"], "ages": [75, 45]}
    assert "배우자" in first_line("applicant_income", {**older, "couple": "yes"})
    no_spouse = first_line("applicant_income", {**older, "couple": "no"})  # "배우자 없음"
    assert "배우자" not in no_spouse and "본인의 한 달 소득" in no_spouse
    assert "가구원 한 명 한 명" in first_line("ages", {**older})
    assert first_line("ages", {**older, "household_size": 1}) == "도움이 필요한 분의 나이(만 나이)를 알려 주세요."


def test_spouse_and_size_from_the_first_words_are_not_asked_again():
    convo = Conversation("telegram", "1", flow="finder", state="life_stage", version=1, exists=True)
    turn = ENGINE.handle(convo, Text("혼자 사는데 배우자 없고 생활비가 없어요"), CTX)
    turn = ENGINE.handle(turn.conversation, Choice("q:yes", turn.conversation.version), CTX)
    turn = ENGINE.handle(turn.conversation, Choice("q:elderly", turn.conversation.version), CTX)
    answers = turn.conversation.answers
    assert answers["household_size"] == 1 and answers["couple"] == "no"
    assert answers["region"] == "metropolitan"  # 종로구's directory: 대도시, never asked
    assert turn.conversation.state == "ages"  # not household_size
