"""Every threshold the finder compares against, just below, at and just above, for each shape of
household; and the "between" reasons, which may only be given when the figure really lies between.

Figures, worked by hand (welfare/data/parameters, 2026): 기초연금 단독 S = 2,470,000 / 부부
C = 3,952,000; 장애인연금 단독 1,400,000 / 부부 2,240,000 (unverified → at best "likely");
긴급복지지원 재산 농어촌 1억 3,000만 (unverified) / 중소도시 1억 5,200만 / 대도시 2억 4,100만.
The household's income is the pension unit's exact income only when nobody else lives there
(alone, or a couple of two); otherwise it is an upper bound that can say yes but not no.
"""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from welfare.eligibility import screen
from welfare.eligibility_parameters import load_parameters
from welfare.service_catalogue import load_catalogue

D2026 = dt.date(2026, 3, 2)
CATALOGUE = load_catalogue()
PARAMETERS = load_parameters()
S, C = 2_470_000, 3_952_000
BETWEEN = "finder.reason.pension_income_between"
ABOVE_BOTH = "finder.reason.pension_income_above_both"


def screened(household: dict[str, object], service: str):
    return next(r for r in screen(household, CATALOGUE, PARAMETERS, D2026) if r.service_id == service)


def people(*ages: int) -> list[dict[str, object]]:
    return [{"age": a} for a in ages]


# (name, household, expected status, reason key that must be there or None, missing ⊇, key that must NOT be there)
PENSION = [
    # -- alone (the household's income is the person's): only the single threshold counts
    ("alone_below", {"members": people(70), "monthly_income": S - 1}, "eligible", "finder.reason.pension_income_at_or_below", (), BETWEEN),
    ("alone_at", {"members": people(70), "monthly_income": S}, "eligible", "finder.reason.pension_income_at_or_below", (), BETWEEN),
    ("alone_above", {"members": people(70), "monthly_income": S + 1}, "not_eligible", "finder.reason.pension_income_above", (), BETWEEN),
    ("alone_above_couple", {"members": people(70), "monthly_income": C + 1}, "not_eligible", "finder.reason.pension_income_above", (), BETWEEN),
    # -- a couple of two, known: the couple threshold, exactly
    ("couple_below", {"members": people(75, 73), "couple": True, "monthly_income": C - 1}, "eligible", None, (), BETWEEN),
    ("couple_at", {"members": people(75, 73), "couple": True, "monthly_income": C}, "eligible", None, (), BETWEEN),
    ("couple_above", {"members": people(75, 73), "couple": True, "monthly_income": C + 1}, "not_eligible", "finder.reason.pension_income_above", (), BETWEEN),
    # the household: 75 and 73, a couple, 900만원 a month → not eligible, never "between"
    ("couple_9m", {"members": people(75, 73), "couple": True, "monthly_income": 9_000_000}, "not_eligible", "finder.reason.pension_income_above", (), BETWEEN),
    # -- two people, spouse unknown: at or below S passes either way; S < x ≤ C depends on it;
    #    above C a couple is excluded, so the reason says so (not "between") and asks
    ("two_unknown_below_single", {"members": people(75, 73), "monthly_income": S - 1}, "eligible", None, (), BETWEEN),
    ("two_unknown_at_single", {"members": people(75, 73), "monthly_income": S}, "eligible", None, (), BETWEEN),
    ("two_unknown_above_single", {"members": people(75, 73), "monthly_income": S + 1}, "need_more_info", BETWEEN, ("couple",), ABOVE_BOTH),
    ("two_unknown_below_couple", {"members": people(75, 73), "monthly_income": C - 1}, "need_more_info", BETWEEN, ("couple",), ABOVE_BOTH),
    ("two_unknown_at_couple", {"members": people(75, 73), "monthly_income": C}, "need_more_info", BETWEEN, ("couple",), ABOVE_BOTH),
    ("two_unknown_above_couple", {"members": people(75, 73), "monthly_income": C + 1}, "need_more_info", ABOVE_BOTH, ("couple",), BETWEEN),
    ("two_unknown_9m", {"members": people(75, 73), "monthly_income": 9_000_000}, "need_more_info", ABOVE_BOTH, ("couple",), BETWEEN),
    # -- two people, not a couple (a son): the household figure is an upper bound
    ("with_son_at_single", {"members": people(75, 45), "couple": False, "monthly_income": S}, "eligible", None, (), BETWEEN),
    ("with_son_above_single", {"members": people(75, 45), "couple": False, "monthly_income": S + 1}, "need_more_info",
     "finder.reason.income_includes_others", ("applicant_income",), BETWEEN),
    ("with_son_own_at", {"members": people(75, 45), "couple": False, "monthly_income": 5_000_000, "applicant_income": S}, "eligible", None, (), BETWEEN),
    ("with_son_own_above", {"members": people(75, 45), "couple": False, "monthly_income": 5_000_000, "applicant_income": S + 1}, "not_eligible", None, (), BETWEEN),
    # -- three people, spouse unknown, the unit's own income given: exact, so both ends decide
    ("three_own_at_single", {"members": people(75, 73, 45), "monthly_income": 9_000_000, "applicant_income": S}, "eligible", None, (), BETWEEN),
    ("three_own_above_single", {"members": people(75, 73, 45), "monthly_income": 9_000_000, "applicant_income": S + 1}, "need_more_info", BETWEEN, ("couple",), ABOVE_BOTH),
    ("three_own_at_couple", {"members": people(75, 73, 45), "monthly_income": 9_000_000, "applicant_income": C}, "need_more_info", BETWEEN, ("couple",), ABOVE_BOTH),
    ("three_own_above_couple", {"members": people(75, 73, 45), "monthly_income": 9_000_000, "applicant_income": C + 1}, "not_eligible", "finder.reason.pension_income_above", (), BETWEEN),
    # -- three people, nothing but the household figure: above C says nothing sure → ask both
    ("three_unknown_above_couple", {"members": people(75, 73, 45), "monthly_income": C + 1}, "need_more_info", ABOVE_BOTH, ("couple", "applicant_income"), BETWEEN),
    # -- three people, a couple with a son: ask the couple's own income; then exact
    ("three_couple_household_only", {"members": people(75, 73, 45), "couple": True, "monthly_income": 9_000_000}, "need_more_info",
     "finder.reason.income_includes_others", ("applicant_income",), BETWEEN),
    ("three_couple_own_at", {"members": people(75, 73, 45), "couple": True, "monthly_income": 9_000_000, "applicant_income": C}, "eligible", None, (), BETWEEN),
    ("three_couple_own_above", {"members": people(75, 73, 45), "couple": True, "monthly_income": 9_000_000, "applicant_income": C + 1}, "not_eligible", None, (), BETWEEN),
]


