"""`salpim clock --from`: the due dates staff look up, across 설날, 추석 and a substitute holiday."""
from __future__ import annotations

import json

from salpim.cli import main


def run(capsys, *args: str):
    assert main(["clock", *args]) == 0
    return capsys.readouterr().out


def test_clock_across_seollal_and_the_march_substitute_holiday(capsys):
    due = {d["clock"]: d["due"] for d in json.loads(run(capsys, "--from", "2026-02-09", "--json"))}
    # 5 days after 2/9 skipping 설날 (2/16–18): 10, 11, 12, 13, 19
    assert due["initial_counselling"] == "2026-02-19"
    # 10 days from 2/19, first day counted, skipping 3/1's substitute holiday on 3/2
    assert due["assessment"] == "2026-03-05"
    assert due["service_plan_limit"] >= due["service_plan"]


def test_clock_across_chuseok_2026(capsys):
    due = {d["clock"]: d["due"] for d in json.loads(run(capsys, "--from", "2026-09-21", "--json"))}
    # 5 days after 9/21: 22, 23, (추석 24–26, Sunday 27), 28, 29, 30
    assert due["initial_counselling"] == "2026-09-30"


def test_clock_table_in_korean_and_english(capsys):
    korean = run(capsys, "--from", "2026-02-09")
    assert "초기상담" in korean and "2026-02-19" in korean
    english = run(capsys, "--from", "2026-02-09", "--locale", "en")
    assert "2026-02-19" in english and "초기상담" not in english
