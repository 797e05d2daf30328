"""Eligibility rules for care, families, youth and local resources (registered in eligibility_rules).

한부모가족 아동양육비, 에너지바우처, 노인맞춤돌봄서비스, 통합사례관리, the 청년미래센터
programmes, and the generic ``local_resource`` rule whose criteria come from a catalogue
entry's ``eligibility_params``. Services here are mostly decided by an assessment or by the
provider, so their best answer is "likely".
"""
from __future__ import annotations

from collections.abc import Mapping

from welfare.eligibility_checks import (
    Q,
    R_AGE_AT_OR_ABOVE,
    R_INCOME_ABOVE,
    R_INCOME_AT_OR_BELOW,
    R_MEMBER_IN_AGE_RANGE,
    R_NO_MEMBER_IN_AGE_RANGE,
    R_SITUATION_NOT_REPORTED,
    R_SITUATION_REPORTED,
    Assessment,
    assets_generic,
    household_income,
    member_in_range,
    oldest_at_least,
    pension_unit_income,
    situation_any,
)
from welfare.eligibility_parameters import ParameterSet, round_half_up_percent
from welfare.eligibility_rules import BASIC_BENEFITS, register
from welfare.screening_input import Household

R_RECEIVES_BENEFIT = "finder.reason.receives_benefit"
R_REQUIRES_RECIPIENT = "finder.reason.requires_recipient_status"
R_CHILD_IN_SCHOOL_AGE = "finder.reason.child_in_school_age"
R_HOUSEHOLD_TRAIT = "finder.reason.household_trait"
R_NO_HOUSEHOLD_TRAIT = "finder.reason.no_household_trait"
R_LIVES_ALONE = "finder.reason.lives_alone"
R_OLDER_HOUSEHOLD = "finder.reason.older_household"
R_CARE_NEED = "finder.reason.care_need_reported"
R_NO_CARE_NEED = "finder.reason.no_care_need_reported"
R_ASSESSMENT_DECIDES = "finder.reason.assessment_decides"
R_NEED_REPORTED = "finder.reason.need_reported"
R_MULTIPLE_NEEDS = "finder.reason.multiple_needs"
R_NO_NEED_REPORTED = "finder.reason.no_need_reported"
R_ALLOWANCE_INCOME_ABOVE = "finder.reason.allowance_income_above"
R_PILOT_REGIONS = "finder.reason.pilot_regions_only"
R_LOCAL_RULES_VARY = "finder.reason.local_rules_vary"
R_LOW_INCOME_LOCAL = "finder.reason.income_within_local_limit"
R_NOT_SINGLE_PERSON = "finder.reason.not_single_person"
R_SIMILAR_CARE = "finder.reason.similar_care_programme"
N_URGENT_HELP = "finder.note.urgent_help"

CARE_SITUATIONS = ("care_gap", "health", "mental_health", "isolation")
CASE_NEEDS = (
    "money_basics", "isolation", "health", "mental_health", "care_gap", "housing",
    "job_loss", "violence_abuse", "children_youth", "young_carer", "other",
)


# ---- 한부모, 에너지바우처, 노인맞춤돌봄 ------------------------------------------------------