@pytest.mark.parametrize(("service", "extra"), [("basic_pension", {"assets": 0}),
                                                ("elderly_customized_care", {"similar_care": False, "situations": ["isolation"]})])
@pytest.mark.parametrize("case", PENSION, ids=[c[0] for c in PENSION])
def test_pension_unit_income_at_each_threshold(case, service, extra) -> None:
    name, household, status, present, missing, absent = case
    if service == "elderly_customized_care" and status == "eligible":
        status = "likely"  # an assessment decides 노인맞춤돌봄 in the end
    found = screened({**household, **extra}, service)
    keys = [r.key for r in found.reasons]
    assert found.status.value == status, keys
    if present is not None:
        assert present in keys
    assert absent not in keys
    assert set(missing) <= {q.id for q in found.missing}


DISABLED = {"age": 40, "disability": True, "severe_disability": True}


@pytest.mark.parametrize(("name", "household", "status", "key"), [
    ("alone_at", {"members": [DISABLED], "monthly_income": 1_400_000}, "likely", "finder.reason.pension_income_at_or_below"),
    ("alone_above", {"members": [DISABLED], "monthly_income": 1_400_001}, "not_eligible", "finder.reason.pension_income_above"),
    ("couple_at", {"members": [DISABLED, {"age": 40}], "couple": True, "monthly_income": 2_240_000}, "likely", None),
    ("couple_above", {"members": [DISABLED, {"age": 40}], "couple": True, "monthly_income": 2_240_001}, "not_eligible", None),
    ("unknown_between", {"members": [DISABLED, {"age": 40}], "monthly_income": 2_240_000}, "need_more_info", BETWEEN),
    ("unknown_above_both", {"members": [DISABLED, {"age": 40}], "monthly_income": 2_240_001}, "need_more_info", ABOVE_BOTH),
])
def test_disability_pension_thresholds(name, household, status, key) -> None:
    found = screened({**household, "assets": 0}, "disability_pension")
    assert found.status.value == status, [r.key for r in found.reasons]
    if key is not None:
        assert key in [r.key for r in found.reasons]


