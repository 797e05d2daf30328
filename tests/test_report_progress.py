"""The "[n/m]" above each question of the crisis report counts 1, 2, 3… on every path.

Walks every path of the report (self or neighbour, every reporter type, 신고의무자 with its
category, urgent signs or not, a household that lives alone or not, one 시군구 or several,
address given or skipped, contact by phone or not) through the engine, and reads the progress
line a person sees on each new question. m is the number of questions on the path the answers
so far lead to (a question not yet answered counted on its usual way): it is the same all
along a path, except that it changes at the one answer that changes the way (a 🚨 sign makes
the report shorter, 신고의무자 adds the category questions) — and the last question always
shows [m/m].
"""
from __future__ import annotations

import re
from datetime import datetime

from bot.i18n import Catalogs
from bot.render import render_reply
from dialogs.conversation import Conversation
from dialogs.events import Choice, Command, Text
from dialogs.flow import TurnContext
from dialogs.questions import ANSWER_PREFIX
from integrations.services import build_engine
from salpim.settings import DEFAULT_DIRECTORY
from welfare.directory import Directory, load_directory_csv, parse_directory_csv

ENGINE = build_engine()
REPORT = ENGINE.flows["report"]
CATALOGS = Catalogs(strict=True)
NOW = datetime(2026, 11, 21, 12, 0)
TWO_SIGUNGU = Directory.build(*parse_directory_csv(
    "sigungu_code,sigungu_name,dong_code,dong_name,lat,lon,team_chat_id,phone\n"
    "11110,서울특별시 종로구,1111065000,혜화동,37.5870,127.0000,,\n"
    "11140,서울특별시 중구,1114052000,소공동,37.5640,126.9790,,\n"))
PROGRESS = re.compile(r"^\[(\d+)/(\d+)\]")
# Two descriptions: an everyday one, and one with the 고독사 pattern (it adds the same-day question).
TEXT_ANSWERS = {"address": ["명륜길 7"], "description": ["난방이 안 되는 것 같아요", "며칠째 안 보여요"],
                "phone": ["010-2345-6789"]}
# Branches that change the way ahead; the answer just after them may change m.
BRANCHING = {"who", "reporter_type", "situations", "household", "contact", "mandatory_group", "description"}


def answers_at(question: str, buttons: list[str]) -> list[list]:
    """The answers to try at a question: each button (toggles: tick one, then done), or a text."""
    if question in TEXT_ANSWERS:
        typed = [[Text(t)] for t in TEXT_ANSWERS[question]]
        return typed + ([[Choice(ANSWER_PREFIX + "skip")]] if ANSWER_PREFIX + "skip" in buttons else [])
    if question == "review":
        return [[Choice(ANSWER_PREFIX + "file")]]  # editing is a detour, not a path
    answers = [v for v in buttons if v.startswith(ANSWER_PREFIX)]
    if any(v.startswith(ANSWER_PREFIX + "toggle:") for v in answers):
        return [[Choice(v), Choice(ANSWER_PREFIX + "done")] for v in answers if "toggle:" in v]
    return [[Choice(v)] for v in answers]


def walk(ctx: TurnContext) -> dict[tuple[str, ...], list[tuple[str, int, int]]]:
    """Every path through the report, as the questions seen and the progress shown on each."""
    paths: dict[tuple[str, ...], list[tuple[str, int, int]]] = {}
    start = ENGINE.handle(Conversation("telegram", "1"), Command("start", "report"), ctx)

    def shown(turn) -> tuple[int, int]:
        match = PROGRESS.match(render_reply(CATALOGS, "ko", turn.replies[-1]).text)
        assert match, render_reply(CATALOGS, "ko", turn.replies[-1]).text
        return int(match[1]), int(match[2])

    def go(convo: Conversation, seen: list[tuple[str, int, int]], last_turn) -> None:
        key = tuple(q for q, _, _ in seen)
        if convo.flow is None:
            paths[key] = seen
            return
        if key in explored:
            return
        explored.add(key)
        buttons = [b.value for row in last_turn.replies[-1].buttons for b in row]
        for events in answers_at(convo.state, buttons):
            turn, here = None, convo
            for event in events:
                if isinstance(event, Choice):
                    event = Choice(event.value, here.version)
                turn = ENGINE.handle(here, event, ctx)
                here = turn.conversation
            if here.flow is None:
                go(here, seen, turn)
            elif here.state != convo.state:
                go(here, [*seen, (here.state, *shown(turn))], turn)

    explored: set[tuple[str, ...]] = set()
    go(start.conversation, [(start.conversation.state, *shown(start))], start)
    return paths


