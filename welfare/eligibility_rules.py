"""Eligibility rules as code, one per ``eligibility_rule`` id used in the service catalogue.

Each rule reads only the dated parameters (welfare/data/parameters) and the household, and
records its checks in an :class:`~welfare.eligibility_checks.Assessment`. This is honest
screening, not the 소득인정액 calculation: income is what the household tells us, assets are
only used where a bound is certain, and anything decided by an assessment stays "likely".
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from welfare.eligibility_checks import (
    Q,
    R_MEMBER_IN_AGE_RANGE,
    R_NO_MEMBER_AT_OR_ABOVE_AGE,
    R_SITUATION_REPORTED,
    Assessment,
    assets_generic,
    assets_with_bounds,
    household_income,
    member_in_range,
    oldest_at_least,
    pension_unit_income,
)
from welfare.eligibility_parameters import ParameterSet
from welfare.screening_input import Household

RuleFunction = Callable[[Household, ParameterSet, Assessment, Mapping[str, object]], None]

R_HOUSING_COVERED = "finder.reason.housing_covered"
R_HOUSING_NOT_COVERED = "finder.reason.housing_not_covered"
R_ALREADY_RECIPIENT = "finder.reason.already_recipient"
R_COPAY_CONDITION_MISSING = "finder.reason.copay_condition_missing"
R_CRISIS_REPORTED = "finder.reason.crisis_reported"
R_NO_CRISIS_REPORTED = "finder.reason.no_crisis_reported"
R_ASSETS_AT_OR_BELOW_LIMIT = "finder.reason.assets_at_or_below_limit"
R_ASSETS_ABOVE_LIMIT = "finder.reason.assets_above_limit"
R_ASSETS_DEPEND_ON_REGION = "finder.reason.assets_depend_on_region"
R_FIN_ASSETS_AT_OR_BELOW = "finder.reason.financial_assets_at_or_below"
R_FIN_ASSETS_ABOVE = "finder.reason.financial_assets_above"
R_SEVERE_DISABILITY = "finder.reason.severe_disability_member"
R_NOT_SEVERE = "finder.reason.disability_not_severe"
R_NO_DISABILITY = "finder.reason.no_disability"
R_OVER_65_BASIC_PENSION = "finder.reason.over_65_basic_pension_instead"
N_FAMILY_SUPPORT = "finder.note.family_support_obligation"
N_EMERGENCY_FIRST = "finder.note.emergency_support_first"
N_PUBLIC_PENSION = "finder.note.public_pension_excluded"

MEDIAN = "median_income"
BASIC_BENEFITS = ("livelihood_benefit", "medical_benefit", "housing_benefit", "education_benefit")
# 긴급복지지원법 제2조 and 고시 제2025-1호 (guide L1584–1592): the crisis reasons, by variant.
EMERGENCY_CRISES: dict[str, tuple[str, ...]] = {
    "livelihood": (
        "job_loss", "money_basics", "health", "violence_abuse", "care_gap",
        "children_youth", "housing", "mental_health",
    ),
    "medical": ("health", "mental_health"),
    "housing": ("housing", "violence_abuse"),
}
EMERGENCY_REGION_LIMITS = {
    "metropolitan": "emergency.asset_limit.metropolitan",
    "small_city": "emergency.asset_limit.small_city",
    "rural": "emergency.asset_limit.rural",
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    function: RuleFunction
    parameters: tuple[str, ...]  # parameter names it reads (checked against each date)
    options: Mapping[str, type]  # allowed keys of a service's eligibility_params


RULES: dict[str, Rule] = {}


def register(rule_id: str, function: RuleFunction, parameters: tuple[str, ...], options: Mapping[str, type] | None = None) -> None:
    RULES[rule_id] = Rule(rule_id, function, (MEDIAN, *parameters), dict(options or {}))


# ---- 국민기초생활보장 ---------------------------------------------------------------------

def _basic_livelihood(benefit: str) -> RuleFunction:
    percent = f"basic_livelihood.{benefit}.percent"
    label = f"finder.benefit.{benefit}"

    def rule(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
        # A failed gate ends the rule: the reasons then say what excludes, nothing else.
        if benefit == "education":
            low, high = ps.value("basic_livelihood.education.school_age_min"), ps.value("basic_livelihood.education.school_age_max")
            if member_in_range(h, a, low, high) is False:
                return
        if benefit == "housing":
            if h.housing is None:
                a.ask(Q["housing"])
            elif h.housing in ("free_of_charge", "homeless"):
                a.failed(R_HOUSING_NOT_COVERED, housing=f"finder.housing.{h.housing}")
                return
            else:
                a.passed(R_HOUSING_COVERED, housing=f"finder.housing.{h.housing}")
        household_income(h, ps, a, percent, label)
        if benefit == "medical":
            # 의료급여 deductions were not verified: only zero assets are conclusive.
            assets_generic(h, a)
            a.note(N_FAMILY_SUPPORT)
            return
        assets_with_bounds(
            h,
            a,
            no_effect_limit=ps.value("basic_livelihood.asset_deduction_min"),
            deduction_max=ps.value("basic_livelihood.asset_deduction_max"),
            monthly_rate=(ps.value("basic_livelihood.asset_rate_min_per_10000"), 10_000),
            income_floor=h.monthly_income,
            threshold=ps.threshold(percent, h.size),
            benefit=label,
            rate_verified=ps.verified("basic_livelihood.asset_rate_min_per_10000"),
        )

    return rule


for _benefit in ("livelihood", "medical", "housing", "education"):
    _extra: tuple[str, ...] = ()
    if _benefit != "medical":
        _extra = ("basic_livelihood.asset_deduction_min", "basic_livelihood.asset_deduction_max", "basic_livelihood.asset_rate_min_per_10000")
    if _benefit == "education":
        _extra += ("basic_livelihood.education.school_age_min", "basic_livelihood.education.school_age_max")
    register(f"basic_livelihood.{_benefit}", _basic_livelihood(_benefit), (f"basic_livelihood.{_benefit}.percent", *_extra))


def near_poor_copay(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if h.receives is not None and not h.receives.isdisjoint(("livelihood_benefit", "medical_benefit")):
        a.failed(R_ALREADY_RECIPIENT, benefit="finder.benefit.medical")
        return
    household_income(h, ps, a, "near_poor.percent", "finder.benefit.near_poor")
    # 본인부담경감: 희귀·중증난치·중증질환자, 만성질환자, or a child under 18.
    child = next((m.age for m in h.members if m.age is not None and m.age < 18), None)
    if child is not None:
        a.passed(R_MEMBER_IN_AGE_RANGE, age=child, min_age=0, max_age=17)
    elif h.has_situation("health"):
        a.passed(R_SITUATION_REPORTED, situation="finder.situation.health")
    elif h.situations is None:
        a.unknown(Q["situations"])
    elif h.any_age_unknown:
        a.unknown(Q["member_age"])
    else:
        a.failed(R_COPAY_CONDITION_MISSING)
    assets_generic(h, a)
    a.note(N_FAMILY_SUPPORT)


register("near_poor.copay_reduction", near_poor_copay, ("near_poor.percent",))


# ---- 긴급복지지원 ------------------------------------------------------------------------

def _emergency(variant: str) -> RuleFunction:
    crises = EMERGENCY_CRISES[variant]

    def rule(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
        if variant == "housing" and h.housing == "homeless":
            a.passed(R_CRISIS_REPORTED, situation="finder.situation.housing")
        elif h.situations is None:
            a.unknown(Q["situations"])
        else:
            found = next((s for s in crises if s in h.situations), None)
            if found is None:
                a.failed(R_NO_CRISIS_REPORTED, benefit="finder.benefit.emergency")
                a.note(N_EMERGENCY_FIRST)
                return
            a.passed(R_CRISIS_REPORTED, situation=f"finder.situation.{found}")
        household_income(h, ps, a, "emergency.income_percent", "finder.benefit.emergency")
        _emergency_assets(h, ps, a)
        _emergency_financial_assets(h, ps, a)
        a.note(N_EMERGENCY_FIRST)

    return rule


def _emergency_assets(h: Household, ps: ParameterSet, a: Assessment) -> None:
    if h.assets is None:
        a.ask(Q["assets"])
        return
    if h.region is not None:
        name = EMERGENCY_REGION_LIMITS[h.region]
        limit = ps.value(name)
        a.check(h.assets <= limit, ps.verified(name), R_ASSETS_AT_OR_BELOW_LIMIT, R_ASSETS_ABOVE_LIMIT, assets=h.assets, limit=limit, region=f"finder.region.{h.region}")
        return
    limits = sorted((ps.value(n), n) for n in EMERGENCY_REGION_LIMITS.values())
    (low, low_name), (high, high_name) = limits[0], limits[-1]
    if h.assets <= low:
        a.check(True, ps.verified(low_name), R_ASSETS_AT_OR_BELOW_LIMIT, R_ASSETS_ABOVE_LIMIT, assets=h.assets, limit=low, region="finder.region.any")
    elif h.assets > high:
        a.check(False, ps.verified(high_name), R_ASSETS_AT_OR_BELOW_LIMIT, R_ASSETS_ABOVE_LIMIT, assets=h.assets, limit=high, region="finder.region.any")
    else:
        a.unknown(Q["region"], R_ASSETS_DEPEND_ON_REGION, assets=h.assets, low_limit=low, high_limit=high)


def _emergency_financial_assets(h: Household, ps: ParameterSet, a: Assessment) -> None:
    if h.financial_assets is None:
        a.ask(Q["financial_assets"])
        return
    name = "emergency.financial_asset_limit"
    limit = ps.value(name)
    a.check(h.financial_assets <= limit, ps.verified(name), R_FIN_ASSETS_AT_OR_BELOW, R_FIN_ASSETS_ABOVE, financial_assets=h.financial_assets, limit=limit)


_EMERGENCY_PARAMETERS = ("emergency.income_percent", *EMERGENCY_REGION_LIMITS.values(), "emergency.financial_asset_limit")
for _variant in EMERGENCY_CRISES:
    register(f"emergency_welfare.{_variant}", _emergency(_variant), _EMERGENCY_PARAMETERS)


# ---- 기초연금, 장애인연금 ------------------------------------------------------------------

def basic_pension(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if oldest_at_least(h, a, ps.value("basic_pension.age_min")) is False:
        return
    single, couple = ps.value("basic_pension.threshold_single"), ps.value("basic_pension.threshold_couple")
    verified = ps.verified("basic_pension.threshold_single") and ps.verified("basic_pension.threshold_couple")
    _, floor = pension_unit_income(h, a, single_threshold=single, couple_threshold=couple, verified=verified, benefit="finder.benefit.basic_pension")
    applicable = single if (h.size == 1 or h.couple is False) else couple
    assets_with_bounds(
        h,
        a,
        no_effect_limit=ps.value("basic_pension.financial_asset_deduction"),
        deduction_max=ps.value("basic_pension.asset_deduction_max") + ps.value("basic_pension.financial_asset_deduction"),
        monthly_rate=(ps.value("basic_pension.asset_rate_percent_per_year"), 1200),
        income_floor=floor if floor is not None else 0,
        threshold=applicable,
        benefit="finder.benefit.basic_pension",
        rate_verified=ps.verified("basic_pension.asset_rate_percent_per_year"),
    )
    a.note(N_PUBLIC_PENSION)


register(
    "basic_pension",
    basic_pension,
    ("basic_pension.age_min", "basic_pension.threshold_single", "basic_pension.threshold_couple",
     "basic_pension.financial_asset_deduction", "basic_pension.asset_deduction_max", "basic_pension.asset_rate_percent_per_year"),
)


def disability_pension(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    min_age = ps.value("disability_pension.age_min")
    severe = [m for m in h.members if m.disability is True and m.severe_disability is True]
    adults = [m.age for m in severe if m.age is not None and m.age >= min_age]
    if adults:
        a.passed(R_SEVERE_DISABILITY, age=adults[0], min_age=min_age)
        if min(adults) >= ps.value("basic_pension.age_min"):
            a.soft(R_OVER_65_BASIC_PENSION, min_age=ps.value("basic_pension.age_min"))
    elif any(m.age is None for m in severe):
        a.unknown(Q["member_age"])
    elif any(m.disability is True and m.severe_disability is None for m in h.members):
        a.unknown(Q["member_severe_disability"])
    elif any(m.disability is None for m in h.members):
        a.unknown(Q["member_disability"])
    elif severe:
        a.failed(R_NO_MEMBER_AT_OR_ABOVE_AGE, min_age=min_age)
    elif any(m.disability is True for m in h.members):
        a.failed(R_NOT_SEVERE)
    else:
        a.failed(R_NO_DISABILITY)
    if not adults:
        return  # settle who is concerned before asking about their income
    single, couple = ps.value("disability_pension.threshold_single"), ps.value("disability_pension.threshold_couple")
    verified = ps.verified("disability_pension.threshold_single") and ps.verified("disability_pension.threshold_couple")
    pension_unit_income(h, a, single_threshold=single, couple_threshold=couple, verified=verified, benefit="finder.benefit.disability_pension")
    assets_generic(h, a)


register(
    "disability_pension",
    disability_pension,
    ("disability_pension.age_min", "disability_pension.threshold_single", "disability_pension.threshold_couple", "basic_pension.age_min"),
)


# The rules for care, families and local resources register themselves on import.
from welfare import eligibility_rules_care  # noqa: E402,F401  (import for its side effect)