def single_parent_child_support(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if situation_any(h, a, ("single_parent",), "single_parent") is False:
        return
    under = ps.value("single_parent.child_age_under")
    under_in_school = ps.value("single_parent.child_age_under_in_school")
    child = next((m.age for m in h.members if m.age is not None and m.age < under), None)
    student = next((m.age for m in h.members if m.age is not None and under <= m.age < under_in_school), None)
    if child is not None:
        a.passed(R_MEMBER_IN_AGE_RANGE, age=child, min_age=0, max_age=under - 1)
    elif h.any_age_unknown:
        a.unknown(Q["member_age"])
    elif student is not None and h.size > 1:
        a.soft(R_CHILD_IN_SCHOOL_AGE, age=student, max_age=under_in_school - 1)
    else:
        a.failed(R_NO_MEMBER_IN_AGE_RANGE, min_age=0, max_age=under - 1)
        return
    household_income(h, ps, a, "single_parent.income_percent", "finder.benefit.single_parent")
    assets_generic(h, a)


register(
    "single_parent.child_support",
    single_parent_child_support,
    ("single_parent.income_percent", "single_parent.child_age_under", "single_parent.child_age_under_in_school"),
)


def energy_voucher(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    received = [b for b in BASIC_BENEFITS if h.receives is not None and b in h.receives]
    if received:
        a.passed(R_RECEIVES_BENEFIT, benefit=f"finder.benefit.{received[0].removesuffix('_benefit')}")
    elif h.monthly_income is None:
        a.unknown(Q["monthly_income"])
    else:
        threshold = ps.threshold("basic_livelihood.education.percent", h.size)
        if h.monthly_income <= threshold:
            a.soft(R_REQUIRES_RECIPIENT, household_size=h.size, income=h.monthly_income, threshold=threshold)
        else:
            a.failed(R_INCOME_ABOVE, household_size=h.size, income=h.monthly_income, benefit="finder.benefit.education", threshold=threshold)
            return
    elderly, infant = ps.value("energy_voucher.elderly_age_min"), ps.value("energy_voucher.infant_age_under")
    trait = None
    for m in h.members:
        if m.age is not None and m.age >= elderly:
            trait = "elderly"
        elif m.age is not None and m.age < infant:
            trait = "infant"
        elif m.disability or m.severe_disability:
            trait = "disability"
        elif m.pregnant:
            trait = "pregnant"
        if trait:
            break
    if trait is None and h.has_situation("single_parent"):
        trait = "single_parent"
    if trait is not None:
        a.passed(R_HOUSEHOLD_TRAIT, trait=f"finder.trait.{trait}")
    elif h.any_age_unknown:
        a.unknown(Q["member_age"])
    elif any(m.disability is None for m in h.members):
        a.unknown(Q["member_disability"])
    elif h.situations is None:
        a.unknown(Q["situations"])
    else:
        a.failed(R_NO_HOUSEHOLD_TRAIT)


register("energy_voucher", energy_voucher, ("basic_livelihood.education.percent", "energy_voucher.elderly_age_min", "energy_voucher.infant_age_under"))


def elderly_customized_care(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    min_age = ps.value("elderly_care.age_min")
    if oldest_at_least(h, a, min_age) is False:
        return
    # "유사중복사업 자격에 해당되지 않는 자" (guide L4263, L4799–4801): someone with a 장기요양
    # 등급 or in a similar programme gets that instead (the 시장·군수·구청장 may make exceptions).
    if h.similar_care is True:
        a.failed(R_SIMILAR_CARE, benefit="finder.benefit.elderly_care")
        return
    if h.similar_care is None:
        a.unknown(Q["similar_care"])
    # 기초수급·차상위·기초연금 수급자 (guide L4254–4263); without them, 기초연금's test stands in.
    basis = ("near_poor", "basic_pension", *BASIC_BENEFITS)
    received = [b for b in basis if h.receives is not None and b in h.receives]
    if received:
        a.passed(R_RECEIVES_BENEFIT, benefit=f"finder.benefit.{received[0].removesuffix('_benefit')}")
    else:
        single, couple = ps.value("basic_pension.threshold_single"), ps.value("basic_pension.threshold_couple")
        pension_unit_income(h, a, single_threshold=single, couple_threshold=couple, verified=True, benefit="finder.benefit.basic_pension")
    known = [m.age for m in h.members if m.age is not None]
    if h.size == 1:
        a.passed(R_LIVES_ALONE)
    elif len(known) == h.size and min(known) >= min_age:
        a.passed(R_OLDER_HOUSEHOLD, min_age=min_age)
    else:
        found = next((s for s in CARE_SITUATIONS if h.has_situation(s)), None)
        if found is not None:
            a.passed(R_CARE_NEED, situation=f"finder.situation.{found}")
        elif h.situations is None:
            a.unknown(Q["situations"])
        else:
            a.failed(R_NO_CARE_NEED)
    a.soft(R_ASSESSMENT_DECIDES, benefit="finder.benefit.elderly_care")


register("elderly_care", elderly_customized_care, ("elderly_care.age_min", "basic_pension.threshold_single", "basic_pension.threshold_couple"))


# ---- 치매안심센터, 노인장기요양보험 ---------------------------------------------------------

R_DEMENTIA_CENTRE_OPEN = "finder.reason.dementia_centre_open_to_all"
R_GERIATRIC_DISEASE = "finder.reason.geriatric_disease_reported"
R_LONG_TERM_CARE_AGE = "finder.reason.long_term_care_age_or_disease"
# 치매 is a 정신적 건강 need (guide L11243–11246); the centre also sees worries about memory
# reported as mental health or as a care gap.
DEMENTIA_SITUATIONS = ("dementia", "mental_health", "care_gap")


def dementia_care_centre(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if situation_any(h, a, DEMENTIA_SITUATIONS, "dementia") is False:
        return
    name = "dementia_centre.screening_age_min"
    a.soft(R_DEMENTIA_CENTRE_OPEN, min_age=ps.value(name))
    if not ps.verified(name):
        a.unverified(failed=False)


register("dementia_care_centre", dementia_care_centre, ("dementia_centre.screening_age_min",))


def long_term_care(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    """노인장기요양보험법 제2조제1호: 65세 이상, or younger with a 노인성 질병 (치매 among them)."""
    min_age = ps.value("long_term_care.age_min")
    ages = [m.age for m in h.members if m.age is not None]
    if ages and max(ages) >= min_age:
        a.passed(R_AGE_AT_OR_ABOVE, age=max(ages), min_age=min_age)
    elif h.has_situation("dementia"):
        a.passed(R_GERIATRIC_DISEASE, min_age=min_age)
    elif h.any_age_unknown:
        a.unknown(Q["member_age"])
    elif h.situations is None:
        a.unknown(Q["situations"])
    else:
        a.failed(R_LONG_TERM_CARE_AGE, min_age=min_age)
        return
    a.soft(R_ASSESSMENT_DECIDES, benefit="finder.benefit.long_term_care")


register("long_term_care", long_term_care, ("long_term_care.age_min",))


# ---- 통합사례관리, 청년미래센터, local resources ------------------------------------------

def integrated_case_management(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if h.situations is None:
        a.unknown(Q["situations"])
    else:
        needs = [s for s in CASE_NEEDS if s in h.situations]
        if not needs:
            a.failed(R_NO_NEED_REPORTED)
        elif len(needs) == 1:
            a.soft(R_NEED_REPORTED, situation=f"finder.situation.{needs[0]}")
        else:
            a.soft(R_MULTIPLE_NEEDS, count=len(needs))
        if h.has_situation("violence_abuse", "mental_health"):
            a.note(N_URGENT_HELP)
    a.soft(R_ASSESSMENT_DECIDES, benefit="finder.benefit.case_management")


register("integrated_case_management", integrated_case_management, ())


def young_carer(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    if member_in_range(h, a, ps.value("young_carer.age_min"), ps.value("young_carer.age_max")) is False:
        return
    if h.has_situation("young_carer"):
        a.passed(R_SITUATION_REPORTED, situation="finder.situation.young_carer")
    elif h.has_situation("care_gap"):
        a.unknown(Q["young_carer"])
    elif h.situations is None:
        a.unknown(Q["situations"])
    else:
        a.failed(R_SITUATION_NOT_REPORTED, situation="finder.situation.young_carer")
        return
    if h.monthly_income is not None:
        # The income test is for the 자기돌봄비 only; the centre itself has none.
        name = "young_carer.income_percent"
        threshold = ps.threshold(name, h.size)
        key = R_INCOME_AT_OR_BELOW if h.monthly_income <= threshold else R_ALLOWANCE_INCOME_ABOVE
        a.soft(key, household_size=h.size, income=h.monthly_income, benefit="finder.benefit.young_carer", threshold=threshold)
        if not ps.verified(name):
            a.unverified(failed=False)
    a.soft(R_PILOT_REGIONS)


register("young_carer", young_carer, ("young_carer.age_min", "young_carer.age_max", "young_carer.income_percent"))


def isolated_youth(h: Household, ps: ParameterSet, a: Assessment, _: Mapping[str, object]) -> None:
    verified = ps.verified("isolated_youth.age_min") and ps.verified("isolated_youth.age_max")
    if member_in_range(h, a, ps.value("isolated_youth.age_min"), ps.value("isolated_youth.age_max"), verified) is False:
        return
    if situation_any(h, a, ("isolation",), "isolation") is False:
        return
    a.soft(R_PILOT_REGIONS)


register("isolated_youth", isolated_youth, ("isolated_youth.age_min", "isolated_youth.age_max"))


def local_resource(h: Household, ps: ParameterSet, a: Assessment, options: Mapping[str, object]) -> None:
    """A local resource described by its catalogue entry's ``eligibility_params``.

    Age band and single-person rule must hold; then either a listed situation or an income
    at or below ``income_percent_max`` of the median makes the resource a fit.
    """
    min_age, max_age = options.get("min_age"), options.get("max_age")
    if isinstance(min_age, int) or isinstance(max_age, int):
        if member_in_range(h, a, min_age if isinstance(min_age, int) else 0, max_age if isinstance(max_age, int) else 130) is False:
            return
    if options.get("single_person_only") is True:
        if h.size == 1:
            a.passed(R_LIVES_ALONE)
        else:
            a.failed(R_NOT_SINGLE_PERSON)
            return
    wanted = options.get("situations_any")
    percent = options.get("income_percent_max")
    fits = False
    if isinstance(wanted, list):
        found = next((s for s in wanted if h.has_situation(s)), None)
        if found is not None:
            a.passed(R_SITUATION_REPORTED, situation=f"finder.situation.{found}")
            fits = True
    if not fits and isinstance(percent, int) and h.monthly_income is not None:
        threshold = round_half_up_percent(ps.median_income(h.size), percent)
        if h.monthly_income <= threshold:
            a.passed(R_LOW_INCOME_LOCAL, household_size=h.size, income=h.monthly_income, threshold=threshold)
            fits = True
    if not fits:
        if h.situations is None or (isinstance(percent, int) and h.monthly_income is None):
            a.unknown(Q["situations"] if h.situations is None else Q["monthly_income"])
        elif isinstance(wanted, list) and wanted:
            a.failed(R_SITUATION_NOT_REPORTED, situation=f"finder.situation.{wanted[0]}")
    a.soft(R_LOCAL_RULES_VARY)


register(
    "local_resource",
    local_resource,
    (),
    {"situations_any": list, "min_age": int, "max_age": int, "single_person_only": bool, "income_percent_max": int},
)