def check_paths(paths) -> None:
    for path, seen in paths.items():
        ns = [n for _, n, _ in seen]
        assert ns == list(range(1, len(seen) + 1)), (path, seen)  # no repeat, no gap
        assert seen[-1][2] == len(seen), (path, seen)  # the last question says [m/m]
        for (before, _, m1), (_, _, m2) in zip(seen, seen[1:]):
            assert m1 == m2 or before in BRANCHING, (path, seen)


def test_every_path_counts_one_two_three():
    paths = walk(TurnContext(now=NOW, directory=load_directory_csv(DEFAULT_DIRECTORY)))
    check_paths(paths)
    visited = {q for path in paths for q in path}
    assert visited == set(REPORT.order) - {"where_sigungu"}  # one 시군구 here: never asked
    assert len(paths) >= 15  # self/neighbour × types × urgent × household × phone


def test_every_path_counts_with_several_sigungu():
    paths = walk(TurnContext(now=NOW, directory=TWO_SIGUNGU))
    check_paths(paths)
    assert "where_sigungu" in {q for path in paths for q in path}


def test_the_happy_path_and_the_urgent_path_as_a_person_sees_them():
    paths = walk(TurnContext(now=NOW, directory=load_directory_csv(DEFAULT_DIRECTORY)))
    happy = ("who", "reporter_type", "situations", "household", "age_band", "gender", "where", "address",
             "description", "contact", "review")
    assert [(n, m) for _, n, m in paths[happy]] == [(n, 11) for n in range(1, 12)]  # m the same all along
    urgent = ("who", "reporter_type", "situations", "where", "address", "description", "contact", "review")
    assert [f"[{n}/{m}]" for _, n, m in paths[urgent]] == [
        "[1/11]", "[2/11]", "[3/11]", "[4/8]", "[5/8]", "[6/8]", "[7/8]", "[8/8]"]
    lonely = ("who", "reporter_type", "situations", "household", "age_band", "gender", "where", "address",
              "description", "same_day", "contact", "review")  # the 고독사 pattern asks one more question
    assert [f"[{n}/{m}]" for _, n, m in paths[lonely]][-4:] == ["[9/11]", "[10/12]", "[11/12]", "[12/12]"]
    own = ("who", "situations", "household", "household_size", "age_band", "gender", "where", "address",
           "description", "contact", "phone", "review")  # no "who is telling us" for one's own problem
    assert [n for _, n, _ in paths[own]] == list(range(1, 13)) and paths[own][-1][1:] == (12, 12)


def test_the_consent_fits_a_small_phone_and_its_version_is_stored_not_shown():
    from dialogs.flow import Asking
    from dialogs.report_flow import CONSENT_VERSION, parse_review
    ctx = TurnContext(now=NOW, directory=load_directory_csv(DEFAULT_DIRECTORY))
    answers = {"who": "neighbour", "reporter_type": "resident", "situations": ["isolation"], "where": "1111065000",
               "description": "며칠째 안 보여요", "contact": "anonymous"}
    review = REPORT.questions["review"].ask(Asking(answers, ctx))
    for lang, width in (("ko", 20), ("en", 40)):
        consent = CATALOGS.render(lang, review.lines[-1]).splitlines()
        assert len(consent) <= 8 and all(len(line) <= width for line in consent), consent  # one screen, no wrapping
        assert CONSENT_VERSION not in render_reply(CATALOGS, lang, review).text
    filed = parse_review(Choice(ANSWER_PREFIX + "file"), Asking(answers, ctx))
    assert filed.value["version"] == CONSENT_VERSION  # what was agreed to is on record
