"""Golden households: expected results worked out BY HAND from the published thresholds.

Figures (welfare/data/parameters): 2026 기준 중위소득 1인 2,564,238 / 2인 4,199,292 /
3인 5,359,036 / 4인 6,494,738 / 5인 7,556,719 / 6인 8,555,952 / 7인 9,515,150 원;
2025: 1인 2,392,013 / 4인 6,097,773 / 2인 3,932,658. Thresholds = median × ratio rounded half
up to the won. Each case's comment shows the arithmetic; the code is not consulted.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
from babel.messages.pofile import read_po

from welfare.eligibility import ScreeningResult, screen
from welfare.eligibility_parameters import NoParametersInForce, load_parameters
from welfare.finder_format import format_params
from welfare.service_catalogue import load_catalogue

D2026 = dt.date(2026, 3, 2)
D2025 = dt.date(2025, 6, 30)
CATALOGUE = load_catalogue()
PARAMETERS = load_parameters()


def adults(*ages: int) -> list[dict[str, object]]:
    return [{"age": a} for a in ages]


def result(household: dict[str, object], service_id: str, on: dt.date = D2026) -> ScreeningResult:
    found = [r for r in screen(household, CATALOGUE, PARAMETERS, on) if r.service_id == service_id]
    assert len(found) == 1
    return found[0]


class Case(NamedTuple):
    name: str
    service: str
    household: dict[str, object]
    status: str
    reason: tuple[str, dict[str, object]] | None = None  # a reason that must be present
    missing: tuple[str, ...] = ()
    on: dt.date = D2026


CASES = [
    # ---- 생계급여 (32%) ------------------------------------------------------------------
    # 4인 2026: 6,494,738 × 0.32 = 2,078,316.16 → 2,078,316; 1,800,000 ≤ 2,078,316; no assets.
    Case("livelihood_4_below", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_800_000, "assets": 0},
         "eligible", ("finder.reason.income_at_or_below", {"household_size": 4, "income": 1_800_000, "benefit": "finder.benefit.livelihood", "threshold": 2_078_316})),
    # exactly at 2,078,316 → eligible
    Case("livelihood_4_at", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 2_078_316, "assets": 0}, "eligible"),
    # one won above: 2,078,317 > 2,078,316 → not eligible
    Case("livelihood_4_above", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 2_078_317, "assets": 0},
         "not_eligible", ("finder.reason.income_above", {"threshold": 2_078_316})),
    # 1인: 2,564,238 × 0.32 = 820,556.16 → 820,556
    Case("livelihood_1_at", "livelihood_benefit", {"members": adults(58), "monthly_income": 820_556, "assets": 0}, "eligible"),
    Case("livelihood_1_above", "livelihood_benefit", {"members": adults(58), "monthly_income": 820_557, "assets": 0}, "not_eligible"),
    # 2인: 4,199,292 × 0.32 = 1,343,773.44 → 1,343,773
    Case("livelihood_2_at", "livelihood_benefit", {"members": adults(50, 20), "monthly_income": 1_343_773, "assets": 0}, "eligible"),
    # 3인: 5,359,036 × 0.32 = 1,714,891.52 → 1,714,892 (rounded up)
    Case("livelihood_3_at", "livelihood_benefit", {"members": adults(40, 10, 8), "monthly_income": 1_714_892, "assets": 0}, "eligible"),
    Case("livelihood_3_above", "livelihood_benefit", {"members": adults(40, 10, 8), "monthly_income": 1_714_893, "assets": 0}, "not_eligible"),
    # 5인: 7,556,719 × 0.32 = 2,418,150.08 → 2,418,150
    Case("livelihood_5_at", "livelihood_benefit", {"members": adults(44, 42, 16, 12, 7), "monthly_income": 2_418_150, "assets": 0}, "eligible"),
    # 6인: 8,555,952 × 0.32 = 2,737,904.64 → 2,737,905
    Case("livelihood_6_at", "livelihood_benefit", {"members": adults(70, 44, 42, 16, 12, 7), "monthly_income": 2_737_905, "assets": 0}, "eligible"),
    Case("livelihood_6_above", "livelihood_benefit", {"members": adults(70, 44, 42, 16, 12, 7), "monthly_income": 2_737_906, "assets": 0}, "not_eligible"),
    # 8인: 9,515,150 + (9,515,150 − 8,555,952 = 959,198) = 10,474,348; × 0.32 = 3,351,791.36 → 3,351,791
    Case("livelihood_8_at", "livelihood_benefit", {"members": adults(70, 68, 45, 43, 17, 15, 12, 9), "monthly_income": 3_351_791, "assets": 0}, "eligible"),
    # 2025 4인: 6,097,773 × 0.32 = 1,951,287.36 → 1,951,287
    Case("livelihood_2025_at", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_951_287, "assets": 0}, "eligible", on=D2025),
    Case("livelihood_2025_above", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_951_288, "assets": 0}, "not_eligible", on=D2025),
    # the same 1,951,288 in 2026 is ≤ 2,078,316
    Case("livelihood_2026_same_income", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_951_288, "assets": 0}, "eligible"),
    # missing income → ask, never "not eligible"
    Case("livelihood_income_missing", "livelihood_benefit", {"members": adults(45, 43), "assets": 0}, "need_more_info", missing=("monthly_income",)),
    # income fine, assets unknown → likely, and ask for assets
    Case("livelihood_assets_missing", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_000_000}, "likely", missing=("assets",)),
    # assets 60,000,000 > lowest 기본재산액 53,000,000 → may count; 60M < 99M so no lower bound → likely
    Case("livelihood_assets_may_count", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_000_000, "assets": 60_000_000},
         "likely", ("finder.reason.assets_may_count", {"assets": 60_000_000, "limit": 53_000_000})),
    # assets 500,000,000: (500,000,000 − 99,000,000) × 1.04% = 4,170,400 a month at least;
    # 1,000,000 + 4,170,400 = 5,170,400 > 2,078,316 → not eligible
    Case("livelihood_assets_push_over", "livelihood_benefit", {"members": adults(45, 43, 12, 9), "monthly_income": 1_000_000, "assets": 500_000_000},
         "not_eligible", ("finder.reason.assets_push_over_threshold", {"converted": 4_170_400, "threshold": 2_078_316})),
    # ---- 의료급여 (40%), 주거급여 (48%), 교육급여 (50%) ---------------------------------------
    # 1인: 2,564,238 × 0.40 = 1,025,695.2 → 1,025,695
    Case("medical_1_at", "medical_benefit", {"members": adults(61), "monthly_income": 1_025_695, "assets": 0}, "eligible"),
    # 5인: 7,556,719 × 0.40 = 3,022,687.6 → 3,022,688; 3,022,689 is above
    Case("medical_5_above", "medical_benefit", {"members": adults(44, 42, 16, 12, 7), "monthly_income": 3_022_689, "assets": 0}, "not_eligible"),
    # 2인: 4,199,292 × 0.48 = 2,015,660.16 → 2,015,660; 월세
    Case("housing_2_at", "housing_benefit", {"members": adults(33, 4), "monthly_income": 2_015_660, "assets": 0, "housing": "monthly_rent"}, "eligible"),
    # 무상거주: no rent to pay → not covered, whatever the income
    Case("housing_free", "housing_benefit", {"members": adults(33, 4), "monthly_income": 1_000_000, "assets": 0, "housing": "free_of_charge"}, "not_eligible"),
    # 6인: 8,555,952 × 0.48 = 4,106,856.96 → 4,106,857; 자가 (repairs)
    Case("housing_6_at", "housing_benefit", {"members": adults(70, 44, 42, 16, 12, 7), "monthly_income": 4_106_857, "assets": 0, "housing": "owned"}, "eligible"),
    # 4인: 6,494,738 × 0.50 = 3,247,369; a 15-year-old is of school age (6–18)
    Case("education_4_at", "education_benefit", {"members": adults(45, 43, 15, 10), "monthly_income": 3_247_369, "assets": 0},
         "eligible", ("finder.reason.member_in_age_range", {"age": 15, "min_age": 6, "max_age": 18})),
    # nobody aged 6–18 (40, 38, 2) → not eligible
    Case("education_no_student", "education_benefit", {"members": adults(40, 38, 2), "monthly_income": 1_000_000, "assets": 0}, "not_eligible"),
    Case("education_ages_unknown", "education_benefit", {"members": [{}, {}], "monthly_income": 1_000_000, "assets": 0}, "need_more_info", missing=("member_age",)),
    # ---- 차상위 본인부담경감 (50%) ---------------------------------------------------------
    # 1인: 2,564,238 × 0.50 = 1,282,119; illness reported; zero assets
    Case("near_poor_1_at", "near_poor_copay_reduction", {"members": adults(50), "monthly_income": 1_282_119, "assets": 0, "situations": ["health"]}, "eligible"),
    Case("near_poor_1_above", "near_poor_copay_reduction", {"members": adults(50), "monthly_income": 1_282_120, "assets": 0, "situations": ["health"]}, "not_eligible"),
    Case("near_poor_already_medical", "near_poor_copay_reduction", {"members": adults(50), "monthly_income": 500_000, "receives": ["medical_benefit"]}, "not_eligible"),
    # ---- 긴급복지지원 (75%, 재산 대도시 2억 4,100만원) ---------------------------------------
    # 3인: 5,359,036 × 0.75 = 4,019,277; 1억 ≤ 2억 4,100만; 금융 500만 ≤ 600만 (unverified → likely)
    Case("emergency_3_at", "emergency_livelihood_support",
         {"members": adults(45, 40, 10), "monthly_income": 4_019_277, "assets": 100_000_000, "financial_assets": 5_000_000, "region": "metropolitan", "situations": ["job_loss"]},
         "likely", ("finder.reason.income_at_or_below", {"household_size": 3, "threshold": 4_019_277})),
    Case("emergency_3_above", "emergency_livelihood_support",
         {"members": adults(45, 40, 10), "monthly_income": 4_019_278, "assets": 100_000_000, "financial_assets": 5_000_000, "region": "metropolitan", "situations": ["job_loss"]},
         "not_eligible"),
    Case("emergency_no_crisis", "emergency_livelihood_support", {"members": adults(45), "monthly_income": 500_000, "situations": []}, "not_eligible"),
    Case("emergency_situations_unknown", "emergency_livelihood_support", {"members": adults(45), "monthly_income": 500_000}, "need_more_info", missing=("situations",)),
    # 2억: above 농어촌 1억 3,000만, within 대도시 2억 4,100만 → depends on region: ask
    Case("emergency_region_needed", "emergency_livelihood_support", {"members": adults(45), "monthly_income": 500_000, "assets": 200_000_000, "situations": ["job_loss"]},
         "need_more_info", missing=("region",)),
    # 2억 5,000만 > 2억 4,100만 (the highest limit) → not eligible anywhere
    Case("emergency_assets_above_all", "emergency_livelihood_support", {"members": adults(45), "monthly_income": 500_000, "assets": 250_000_000, "situations": ["job_loss"]}, "not_eligible"),
    # 1인: 2,564,238 × 0.75 = 1,923,178.5 → 1,923,179 (half up); one won more is above
    Case("emergency_medical_1_half_up", "emergency_medical_support", {"members": adults(52), "monthly_income": 1_923_179, "situations": ["health"]},
         "likely", ("finder.reason.income_at_or_below", {"threshold": 1_923_179})),
    Case("emergency_medical_1_above", "emergency_medical_support", {"members": adults(52), "monthly_income": 1_923_180, "situations": ["health"]}, "not_eligible"),
    # ---- 기초연금 (65세; 2026 단독 2,470,000 / 부부 3,952,000) ---------------------------------
    Case("pension_65_at", "basic_pension", {"members": adults(65), "monthly_income": 2_470_000, "assets": 0},
         "eligible", ("finder.reason.age_at_or_above", {"age": 65, "min_age": 65})),
    # 64 is one year short
    Case("pension_64", "basic_pension", {"members": adults(64), "monthly_income": 500_000, "assets": 0}, "not_eligible", ("finder.reason.no_member_at_or_above_age", {"min_age": 65})),
    Case("pension_single_above", "basic_pension", {"members": adults(65), "monthly_income": 2_470_001, "assets": 0}, "not_eligible"),
    Case("pension_couple_at", "basic_pension", {"members": adults(70, 68), "couple": True, "monthly_income": 3_952_000, "assets": 0}, "eligible"),
    Case("pension_couple_above", "basic_pension", {"members": adults(70, 68), "couple": True, "monthly_income": 3_952_001, "assets": 0}, "not_eligible"),
    # 3,000,000: above single 2,470,000 but ≤ couple 3,952,000 → ask whether a couple
    Case("pension_couple_unknown", "basic_pension", {"members": adults(70, 68), "monthly_income": 3_000_000, "assets": 0}, "need_more_info", missing=("couple",)),
    # 2,000,000 ≤ 2,470,000 passes either way
    Case("pension_couple_unknown_low", "basic_pension", {"members": adults(70, 68), "monthly_income": 2_000_000, "assets": 0}, "eligible"),
    # a son's income is in the household figure: 4,000,000 > 2,470,000 says nothing → ask
    Case("pension_with_son", "basic_pension", {"members": adults(72, 45, 15), "couple": False, "monthly_income": 4_000_000, "assets": 0}, "need_more_info", missing=("applicant_income",)),
    Case("pension_with_son_answered", "basic_pension", {"members": adults(72, 45, 15), "couple": False, "monthly_income": 4_000_000, "applicant_income": 1_000_000, "assets": 0}, "eligible"),
    # 2025 단독 2,280,000: 2,300,000 is above in 2025 but below 2,470,000 in 2026
    Case("pension_2025_above", "basic_pension", {"members": adults(70), "monthly_income": 2_300_000, "assets": 0}, "not_eligible", on=D2025),
    Case("pension_2026_same", "basic_pension", {"members": adults(70), "monthly_income": 2_300_000, "assets": 0}, "eligible"),
    Case("pension_age_unknown", "basic_pension", {"members": [{}], "monthly_income": 1_000_000, "assets": 0}, "need_more_info", missing=("member_age",)),
    # assets 3억: (300,000,000 − 135,000,000 − 20,000,000) × 4% / 12 = 483,333 a month at least;
    # 2,000,000 + 483,333 = 2,483,333 > 2,470,000 → not eligible
    Case("pension_assets_push_over", "basic_pension", {"members": adults(70), "monthly_income": 2_000_000, "assets": 300_000_000},
         "not_eligible", ("finder.reason.assets_push_over_threshold", {"converted": 483_333, "threshold": 2_470_000})),
    # assets 1억 > 2,000만 금융공제: may count → likely
    Case("pension_assets_may_count", "basic_pension", {"members": adults(70), "monthly_income": 1_000_000, "assets": 100_000_000}, "likely"),
    # ---- 장애인연금 (18세 이상 중증; thresholds unverified → at best likely) ---------------------
    # 단독 1,400,000 (unverified): 1,000,000 ≤ 1,400,000
    Case("disability_severe", "disability_pension", {"members": [{"age": 30, "disability": True, "severe_disability": True}], "monthly_income": 1_000_000, "assets": 0}, "likely"),
    Case("disability_not_severe", "disability_pension", {"members": [{"age": 30, "disability": True, "severe_disability": False}], "monthly_income": 1_000_000}, "not_eligible"),
    Case("disability_17", "disability_pension", {"members": [{"age": 17, "disability": True, "severe_disability": True}], "monthly_income": 0}, "not_eligible"),
    Case("disability_unknown", "disability_pension", {"members": adults(30), "monthly_income": 1_000_000}, "need_more_info", missing=("member_disability",)),
    # ---- 한부모 아동양육비 (2025 63% verified; 2026 65% unverified) -----------------------------
    # 2025 2인: 3,932,658 × 0.63 = 2,477,574.54 → 2,477,575
    Case("single_parent_2025_at", "single_parent_child_support", {"members": adults(35, 5), "monthly_income": 2_477_575, "assets": 0, "situations": ["single_parent"]}, "eligible", on=D2025),
    Case("single_parent_2025_above", "single_parent_child_support", {"members": adults(35, 5), "monthly_income": 2_477_576, "assets": 0, "situations": ["single_parent"]}, "not_eligible", on=D2025),
    # 2026 2인: 4,199,292 × 0.65 = 2,729,539.8 → 2,729,540; unverified ratio → likely
    Case("single_parent_2026_at", "single_parent_child_support", {"members": adults(35, 5), "monthly_income": 2_729_540, "assets": 0, "situations": ["single_parent"]},
         "likely", ("finder.reason.income_at_or_below", {"threshold": 2_729_540})),
    Case("single_parent_not_reported", "single_parent_child_support", {"members": adults(35, 5), "monthly_income": 1_000_000, "situations": ["money_basics"]}, "not_eligible"),
    # ---- 에너지바우처, 노인맞춤돌봄, 통합사례관리, 청년 -----------------------------------------
    Case("energy_recipient_elderly", "energy_voucher", {"members": adults(70), "receives": ["livelihood_benefit"]}, "eligible"),
    # 2인 education 50% = 2,099,646; 5,000,000 above → cannot be a recipient
    Case("energy_income_above", "energy_voucher", {"members": adults(30, 3), "monthly_income": 5_000_000}, "not_eligible"),
    Case("energy_no_trait", "energy_voucher", {"members": [{"age": 40, "disability": False}], "monthly_income": 500_000, "situations": []}, "not_eligible"),
    # 80, alone, 1,000,000 ≤ 2,470,000 (기초연금 test stands in) → likely (an assessment decides)
    Case("elderly_care_alone", "elderly_customized_care", {"members": adults(80), "monthly_income": 1_000_000, "similar_care": False}, "likely"),
    # 유사·중복 사업 (guide L4263, L4799–4801): a 장기요양 등급 excludes; unknown is asked, never assumed
    Case("elderly_care_long_term_care", "elderly_customized_care", {"members": adults(80), "monthly_income": 1_000_000, "similar_care": True},
         "not_eligible", ("finder.reason.similar_care_programme", {"benefit": "finder.benefit.elderly_care"})),
    Case("elderly_care_similar_unknown", "elderly_customized_care", {"members": adults(80), "monthly_income": 1_000_000}, "need_more_info", missing=("similar_care",)),
    Case("elderly_care_60", "elderly_customized_care", {"members": adults(60), "monthly_income": 1_000_000}, "not_eligible"),
    Case("case_management_three_needs", "integrated_case_management", {"members": adults(48), "situations": ["job_loss", "money_basics", "mental_health"]},
         "likely", ("finder.reason.multiple_needs", {"count": 3})),
    Case("case_management_none", "integrated_case_management", {"members": adults(48), "situations": []}, "not_eligible"),
    # 19-year-old caring for a disabled parent; 2인 100% = 4,199,292 ≥ 3,000,000
    Case("young_carer", "young_carer_support", {"members": [{"age": 19}, {"age": 52, "disability": True}], "monthly_income": 3_000_000, "situations": ["young_carer"]}, "likely"),
    Case("young_carer_too_old", "young_carer_support", {"members": adults(40, 70), "situations": ["young_carer"]}, "not_eligible"),
    Case("isolated_youth", "isolated_youth_support", {"members": adults(25), "situations": ["isolation"]}, "likely"),
    Case("isolated_youth_45", "isolated_youth_support", {"members": adults(45), "situations": ["isolation"]}, "not_eligible"),
    # ---- 치매안심센터, 노인장기요양보험 (치매: 정신적 건강, guide L11243) ----------------------------
    # counselling is open to all; the 60+ screening age is unverified → likely
    Case("dementia_centre", "dementia_care_centre", {"members": [{}], "situations": ["dementia"]}, "likely",
         ("finder.reason.situation_reported", {"situation": "finder.situation.dementia"})),
    Case("dementia_centre_no_worry", "dementia_care_centre", {"members": adults(50), "situations": ["job_loss"]}, "not_eligible"),
    # 65+ (노인장기요양보험법 제2조제1호); younger with dementia (노인성 질병) may apply; 64 without it not
    Case("long_term_care_65", "long_term_care_insurance", {"members": adults(65), "situations": []}, "likely",
         ("finder.reason.age_at_or_above", {"age": 65, "min_age": 65})),
    Case("long_term_care_dementia_young", "long_term_care_insurance", {"members": adults(58), "situations": ["dementia"]}, "likely",
         ("finder.reason.geriatric_disease_reported", {"min_age": 65})),
    Case("long_term_care_dementia_age_unknown", "long_term_care_insurance", {"members": [{}], "situations": ["dementia"]}, "likely"),
    Case("long_term_care_64", "long_term_care_insurance", {"members": adults(64), "situations": ["health"]}, "not_eligible"),
    # ---- local examples ---------------------------------------------------------------------
    Case("food_bank", "example_food_bank", {"members": adults(50), "situations": ["money_basics"]}, "likely"),
    Case("middle_aged_group", "example_middle_aged_social_program", {"members": adults(50), "situations": ["isolation"]}, "likely"),
    Case("middle_aged_group_two", "example_middle_aged_social_program", {"members": adults(50, 48), "situations": ["isolation"]}, "not_eligible"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Case) -> None:
    found = result(case.household, case.service, case.on)
    assert found.status.value == case.status, [r.to_json() for r in found.reasons]
    if case.reason is not None:
        key, params = case.reason
        matching = [r for r in found.reasons if r.key == key]
        assert matching, [r.key for r in found.reasons]
        assert any(all(r.params.get(k) == v for k, v in params.items()) for r in matching), [r.params for r in matching]
    assert set(case.missing) <= {q.id for q in found.missing}
    if found.status.value == "not_eligible":
        assert found.missing == ()
    assert any(n.key == "finder.note.screening_only" for n in found.notes)


def test_at_least_forty_golden_households() -> None:
    assert len(CASES) >= 40
    sizes = {len(c.household["members"]) for c in CASES}  # type: ignore[arg-type]
    assert {1, 2, 3, 4, 5, 6} <= sizes


def test_missing_answers_never_exclude() -> None:
    # Only members known; every other answer missing: nothing may be "not_eligible" except
    # what the ages alone decide (e.g. nobody 65+ for 기초연금).
    results = screen({"members": [{}]}, CATALOGUE, PARAMETERS, D2026)
    assert all(r.status.value == "need_more_info" for r in results), [(r.service_id, r.status) for r in results]


def test_korean_sentence_renders_as_the_office_writes_it() -> None:
    found = result({"members": adults(45, 43, 12, 9), "monthly_income": 1_800_000, "assets": 0}, "livelihood_benefit")
    catalog = {m.id: m.string for m in read_po(open("locales/ko/LC_MESSAGES/finder.po", "rb")) if m.id}
    reason = found.reasons[0]
    text = catalog[reason.key].format_map(format_params(reason.params, "ko", catalog.__getitem__))
    assert text == "4인 가구 월 소득 180만원은 생계급여 선정기준 2,078,316원 이하입니다"
    english = {m.id: m.string for m in read_po(open("locales/en/LC_MESSAGES/finder.po", "rb")) if m.id}
    text_en = english[reason.key].format_map(format_params(reason.params, "en", english.__getitem__))
    assert "₩1,800,000" in text_en and "₩2,078,316" in text_en and "livelihood benefit" in text_en


def test_year_boundary_switches_figures() -> None:
    household = {"members": adults(45, 43, 12, 9), "monthly_income": 2_000_000, "assets": 0}
    # 2,000,000 > 1,951,287 (2025) but ≤ 2,078,316 (2026)
    assert result(household, "livelihood_benefit", dt.date(2025, 12, 31)).status.value == "not_eligible"
    assert result(household, "livelihood_benefit", dt.date(2026, 1, 1)).status.value == "eligible"


def test_outdated_figures_are_flagged_and_old_dates_refused() -> None:
    late = result({"members": adults(70), "monthly_income": 1_000_000, "assets": 0}, "basic_pension", dt.date(2027, 2, 1))
    assert any(n.key == "finder.note.parameters_may_be_outdated" for n in late.notes)
    with pytest.raises(NoParametersInForce):
        screen({"members": adults(70)}, CATALOGUE, PARAMETERS, dt.date(2024, 12, 31))


def test_unverified_figures_never_give_eligible() -> None:
    # 장애인연금 thresholds are unverified: even zero income stays "likely" with a note.
    found = result({"members": [{"age": 30, "disability": True, "severe_disability": True}], "monthly_income": 0, "assets": 0}, "disability_pension")
    assert found.status.value == "likely"
    assert any(n.key == "finder.note.threshold_unverified" for n in found.notes)


def test_to_json_is_plain_data() -> None:
    import json

    for found in screen({"members": adults(72), "monthly_income": 500_000, "situations": ["isolation"]}, CATALOGUE, PARAMETERS, D2026):
        data = found.to_json()
        assert json.loads(json.dumps(data, ensure_ascii=False)) == data
        assert set(data) == {"service_id", "name", "status", "reasons", "missing", "notes", "parameters_from"}
        assert data["status"] in {"eligible", "likely", "not_eligible", "need_more_info"}
