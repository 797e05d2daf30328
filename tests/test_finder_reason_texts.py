"""Each reason the finder gives says the person's figure, the threshold and what follows, once.

Rendered as a person reads them (Korean and English), for households screened with exact
figures and with every band the finder offers (a band's edge is often the very threshold the
reason names: "820,556원 이하 금액은 … 선정기준 820,556원 이하" must not happen).
"""
from __future__ import annotations

import re
import string
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import Catalogs
from dialogs.finder_household import FinderData, band_edges, bands, findings
from dialogs.finder_messages import THRESHOLD_PARAMS, reason_msg
from dialogs.replies import Msg
from welfare.eligibility import screen
from welfare.finder_format import format_won

DATA = FinderData.load()
CATALOGS = Catalogs(strict=True)
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)
FIGURE = {"ko": re.compile(r"\d[\d,]*(?:억(?: [\d,]+만)?|만)?원"), "en": re.compile(r"₩[\d,]+")}
PERSON_PARAMS = ("income", "assets", "financial_assets")


def figures(text: str, locale: str) -> list[str]:
    return FIGURE[locale].findall(text)


def test_no_reason_template_says_a_param_twice() -> None:
    for locale in ("ko", "en"):
        for key, template in CATALOGS.keys(locale).items():
            if not key.startswith(("finder.reason.", "finder.band.")):
                continue
            names = [f for _, f, _, _ in string.Formatter().parse(template) if f]
            assert len(names) == len(set(names)), (locale, key, template)


@settings(max_examples=150, deadline=None)
@given(ages=st.lists(st.integers(0, 95), min_size=1, max_size=5), monthly=st.integers(0, 9_000_000),
       assets=st.one_of(st.none(), st.integers(0, 600_000_000)), couple=st.sampled_from([None, True, False]),
       situations=st.sets(st.sampled_from(["money_basics", "health", "job_loss", "isolation", "housing", "single_parent"])))
def test_every_reason_for_exact_figures_says_each_figure_once(ages, monthly, assets, couple, situations) -> None:
    household = {"members": [{"age": a} for a in ages], "monthly_income": monthly, "couple": couple,
                 "situations": sorted(situations), **({"assets": assets} if assets is not None else {})}
    for result in DATA.screen(household, NOW.date()):
        for reason in result.reasons:
            thresholds = [v for k, v in reason.params.items() if k in THRESHOLD_PARAMS]
            mine = [v for k, v in reason.params.items() if k in PERSON_PARAMS]
            if set(thresholds) & set(mine):
                continue  # the person's figure is the threshold itself: said once in each role
            for locale in ("ko", "en"):
                text = CATALOGS.render(locale, reason_msg(reason))
                found = figures(text, locale)
                assert len(found) == len(set(found)), (locale, reason.key, text)
                for amount in (*thresholds, *mine):
                    assert format_won(amount, locale) in text, (locale, reason.key, amount, text)


SHAPES = {
    "older_alone": {"life_stage": "elderly", "household_size": 1, "situations": ["isolation"], "ages": [78]},
    "older_couple": {"life_stage": "elderly", "household_size": 2, "situations": ["health"], "ages": [75, 73],
                     "couple": "yes"},
    "middle_aged_alone": {"life_stage": "middle_aged", "household_size": 1, "situations": ["housing", "money_basics"],
                          "ages": [45], "disability": "none", "housing": "monthly_rent"},
    "family_of_four": {"life_stage": "child", "household_size": 4, "situations": ["money_basics", "job_loss"],
                       "ages": [45, 43, 12, 9], "disability": "none", "housing": "jeonse"},
}


def rendered_reasons(answers: dict) -> list[tuple[str, Msg, str]]:
    out = []
    for finding in findings(answers, NOW, DATA):
        for reason in finding.reasons:
            for locale in ("ko", "en"):
                out.append((locale, reason, CATALOGS.render(locale, reason)))
    return out


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("amount", ["monthly_income", "assets"])
def test_every_band_offered_reads_without_a_repeated_figure(shape: str, amount: str) -> None:
    base = dict(SHAPES[shape])
    if amount == "assets":
        base["monthly_income"] = {"exact": 500_000}
    offered = bands(band_edges(base, amount, NOW, DATA))
    assert len(offered) >= 2
    checked = 0
    for band in offered:
        for locale, reason, text in rendered_reasons({**base, amount: band}):
            found = figures(text, locale)
            assert len(found) == len(set(found)), (shape, band, reason.key, text)
            for name in THRESHOLD_PARAMS & set(reason.params):
                value = reason.params[name]
                shown = value.params["amount"] if isinstance(value, Msg) else value
                assert format_won(getattr(shown, "amount", shown), locale) in text, (reason.key, text)
            checked += 1
    assert checked > 0


def test_the_issue_sentence_now_says_the_threshold_once() -> None:
    answers = {**SHAPES["middle_aged_alone"], "monthly_income": {"lo": 0, "hi": 820_556}, "assets": {"lo": 0, "hi": 53_000_000}}
    texts = [text for locale, _, text in rendered_reasons(answers) if locale == "ko"]
    livelihood = next(t for t in texts if "생계급여 선정기준" in t)
    assert livelihood == "1인 가구 월 소득 고르신 금액은 생계급여 선정기준 820,556원 이하입니다"
    housing = next(t for t in texts if "주거급여 선정기준" in t)
    assert housing == "1인 가구 월 소득 820,556원 이하 금액은 주거급여 선정기준 1,230,834원 이하입니다"
    assets = next(t for t in texts if "기본공제액" in t)
    assert assets.count("53,000,000원") + assets.count("5,300만원") == 1, assets
    above = {**answers, "monthly_income": {"lo": 820_557, "hi": 1_025_695}}
    texts = [text for locale, _, text in rendered_reasons(above) if locale == "ko"]
    assert "1인 가구 월 소득 1,025,695원 이하로 고르신 금액은 생계급여 선정기준 820,556원보다 많습니다" in texts
    assert screen  # the domain function the finder uses (imported for readers)