LOW, MID, HIGH = 130_000_000, 152_000_000, 241_000_000
JOB_LOSS = {"members": people(45), "monthly_income": 500_000, "financial_assets": 0, "situations": ["job_loss"]}


@pytest.mark.parametrize(("region", "assets", "status", "key"), [
    # region unknown: at or below the lowest limit passes anywhere, above the highest fails anywhere,
    # between them the region decides ("사이" only there)
    (None, LOW, "likely", "finder.reason.assets_at_or_below_limit"),
    (None, LOW + 1, "need_more_info", "finder.reason.assets_depend_on_region"),
    (None, HIGH, "need_more_info", "finder.reason.assets_depend_on_region"),
    (None, HIGH + 1, "not_eligible", "finder.reason.assets_above_limit"),
    ("rural", LOW - 1, "likely", "finder.reason.assets_at_or_below_limit"),
    ("rural", LOW, "likely", "finder.reason.assets_at_or_below_limit"),
    ("rural", LOW + 1, "not_eligible", "finder.reason.assets_above_limit"),
    ("small_city", MID - 1, "likely", "finder.reason.assets_at_or_below_limit"),
    ("small_city", MID, "likely", "finder.reason.assets_at_or_below_limit"),
    ("small_city", MID + 1, "not_eligible", "finder.reason.assets_above_limit"),
    ("metropolitan", HIGH - 1, "likely", "finder.reason.assets_at_or_below_limit"),
    ("metropolitan", HIGH, "likely", "finder.reason.assets_at_or_below_limit"),
    ("metropolitan", HIGH + 1, "not_eligible", "finder.reason.assets_above_limit"),
])
def test_emergency_asset_limits_by_region(region, assets, status, key) -> None:
    household = {**JOB_LOSS, "assets": assets, **({"region": region} if region else {})}
    found = screened(household, "emergency_livelihood_support")
    assert found.status.value == status, [r.to_json() for r in found.reasons]
    assert key in [r.key for r in found.reasons]
    if key == "finder.reason.assets_depend_on_region":
        reason = next(r for r in found.reasons if r.key == key)
        assert reason.params["low_limit"] < reason.params["assets"] <= reason.params["high_limit"]


income = st.integers(0, 12_000_000)


@settings(max_examples=300, deadline=None)
@given(size=st.integers(1, 4), couple=st.sampled_from([None, True, False]), monthly=income,
       own=st.one_of(st.none(), income), disabled=st.booleans())
def test_a_between_reason_is_only_given_between(size, couple, monthly, own, disabled) -> None:
    members = [{"age": 70, "disability": disabled, "severe_disability": disabled}] + people(*[68, 40, 12][: size - 1])
    household = {"members": members, "monthly_income": max(monthly, own or 0), "couple": couple, "assets": 0}
    if own is not None:
        household["applicant_income"] = own
    for found in screen(household, CATALOGUE, PARAMETERS, D2026):
        for reason in found.reasons:
            p = reason.params
            if reason.key == BETWEEN:
                assert p["single_threshold"] < p["income"] <= p["couple_threshold"], (found.service_id, p)
            if reason.key == ABOVE_BOTH:
                assert p["income"] > p["couple_threshold"], (found.service_id, p)
            if reason.key.endswith(("_above", "above_limit")) and "threshold" in p:
                assert p["income"] > p["threshold"], (found.service_id, reason.key, p)
            if reason.key.endswith("at_or_below") and "threshold" in p and "income" in p:
                assert p["income"] <= p["threshold"], (found.service_id, reason.key, p)
